# jitgate: identity-aware MySQL gateway. `make help` lists the targets.
#
# Everything the build and the tests need is a Debian package (installed by `make deps`) or an npm
# package pinned in tests/integration/package-lock.json. gen/ is committed; `make gen` rebuilds it
# from spec/ and `make check` fails when it is stale.

CC      ?= cc
RAGEL   ?= ragel
PKGS    := libjwt jansson inih
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS_JG := -std=c11 -D_GNU_SOURCE -Isrc -Igen $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_JG   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lbearssl -lpthread -lm

BUILD   := build
SPECS   := $(wildcard spec/*.rl)
GEN_C   := $(patsubst spec/%.rl,gen/%.c,$(SPECS))
SRCS    := $(filter-out src/cli/main.c,$(shell find src -name '*.c' | sort))
OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(SRCS)) $(patsubst %.c,$(BUILD)/%.o,$(GEN_C))
UNIT    := $(sort $(wildcard tests/unit/*.c))

DEB_PKGS := gcc make pkg-config ragel re2c libbearssl-dev libjwt-dev libjansson-dev libinih-dev \
            libmariadb-dev mariadb-server mariadb-client python3 python3-pymysql sysbench openssl \
            procps iproute2 ca-certificates
NPM_DIR  := tests/integration

.PHONY: all help deps gen gen-check check unit proto integration demo clean

all: $(BUILD)/jitgate

help:
	@echo "make            build build/jitgate"
	@echo "make deps       install missing Debian packages and npm test packages"
	@echo "make gen        regenerate gen/ from spec/ (Ragel)"
	@echo "make check      deps, gen-check, build, unit + protocol + integration tests"
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
	@[ -d $(NPM_DIR)/node_modules/mysql2 ] || (cd $(NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error </dev/null)

# Generated code: each file's first line names its source and tool.
gen: $(GEN_C)

# ragel_gen SPEC OUT: runs Ragel and names the source and tool on the first line; #line
# directives name OUT, so output does not depend on where it was written.
ragel_gen = $(RAGEL) -C -G2 $(1) -o $(2).tmp && \
	{ echo "/* generated from $(1) by $$($(RAGEL) --version | head -1); do not edit: make gen */"; \
	  sed "s|$(2).tmp|gen/$(notdir $(2))|g" $(2).tmp; } > $(2) && rm -f $(2).tmp

gen/%.c: spec/%.rl
	@mkdir -p gen
	$(call ragel_gen,$<,$@)

gen-check:
	@rm -rf $(BUILD)/gen-check && mkdir -p $(BUILD)/gen-check
	@for s in $(SPECS); do \
	    b=$$(basename $$s .rl); \
	    $(call ragel_gen,$$s,$(BUILD)/gen-check/$$b.c) || exit 1; \
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

# Protocol machine cases (tests/proto/*.case) are run by the unit binary's proto runner.
proto: $(BUILD)/unit
	$(BUILD)/unit proto tests/proto

integration: $(BUILD)/jitgate
	/bin/bash tests/integration/run.sh

check: deps gen-check all
	@/bin/bash tests/check.sh

demo: deps all
	@/bin/bash tests/demo.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
