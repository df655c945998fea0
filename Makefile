# jitgate: identity-aware MySQL gateway. `make help` lists the targets.
#
# Everything the build and the tests need is a Debian package (installed by `make deps`) or an npm
# package pinned in tests/integration/package-lock.json. gen/ is committed; `make gen` rebuilds it
# from spec/ and `make check` fails when it is stale.

CC      ?= cc
RAGEL   ?= ragel
RE2C    ?= re2c
PKGS    := libjwt jansson inih libmariadb sqlite3 libcrypto
# -flto: the data path's stages live in files of their own; link-time optimisation inlines
# across them as it would within one file (per query: docs/performance.md, "Comparing two builds").
CFLAGS  ?= -O2 -g -flto=auto
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# The libraries' flags come from pkg-config, which a fresh machine has only after `make deps`:
# they are computed the first time a recipe uses them (never while the Makefile is parsed), and
# check, demo and bench run the build in a sub-make that starts after deps has installed them.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
CPPFLAGS_JG = -std=c11 -D_GNU_SOURCE -Isrc -Igen $(PKG_CFLAGS)
LDLIBS_JG   = $(PKG_LIBS) -lbearssl -lpthread -lm

BUILD   := build
SPECS   := $(wildcard spec/*.rl)
RE_SPECS := $(wildcard spec/*.re)
GEN_C   := $(patsubst spec/%.rl,gen/%.c,$(SPECS)) $(patsubst spec/%.re,gen/%.c,$(RE_SPECS))
SRCS    := $(filter-out src/cli/main.c,$(shell find src -name '*.c' | sort))
OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(SRCS)) $(patsubst %.c,$(BUILD)/%.o,$(GEN_C))
UNIT    := $(sort $(wildcard tests/unit/*.c)) tests/dp/dp.c

DEB_PKGS := gcc make pkg-config ragel re2c libbearssl-dev libjwt-dev libjansson-dev libinih-dev \
            libmariadb-dev libsqlite3-dev libssl-dev sqlite3 mariadb-server mariadb-client python3 python3-pymysql \
            sysbench openssl libmariadb-java default-jdk-headless \
            procps iproute2 ca-certificates haproxy gnuplot-nox \
            frama-c-base why3 z3 cvc4
NPM_DIR  := tests/integration

.PHONY: all help deps gen gen-check check unit proto policy-test verify integration demo clean layout \
        differential fuzz-differential

all: $(BUILD)/jitgate

help:
	@echo "make            build build/jitgate"
	@echo "make deps       install missing Debian packages and npm test packages"
	@echo "make gen        regenerate gen/ from spec/ (Ragel, re2c)"
	@echo "make bench-sql  statements per second of the SQL classifier (one core)"
	@echo "make bench-mask rows per second that masking rewrites (one core, no server)"
	@echo "make policy-test  run every example policy's test file (policy-dsl/examples)"
	@echo "make verify     Frama-C proofs of src/cred/credtext.c and src/mask/mask.c; regenerates verify/REPORT.md"
	@echo "make bench-ab BASE=REV  this build against REV's, jit route, alternating (docs/performance.md)"
	@echo "make layout     structure of src/ and gen/: call cycles, layering, file and function lengths"
	@echo "make fuzz-differential SECONDS=n  generated SQL through MariaDB and the classifier, compared"
	@echo "make check      deps, gen-check, build, layout, unit + protocol + integration tests"
	@echo "make demo       private MariaDB + dev keys + jitgate on 127.0.0.1:3307"

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing </dev/null; \
	fi
	@command -v node >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm </dev/null; }
	@command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm </dev/null; }
	@[ -d $(NPM_DIR)/node_modules/mysql2 ] && [ -d $(NPM_DIR)/node_modules/@benborla29/mcp-server-mysql ] || \
	    (cd $(NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error </dev/null)

# Generated code: each file's first line names its source and tool.
gen: $(GEN_C)

# ragel_gen SPEC OUT: runs Ragel and names the source and tool on the first line; #line
# directives name OUT, so output does not depend on where it was written.
ragel_gen = $(RAGEL) -C -G2 $(1) -o $(2).tmp && \
	{ echo "/* generated from $(1) by $$($(RAGEL) --version | head -1); do not edit: make gen */"; \
	  sed "s|$(2).tmp|gen/$(notdir $(2))|g" $(2).tmp; } > $(2) && rm -f $(2).tmp

# re2c_gen SPEC OUT: the same for re2c, without date or version in the body so that output is
# reproducible; the first line still names the tool's version.
re2c_gen = $(RE2C) --no-generation-date --no-version -W $(1) -o $(2).tmp && \
	{ echo "/* generated from $(1) by $$($(RE2C) --version | head -1); do not edit: make gen */"; \
	  sed "s|$(2).tmp|gen/$(notdir $(2))|g" $(2).tmp; } > $(2) && rm -f $(2).tmp

gen/%.c: spec/%.rl
	@mkdir -p gen
	$(call ragel_gen,$<,$@)

gen/%.c: spec/%.re
	@mkdir -p gen
	$(call re2c_gen,$<,$@)

gen-check:
	@rm -rf $(BUILD)/gen-check && mkdir -p $(BUILD)/gen-check
	@for s in $(SPECS); do \
	    b=$$(basename $$s .rl); \
	    $(call ragel_gen,$$s,$(BUILD)/gen-check/$$b.c) || exit 1; \
	    cmp -s $(BUILD)/gen-check/$$b.c gen/$$b.c || { echo "gen/$$b.c is stale: run make gen and commit"; exit 1; }; \
	done; \
	for s in $(RE_SPECS); do \
	    b=$$(basename $$s .re); \
	    $(call re2c_gen,$$s,$(BUILD)/gen-check/$$b.c) || exit 1; \
	    cmp -s $(BUILD)/gen-check/$$b.c gen/$$b.c || { echo "gen/$$b.c is stale: run make gen and commit"; exit 1; }; \
	done; echo "gen-check: gen/ matches spec/"

$(BUILD)/gen/%.o: gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) $(CFLAGS) -Wall -Wno-unused-const-variable -Wno-unused-variable -MMD -c $< -o $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) $(CFLAGS) $(WARN) -MMD -c $< -o $@

