# mlconsole — build, test, demo. `make demo` and `make test` work on a bare
# Debian 12 machine as root: both depend on `deps`, the one place that runs
# apt-get and npm ci.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKGS      = ncursesw libcurl libpq jansson libssh2 libuv expat inih libcrypto
LIB_PKGS  = libcurl libpq jansson libssh2 libuv expat inih libcrypto
TEST_PKGS = criterion

# Debian package behind each pkg-config name, and the oldest version we take.
DEB_LIBS  = libncurses-dev libcurl4-openssl-dev libpq-dev libjansson-dev \
            libssh2-1-dev libuv1-dev libexpat1-dev libinih-dev libcriterion-dev \
            libssl-dev
DEB_TOOLS = pkg-config gcc make postgresql-15 postgresql-contrib \
            openssh-server openssh-client prometheus nodejs tmux python3 \
            ca-certificates clang-format procps curl htop redis-server
# The peers `make bench` measures the S3 client against: installed only by
# `make deps BENCH=1` (what `make bench` runs), never for `make test`.
DEB_BENCH = awscli s3cmd python3-boto3 pg-activity pssh

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-unused-parameter
CSTD    = -std=gnu11 -D_GNU_SOURCE
OPT    ?= -O2 -g
SAN    ?=
CFLAGS_ALL = -DMLC_THEME_DIR_INSTALLED=\"$(PREFIX)/share/mlconsole/themes\" $(CSTD) $(OPT) $(WARN) $(SAN) -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIB_LIBS   = $(shell pkg-config --libs $(LIB_PKGS) 2>/dev/null) -lm
UI_LIBS    = $(shell pkg-config --libs ncursesw 2>/dev/null) -lm
TEST_LIBS  = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

