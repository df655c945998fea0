/*
 * fuzz/config: jg_config_load on any file. The configuration is operator input, but a typo or
 * a truncated file must give a "FILE:LINE: message", never a crash.
 *
 * The input is written to an unlinked temporary file (in /dev/shm when there is one) that is
 * loaded as /proc/self/fd/N, so nothing is left behind however the process ends.
 *
 * Invariants: JG_OK or JG_ERR_CONFIG; an error message naming the file; on JG_OK every string is
 * NUL-terminated, the required keys are set, and numbers are inside their documented ranges.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "gw/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); abort(); } } while (0)
#define TERMINATED(s) CHECK(memchr((s), '\0', sizeof(s)))

static int fd = -1;
static char cfg_path[64];

static void check_config(const struct jg_config *c)
{
	TERMINATED(c->listen_address);
	TERMINATED(c->tls_cert);
	TERMINATED(c->tls_key);
	TERMINATED(c->backend_address);
	TERMINATED(c->backend_user);
	TERMINATED(c->backend_password);
	TERMINATED(c->backend_tls_ca);
	TERMINATED(c->identity.issuer);
	TERMINATED(c->identity.audience);
	TERMINATED(c->identity.jwks_file);
	TERMINATED(c->identity.groups_claim);
	CHECK(c->tls_cert[0] && c->tls_key[0] && c->backend_address[0] && c->backend_user[0]);
	CHECK(c->identity.issuer[0] && c->identity.audience[0] && c->identity.jwks_file[0]);
	CHECK(c->backend_tls != JG_BE_TLS_VERIFY || c->backend_tls_ca[0]);
	CHECK(c->workers >= 0 && c->workers <= 256);
	CHECK(c->handshake_timeout >= 1 && c->handshake_timeout <= 3600);
	CHECK(c->idle_timeout >= 0 && c->idle_timeout <= 31 * 86400);
	CHECK(c->identity.leeway >= 0 && c->identity.leeway <= 3600);
	CHECK(c->identity.algs != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jg_config *c = malloc(sizeof(*c));
	char err[512];
	int rc;

	if (fd < 0) {
		/* tmpfs when there is one: truncating a file on ext4 costs more than the parse. */
		char shm[] = "/dev/shm/jg-fuzz-config-XXXXXX", tmp[] = "/tmp/jg-fuzz-config-XXXXXX";
		char *name = shm;

		if ((fd = mkstemp(shm)) < 0 && (fd = mkstemp(name = tmp)) < 0)
			abort();
		if (unlink(name) != 0)
			abort();
		snprintf(cfg_path, sizeof(cfg_path), "/proc/self/fd/%d", fd);
	}
	if (!c || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	memset(err, 0x55, sizeof(err));
	rc = jg_config_load(c, cfg_path, err, sizeof(err));
	CHECK(rc == JG_OK || rc == JG_ERR_CONFIG);
	if (rc == JG_OK)
		check_config(c);
	else
		CHECK(memchr(err, '\0', sizeof(err)) && strncmp(err, cfg_path, strlen(cfg_path)) == 0);
	free(c);
	return 0;
}