$(BUILD)/jitgate: $(OBJS) $(BUILD)/src/cli/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_JG)

$(BUILD)/unit: $(OBJS) $(patsubst %.c,$(BUILD)/%.o,$(UNIT))
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_JG)

unit: $(BUILD)/unit
	$(BUILD)/unit

# layout: the structure of the tree (tests/layout.py): no call cycles between files (read from the
# objects with nm), cred/ and net/ kept in their layers, file and function lengths. The checker's
# self-test runs first, so that a broken checker cannot pass a tree.
layout: $(OBJS) $(BUILD)/src/cli/main.o
	@/usr/bin/python3 tests/layout.py --self-test --cc '$(CC)'
	@/usr/bin/python3 tests/layout.py --build '$(BUILD)'

# Protocol machine cases (tests/proto/*.case) and datapath cases (tests/proto/datapath/*.case: a
# session's packets from both sides through the command and result stages) are run by the unit
# binary's runners; the last line sums both.
proto: $(BUILD)/unit
	@$(BUILD)/unit proto tests/proto | tee $(BUILD)/proto.log; \
	$(BUILD)/unit datapath tests/proto/datapath | tee -a $(BUILD)/proto.log; \
	p=$$(grep -Eo '[0-9]+ passed' $(BUILD)/proto.log | awk '{s+=$$1} END {print s+0}'); \
	f=$$(grep -Eo '[0-9]+ failed' $(BUILD)/proto.log | awk '{s+=$$1} END {print s+0}'); \
	echo "proto+datapath: $$p passed, $$f failed"; [ $$f -eq 0 ]

# verify: Frama-C WP proofs of the modules in verify/verify.py's MODULES (src/cred/credtext.c,
# src/mask/mask.c): per-function results in verify/results/<module>/, verify/REPORT.md regenerated;
# fails on an unproved goal or a stale report.
# Why3 learns the provers (why3 config detect) the first time, when it does not list them yet.
verify:
	@if command -v why3 >/dev/null && ! { why3 config list-provers 2>/dev/null | grep -q '^CVC4 ' && \
	    why3 config list-provers | grep -q '^Z3 '; }; then why3 config detect >/dev/null; fi
	@/usr/bin/python3 verify/verify.py