LIB_SRC   = $(wildcard lib/*/*.c)
APP_SRC   = $(wildcard tui/*.c) $(wildcard panels/*.c)
UNIT_SRC  = $(wildcard tests/unit/*.c)
INTEG_SRC = $(wildcard tests/integ/*.c)

LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
APP_OBJ   = $(APP_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ  = $(UNIT_SRC:%.c=$(BUILD)/%.o)
INTEG_OBJ = $(INTEG_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps check-libs test unit demo bench asan fmt fmt-check install clean fuzz

all: check-libs $(BUILD)/mlconsole $(BUILD)/unit_tests $(BUILD)/integ_tests

check-libs:
	@missing=""; \
	for p in $(PKGS) $(TEST_PKGS); do \
	  pkg-config --exists $$p || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "missing libraries (pkg-config):$$missing — run 'make deps' (Debian: $(DEB_LIBS))" >&2; exit 1; \
	fi; \
	pkg-config --atleast-version=1.10 libssh2 || { echo "libssh2 >= 1.10 required (libssh2-1-dev)" >&2; exit 1; }; \
	pkg-config --atleast-version=7.85 libcurl || { echo "libcurl >= 7.85 required (libcurl4-openssl-dev)" >&2; exit 1; }; \
	pkg-config --atleast-version=2.12 jansson || { echo "jansson >= 2.12 required (libjansson-dev)" >&2; exit 1; }

$(BUILD)/libmlc.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/mlconsole: $(APP_OBJ) $(BUILD)/libmlc.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $(APP_OBJ) $(BUILD)/libmlc.a $(UI_LIBS) $(LIB_LIBS)

# Unit tests link libmlc.a without ncurses: a curses call in lib/ fails here.
$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libmlc.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $(UNIT_OBJ) $(BUILD)/libmlc.a $(LIB_LIBS) $(TEST_LIBS)

$(BUILD)/integ_tests: $(INTEG_OBJ) $(BUILD)/libmlc.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $(INTEG_OBJ) $(BUILD)/libmlc.a $(LIB_LIBS) $(TEST_LIBS)

# The layers, kept by the build (DESIGN.md): lib/ never includes curses,
# tui/ or panels/; lib/core/ includes only lib/core/; a client folder
# (lib/mlflow, lib/s3, ...) includes lib/core/ and itself, never another
# client nor lib/health/; panels/ never include curses, curl, libpq,
# libssh2 or jansson (they ask lib/ and get model structs back).
LAYER_CHECK = tests/layers.sh

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	@bash $(LAYER_CHECK) $<
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/panels/%.o: panels/%.c
	@mkdir -p $(@D)
	@bash $(LAYER_CHECK) $<
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The one place that installs anything. Idempotent and quiet when all is there.
# BENCH=1 adds the benchmark's peers (DEB_BENCH).
deps:
	@need=""; \
	for p in $(DEB_LIBS) $(DEB_TOOLS) $(if $(filter 1,$(BENCH)),$(DEB_BENCH)); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || need="$$need $$p"; \
	done; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$need (run 'make deps' as root)" >&2; exit 1; fi; \
	  echo "installing:$$need"; \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need; \
	  rc=$$?; rm -f /usr/sbin/policy-rc.d; \
	  for s in ssh prometheus postgresql redis-server; do \
	    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now $$s >/dev/null 2>&1 || true; fi; \
	  done; \
	  [ $$rc = 0 ] || exit $$rc; \
	fi; \
	if ! command -v npm >/dev/null; then \
	  [ "$$(id -u)" = 0 ] || { echo "npm missing (Debian package npm); run 'make deps' as root" >&2; exit 1; }; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; \
	fi; \
	if [ ! -d node_modules/@20minutes/s3rver ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund --loglevel=error; \
	fi

test: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh

unit: all
	@$(BUILD)/unit_tests

demo: deps all
	@bash tests/stack/demo.sh

# Each tests/bench/bench_NAME.c is a program of its own (the console's
# client beside its floor); tests/bench/run.sh runs the sections.
BENCH_BIN = $(patsubst tests/bench/%.c,$(BUILD)/%,$(wildcard tests/bench/bench_*.c))
.SECONDARY: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/bench/bench_*.c))

bench:
	@$(MAKE) --no-print-directory deps BENCH=1
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@bash tests/bench/run.sh

$(BUILD)/bench_%: $(BUILD)/tests/bench/bench_%.o $(BUILD)/libmlc.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIB_LIBS)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all

fmt:
	clang-format -i $(LIB_SRC) $(APP_SRC) $(UNIT_SRC) $(INTEG_SRC) $(wildcard lib/*/*.h tui/*.h panels/*.h)

fmt-check:
	@clang-format --dry-run -Werror $(LIB_SRC) $(APP_SRC) $(UNIT_SRC) $(INTEG_SRC) $(wildcard lib/*/*.h tui/*.h panels/*.h)

install: $(BUILD)/mlconsole
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mlconsole/themes $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/mlconsole $(DESTDIR)$(PREFIX)/bin/mlconsole
	install -m 644 themes/*.theme $(DESTDIR)$(PREFIX)/share/mlconsole/themes/
	install -m 644 tui/mlconsole.1 $(DESTDIR)$(PREFIX)/share/man/man1/mlconsole.1

clean:
	rm -rf build build-asan build-fuzz

# libFuzzer targets for the parsers (tests/fuzz/README.md): built with clang
# into build-fuzz/ (ASan+UBSan); FUZZ_RUN=1 also runs each for FUZZ_TIME
# seconds (default 20) from its seeds, writing new inputs under build-fuzz/.
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang" >&2; exit 1; }
	@set -e; mkdir -p build-fuzz; \
	cflags="$(CSTD) -O1 -g -fno-omit-frame-pointer $(WARN) -Wno-missing-field-initializers -I. $$(pkg-config --cflags $(LIB_PKGS))"; \
	san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"; \
	for src in $(LIB_SRC); do \
	  obj=build-fuzz/$$(echo $$src | sed 's|/|_|g; s|\.c$$|.o|'); \
	  [ "$$obj" -nt "$$src" ] && continue; \
	  echo "  CC      $$src (fuzz)"; \
	  clang $$cflags $$san -fsanitize=fuzzer-no-link -c -o $$obj $$src; \
	done; \
	for f in $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)); do \
	  echo "  LINK    build-fuzz/fuzz_$$f"; \
	  clang $$cflags $$san -fsanitize=fuzzer -o build-fuzz/fuzz_$$f tests/fuzz/fuzz_$$f.c \
	    build-fuzz/lib_*.o $$(pkg-config --libs $(LIB_PKGS)) -lm; \
	done
	@if [ "$(FUZZ_RUN)" = 1 ]; then \
	  t=$${FUZZ_TIME:-20}; fail=0; \
	  run() { name=$$1; dict=$$2; shift 2; mkdir -p build-fuzz/corpus/$$name build-fuzz/crash/$$name; \
	    echo "  FUZZ    $$name ($$t s)"; \
	    build-fuzz/fuzz_$$name -max_total_time=$$t -timeout=10 -rss_limit_mb=2048 \
	      -artifact_prefix=build-fuzz/crash/$$name/ $${dict:+-dict=$$dict} \
	      build-fuzz/corpus/$$name "$$@" >build-fuzz/$$name.log 2>&1 \
	      || { echo "fuzz_$$name found a problem: see build-fuzz/$$name.log and build-fuzz/crash/$$name/"; \
	           tail -30 build-fuzz/$$name.log; fail=1; }; }; \
	  run svc tests/fuzz/json.dict tests/fixtures/mlflow tests/fixtures/ray tests/fixtures/prometheus \
	    tests/fixtures/prefect tests/fixtures/airflow; \
	  run s3 tests/fuzz/xml.dict tests/fixtures/s3/s3rver tests/fixtures/s3/minio \
	    tests/fixtures/s3/s3rver-20minutes-5.0.0; \
	  run s3_mpu tests/fuzz/xml.dict tests/fuzz/corpus/s3_mpu; \
	  run config tests/fuzz/ini.dict tests/fuzz/corpus/config; \
	  run sanitize "" tests/fuzz/corpus/sanitize; \
	  run mlflow tests/fuzz/json.dict tests/fixtures/mlflow; \
	  run flows tests/fuzz/json.dict tests/fixtures/prefect tests/fixtures/airflow tests/fixtures/airflow/v2; \
	  run pgstat "" tests/fixtures/pg; \
	  run nodes tests/fuzz/json.dict tests/fixtures/nodes tests/fixtures/nodes/head tests/fixtures/nodes/worker2; \
	  run nodeact "" tests/fuzz/corpus/nodeact; \
	  run ray tests/fuzz/json.dict tests/fixtures/ray tests/fixtures/prometheus; \
	  run ws "" tests/fuzz/corpus/ws; \
	  exit $$fail; \
	fi
