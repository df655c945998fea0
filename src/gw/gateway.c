/* gateway.c: the backend facts shared by sessions; see gateway.h. */
#include "gw/gateway.h"

#include <stdio.h>

void jg_gateway_set_backend(struct jg_gateway *gw, const char *version, uint32_t caps,
                            uint8_t charset)
{
	pthread_mutex_lock(&gw->ver_mu);
	snprintf(gw->backend_version, sizeof(gw->backend_version), "%s", version);
	gw->backend_caps = caps;
	gw->backend_charset = charset;
	pthread_mutex_unlock(&gw->ver_mu);
}

void jg_gateway_backend(struct jg_gateway *gw, char *version, size_t cap, uint32_t *caps,
                        uint8_t *charset)
{
	pthread_mutex_lock(&gw->ver_mu);
	snprintf(version, cap, "%s", gw->backend_version);
	*caps = gw->backend_caps;
	*charset = gw->backend_charset;
	pthread_mutex_unlock(&gw->ver_mu);
}