# policy-test: every example policy in policy-dsl/examples/ with its FILE.policy.test; each test
# file is one part (a file that does not compile counts as one failure).
POLICY_TESTS := $(sort $(wildcard policy-dsl/examples/*.policy.test))

policy-test: $(BUILD)/jitgate
	@pass=0; fail=0; for t in $(POLICY_TESTS); do \
	    out=$$($(BUILD)/jitgate policy test $$t 2>&1); rc=$$?; echo "$$out"; \
	    line=$$(echo "$$out" | grep -Eo '[0-9]+ passed, [0-9]+ failed' | tail -n 1); \
	    if [ -z "$$line" ]; then fail=$$((fail + 1)); continue; fi; \
	    p=$${line%% passed*}; f=$${line#*passed, }; f=$${f%% failed*}; \
	    [ $$rc -eq 0 ] || [ $$f -ne 0 ] || f=1; \
	    pass=$$((pass + p)); fail=$$((fail + f)); \
	done; echo "policy-test: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# The suite tests the binary this make built (BUILD=dir included) unless JITGATE names another.
integration: $(BUILD)/jitgate
	JITGATE="$${JITGATE:-$(abspath $(BUILD))/jitgate}" /bin/bash tests/integration/run.sh

# differential: the classifier against MariaDB itself (tests/differential, docs/fuzzing.md): a
# deterministic pass of DIFF_PACKETS generated packets from DIFF_SEED, part of `make check`;
# fuzz-differential: a campaign of SECONDS from SEED (default: the clock). Shrunk mismatches are
# printed and written to $(BUILD)/differential-found.cases.
DIFF_PACKETS ?= 3000
DIFF_SEED    ?= 1
SECONDS      ?= 300

differential: $(BUILD)/jitgate
	JITGATE="$${JITGATE:-$(abspath $(BUILD))/jitgate}" JG_DIFF_OUT="$${JG_DIFF_OUT:-$(abspath $(BUILD))/differential-found.cases}" \
	    /bin/bash tests/differential/run.sh --packets $(DIFF_PACKETS) --seed $(DIFF_SEED)

fuzz-differential: deps
	@$(MAKE) --no-print-directory all
	JITGATE="$${JITGATE:-$(abspath $(BUILD))/jitgate}" JG_DIFF_OUT="$${JG_DIFF_OUT:-$(abspath $(BUILD))/differential-found.cases}" \
	    /bin/bash tests/differential/run.sh --seconds $(SECONDS) --seed $${SEED:-$$(date +%s)} --max-shrinks 40

# check, demo and bench: deps first, then the rest in a sub-make that reads the Makefile again
# with the packages in place (also right under make -j).
check: deps
	@$(MAKE) --no-print-directory gen-check all
	@/bin/bash tests/check.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@/bin/bash tests/demo.sh

clean:
	rm -rf $(BUILD)

# ---- fuzzing ------------------------------------------------------------------------------------
# One AFL++ harness per parser of untrusted input: fuzz/<target>/harness.c with corpus/ and dict,
# sharing main in fuzz/driver.c
# (docs/fuzzing.md). fuzz-replay, which `make check` runs, replays every seed and every crash kept
# under tests/regress/<target>/ with ASan and UBSan; fuzz installs afl++ and fuzzes each target
# for FUZZ_SECONDS, then copies what crashed into tests/regress/<target>/ and fails.
FUZZ_TARGETS := handshake_response greeting response pkt token config sql datapath mask
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_AFL_SAN ?= $(FUZZ_SAN)
AFL_CC       ?= afl-cc
FUZZ_LIB     := $(SRCS) $(GEN_C) tests/dp/dp.c
FUZZ_REPLAY_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_AFL_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/afl/%)
# A small ASan quarantine: with the default 256 MiB, a persistent-mode child spends its 10000
# runs faulting in fresh pages (config ran at 1/5 of its speed).
FUZZ_ENV := AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
            AFL_NO_AFFINITY=1 ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:quarantine_size_mb=8:malloc_context_size=0

.PHONY: fuzz fuzz-replay fuzz-deps fuzz-seeds $(FUZZ_TARGETS:%=fuzz-%)

# The replay build uses the sanitizers when this compiler links them with our libraries.
$(BUILD)/fuzz/replay.flags:
	@mkdir -p $(dir $@)
	@printf 'int main(void) { return 0; }\n' > $(BUILD)/fuzz/sancheck.c
	@if $(CC) $(FUZZ_SAN) $(BUILD)/fuzz/sancheck.c -o $(BUILD)/fuzz/sancheck $(LDLIBS_JG) 2>/dev/null && \
	    $(BUILD)/fuzz/sancheck; then echo '$(FUZZ_SAN)' > $@; \
	else echo "fuzz-replay: no sanitizers with $(CC); replaying without" >&2; : > $@; fi

$(BUILD)/fuzz/replay/gen/%.o: gen/%.c $(BUILD)/fuzz/replay.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) $(CFLAGS) $$(cat $(BUILD)/fuzz/replay.flags) -Wall -Wno-unused-const-variable -Wno-unused-variable -MMD -c $< -o $@

$(BUILD)/fuzz/replay/%.o: %.c $(BUILD)/fuzz/replay.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) -Ifuzz $(CFLAGS) $$(cat $(BUILD)/fuzz/replay.flags) $(WARN) -MMD -c $< -o $@

$(FUZZ_REPLAY_BINS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/replay/fuzz/%/harness.o \
		$(BUILD)/fuzz/replay/fuzz/driver.o $(patsubst %.c,$(BUILD)/fuzz/replay/%.o,$(FUZZ_LIB))
	$(CC) $(CFLAGS) $$(cat $(BUILD)/fuzz/replay.flags) -o $@ $^ $(LDLIBS_JG)

# Each target's files in one process first (fast); if that fails, one process per file to name
# every file that crashes.
fuzz-replay: $(FUZZ_REPLAY_BINS)
	@pass=0; fail=0; log=$(BUILD)/fuzz/replay.log; \
	for t in $(FUZZ_TARGETS); do \
	    files=$$(find fuzz/$$t/corpus tests/regress/$$t -type f ! -name README.md 2>/dev/null | sort); \
	    [ -n "$$files" ] || continue; \
	    if $(BUILD)/fuzz/$$t $$files >$$log 2>&1; then \
	        pass=$$((pass + $$(echo "$$files" | wc -l))); continue; fi; \
	    for f in $$files; do \
	        if $(BUILD)/fuzz/$$t $$f >$$log 2>&1; then pass=$$((pass + 1)); \
	        else fail=$$((fail + 1)); echo "fuzz-replay: $$t crashes on $$f:"; cat $$log; fi; \
	    done; \
	done; \
	echo "fuzz-replay: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

fuzz-deps:
	@command -v afl-fuzz >/dev/null && command -v $(AFL_CC) >/dev/null || { \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ </dev/null; }

$(BUILD)/fuzz/afl/gen/%.o: gen/%.c | fuzz-deps
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CPPFLAGS_JG) -O2 -g $(FUZZ_AFL_SAN) -Wall -Wno-unused-const-variable -Wno-unused-variable -MMD -c $< -o $@

$(BUILD)/fuzz/afl/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CPPFLAGS_JG) -Ifuzz -O2 -g $(FUZZ_AFL_SAN) $(WARN) -MMD -c $< -o $@

$(FUZZ_AFL_BINS): $(BUILD)/fuzz/afl/%: $(BUILD)/fuzz/afl/fuzz/%/harness.o \
		$(BUILD)/fuzz/afl/fuzz/driver.o $(patsubst %.c,$(BUILD)/fuzz/afl/%.o,$(FUZZ_LIB))
	AFL_QUIET=1 $(AFL_CC) -O2 -g $(FUZZ_AFL_SAN) -o $@ $^ $(LDLIBS_JG)

# fuzz-TARGET: a fresh run of FUZZ_SECONDS; its crashes become tests/regress/TARGET/crash-HASH.
$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(BUILD)/fuzz/afl/%
	@rm -rf $(BUILD)/fuzz-out/$* && mkdir -p $(BUILD)/fuzz-out tests/regress/$*
	$(FUZZ_ENV) afl-fuzz -V $(FUZZ_SECONDS) -m none -i fuzz/$*/corpus -o $(BUILD)/fuzz-out/$* \
	    -x fuzz/$*/dict -- $(BUILD)/fuzz/afl/$* >$(BUILD)/fuzz-out/$*.log 2>&1 || \
	    { tail -n 30 $(BUILD)/fuzz-out/$*.log; exit 1; }
	@for c in $(BUILD)/fuzz-out/$*/default/crashes/id:*; do [ -f "$$c" ] || continue; \
	    cp "$$c" tests/regress/$*/crash-$$(sha1sum <"$$c" | cut -c1-16); done
	@st=$(BUILD)/fuzz-out/$*/default/fuzzer_stats; v() { sed -n "s/^$$1 *: //p" $$st; }; \
	echo "fuzz: $*: $$(v execs_done) execs ($$(v execs_per_sec)/s), corpus $$(v corpus_count)," \
	     "edges $$(v edges_found) ($$(v bitmap_cvg)), crashes $$(v saved_crashes), hangs $$(v saved_hangs)"

fuzz: $(FUZZ_TARGETS:%=fuzz-%)
	@n=0; for t in $(FUZZ_TARGETS); do \
	    c=$$(ls $(BUILD)/fuzz-out/$$t/default/crashes/ 2>/dev/null | grep -c '^id:' || true); \
	    [ "$$c" -eq 0 ] || echo "fuzz: $$t: $$c crashes, copied to tests/regress/$$t/"; n=$$((n + c)); \
	done; echo "fuzz: $$n crashes"; [ $$n -eq 0 ]

# fuzz-seeds: rewrites the seed corpora (fuzz/mkseeds.c); run when a harness's input format changes.
fuzz-seeds: $(OBJS) $(BUILD)/fuzz/mkseeds.o
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz/mkseeds $^ $(LDLIBS_JG)
	$(BUILD)/fuzz/mkseeds
# ---- end of fuzzing -----------------------------------------------------------------------------

# ---- benchmark ---------------------------------------------------------------------------------
# tests/bench/bench.py: direct, HAProxy (tcp) and jitgate on one private MariaDB, in alternation
# (docs/performance.md). bench writes tests/bench/results/latest.{json,txt,png}; bench-quick, which
# `make check` runs, checks that every route completes its queries and writes build/bench/.
BENCH_TOOLS := $(BUILD)/bench/connect_bench $(BUILD)/bench/idle_sessions

.PHONY: bench bench-quick bench-sql bench-mask bench-ab

# bench-sql: the classifier alone, no server: statements per second on one core (tests/bench/sql_bench.c).
$(BUILD)/bench/sql_bench: tests/bench/sql_bench.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) $(CFLAGS) $(WARN) $< $(OBJS) -o $@ $(LDLIBS_JG)

bench-sql: $(BUILD)/bench/sql_bench
	$(BUILD)/bench/sql_bench

# bench-mask: masking alone, no server: rows of range100's shape rewritten per second on one core
# (tests/bench/mask_bench.c, docs/performance.md "Masking").
$(BUILD)/bench/mask_bench: tests/bench/mask_bench.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_JG) $(CFLAGS) $(WARN) $< $(OBJS) -o $@ $(LDLIBS_JG)

bench-mask: $(BUILD)/bench/mask_bench
	$(BUILD)/bench/mask_bench

$(BENCH_TOOLS): $(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $$(pkg-config --cflags libmariadb) $< -o $@ \
	    $$(pkg-config --libs libmariadb)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS) $(BUILD)/bench/sql_bench $(BUILD)/bench/mask_bench
	$(BUILD)/bench/sql_bench
	$(BUILD)/bench/mask_bench
	/usr/bin/python3 tests/bench/bench.py

bench-quick: deps
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	/usr/bin/python3 tests/bench/bench.py --quick

# bench-ab: this tree's build against BASE's, both on the jit route (TLS, policy, just-in-time
# users), alternating in one run; writes tests/bench/results/ab-latest.{json,txt} (docs/performance.md,
# "Comparing two builds"). BASE is a git revision; by default the merge base of HEAD and main (or
# origin/main): on a branch, the code the branch started from; on main, HEAD, so that uncommitted
# changes are measured against the last commit. BASE's files come from `git archive` (no worktree
# gets registered) and are built with the same CC and CFLAGS in $(BUILD)/base/src, which is removed
# on any exit once $(BUILD)/base/jitgate is in place. BENCH_AB_ARGS go to bench.py (--rounds 9).
BASE ?=
BENCH_AB_ARGS ?=

bench-ab: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/connect_bench
	@set -e; base='$(BASE)'; what="BASE=$$base"; \
	if [ -z "$$base" ]; then \
	    if base=$$(git merge-base HEAD main 2>/dev/null); then what="merge base with main"; \
	    elif base=$$(git merge-base HEAD origin/main 2>/dev/null); then what="merge base with origin/main"; \
	    else base=HEAD; what="HEAD, no main branch"; fi; \
	fi; \
	sha=$$(git rev-parse --verify --quiet "$$base^{commit}") || { echo "bench-ab: BASE=$$base is not a commit"; exit 1; }; \
	short=$$(git rev-parse --short $$sha); \
	rm -rf $(BUILD)/base; mkdir -p $(BUILD)/base/src; trap 'rm -rf $(BUILD)/base/src' EXIT; \
	echo "bench-ab: building $$short ($$what) in $(BUILD)/base"; \
	git archive $$sha | tar -x -C $(BUILD)/base/src; \
	$(MAKE) --no-print-directory -C $(BUILD)/base/src BUILD=build CC='$(CC)' CFLAGS='$(CFLAGS)' all; \
	cp $(BUILD)/base/src/build/jitgate $(BUILD)/base/jitgate; \
	echo "$$short ($$what)" > $(BUILD)/base/label
	/usr/bin/python3 tests/bench/bench.py --ab $(BUILD)/base/jitgate --base-label "$$(cat $(BUILD)/base/label)" \
	    --jitgate $(BUILD)/jitgate --tools $(BUILD)/bench $(BENCH_AB_ARGS)
# ---- end of benchmark ---------------------------------------------------------------------------

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
