# httpd-lite — see README.md. `make` builds, `make run` serves ./www on
# port 7001, `make test` runs every test, `make asan` runs them under
# AddressSanitizer + UBSan.

VERSION := 0.1.0
PROG    := httpd-lite
PORT    ?= 7001

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
CPPFLAGS += -D_GNU_SOURCE -DHTTPD_LITE_VERSION='"$(VERSION)"' -Iinclude
# CI (CI=true in the environment) turns every warning into an error.
ifneq ($(CI),)
  WARN += -Werror
endif
override CFLAGS += -std=c11 $(WARN)

BUILD   := build

# llhttp comes as C sources from Debian's node-llhttp; compiled here, in
# strict mode, never copied into the repo. Point LLHTTP_DIR (sources) and
# LLHTTP_INC (header) elsewhere, or have pkg-config know libllhttp.
LLHTTP_PC  := $(shell pkg-config --exists libllhttp 2>/dev/null && echo yes)
ifeq ($(LLHTTP_PC),yes)
  LLHTTP_CPPFLAGS := $(shell pkg-config --cflags libllhttp)
  LLHTTP_LIBS     := $(shell pkg-config --libs libllhttp)
  LLHTTP_OBJS     :=
  LLHTTP_HEADER   :=
else
  LLHTTP_DIR ?= /usr/share/llhttp
  LLHTTP_INC ?= /usr/share/include/llhttp
  LLHTTP_CPPFLAGS := -I$(LLHTTP_INC)
  LLHTTP_LIBS     :=
  LLHTTP_OBJS     := $(BUILD)/llhttp/llhttp.o $(BUILD)/llhttp/api.o $(BUILD)/llhttp/http.o
  LLHTTP_HEADER   := $(LLHTTP_INC)/llhttp.h
endif
CPPFLAGS += $(LLHTTP_CPPFLAGS) -DLLHTTP_STRICT_MODE=1
# Libraries other than libc are linked from their static archives when the
# -dev package ships one (Debian's do), except in sanitizer builds, whose
# interceptors look for the real functions (crypt_r) in shared libraries.
# Every shared library is five more mappings that each fork() must copy. Measured with Connection: close,
# 1 KiB file: 47 -> 25 mappings in the parent, RSS 3.9 -> 3.4 MiB, about
# +20 % connections per second. STATIC_LIBS=0 links them all dynamically.
STATIC_LIBS ?= 1
# Bind every symbol at start-up (and make the GOT read-only): otherwise each
# forked child redoes the lazy lookups, page faults and all.
LDLIBS += -Wl,-z,relro,-z,now
# Relative relocations packed (DT_RELR, glibc 2.36): the 47,000 that the
# static OpenSSL brings take 6 KiB instead of 458 KiB, which the loader no
# longer pages in at start-up: parent RSS 3.5 -> 2.9 MiB. Only when the
# toolchain knows the option.
RELR := $(shell printf 'int main(void){return 0;}\n' | \
	  $(CC) -x c - -o /dev/null -Wl,-z,pack-relative-relocs 2>/dev/null && \
	  echo -Wl,-z,pack-relative-relocs)
LDLIBS += $(RELR)
lib_archive = $(shell $(CC) -print-file-name=lib$(1).a)
link_lib = $(if $(and $(filter 1,$(STATIC_LIBS)),$(filter /%,$(call lib_archive,$(1)))),$(call lib_archive,$(1)),-l$(1))
# crypt_r(3), for the hashed passwords of --auth-file (libcrypt-dev).
LDLIBS += $(call link_lib,crypt)
# zlib, for --compress (zlib1g-dev).
LDLIBS += $(call link_lib,z)
# libqrencode, for --qr (libqrencode-dev): not linked, dlopen'ed for the
# one encoding at start-up (src/qr.c says why).
# libarchive, for --archives (libarchive-dev): not linked, dlopen'ed by
# the child that sends an archive (src/archive_stream.c says why).
# libcmark, for --readme (libcmark-dev).
LDLIBS += $(call link_lib,cmark)
# OpenSSL for HTTPS (libssl-dev): on when its headers are there, or by
# TLS=1; `make TLS=0` builds without (in its own build directory, so the
# two builds never mix objects).
TLS ?= $(if $(wildcard /usr/include/openssl/ssl.h),1,0)
ifeq ($(TLS),1)
  CPPFLAGS += -DHTTPD_LITE_TLS
  LDLIBS += $(call link_lib,ssl) $(call link_lib,crypto)
else
  BUILD := build-notls
endif

# Objects depend on the flags they were built with: changing TLS=, CFLAGS
# or a sanitizer rebuilds them instead of mixing old and new. The stamp is
# only read while the Makefile is parsed; a rule rewrites it, and only when
# its content changes, so `make clean` and `make -n` write nothing.
FLAGS_NOW   := $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(LDLIBS)
FLAGS_STAMP := $(BUILD)/.flags
# ./httpd-lite is relinked when it last came from another build directory
# (after `make TLS=0`, a plain `make` must give back the TLS binary).
LINK_STAMP  := $(PROG).from
LINK_NOW    := $(abspath $(BUILD))

# printf's argument in single quotes, whatever the text holds.
shell_quote = '$(subst ','\'',$(1))'
ifneq ($(FLAGS_NOW),$(file <$(FLAGS_STAMP)))
$(FLAGS_STAMP): FORCE
endif
ifneq ($(LINK_NOW),$(file <$(LINK_STAMP)))
$(LINK_STAMP): FORCE
endif
$(FLAGS_STAMP):
	@mkdir -p $(@D)
	@printf '%s\n' $(call shell_quote,$(FLAGS_NOW)) >$@
$(LINK_STAMP):
	@printf '%s\n' $(call shell_quote,$(LINK_NOW)) >$@
FORCE:

SRCS    := $(wildcard src/*.c)
OBJS    := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/main.o,$(OBJS))
LIB     := $(BUILD)/libhttpd-lite.a

UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
INTEG_SRCS  := $(wildcard tests/integration/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_BINS  := $(INTEG_SRCS:tests/integration/%.c=$(BUILD)/tests/%)
HARNESS_OBJ := $(BUILD)/tests/integration/harness.o

# Each compile writes target.d (-MMD -MP), included at the end: an object
# depends on the headers it really includes, and nothing else.
DEPFLAGS = -MMD -MP -MT $@ -MF $@.d

# Debian packages: what building needs, and what testing needs on top.
missing_build = $(if $(or $(LLHTTP_PC),$(wildcard $(LLHTTP_DIR)/llhttp.c)),,node-llhttp) \
                $(if $(wildcard /usr/include/crypt.h),,libcrypt-dev) \
                $(if $(wildcard /usr/include/zlib.h),,zlib1g-dev) \
                $(if $(wildcard /usr/include/qrencode.h),,libqrencode-dev) \
                $(if $(wildcard /usr/include/archive.h),,libarchive-dev) \
                $(if $(wildcard /usr/include/cmark.h),,libcmark-dev)
missing_test  = $(if $(wildcard /usr/include/cmocka.h),,libcmocka-dev) \
                $(if $(shell command -v curl 2>/dev/null),,curl) \
                $(if $(shell command -v zbarimg 2>/dev/null),,zbar-tools) \
                $(if $(shell command -v unzip 2>/dev/null),,unzip) \
                $(if $(shell command -v bsdtar 2>/dev/null),,libarchive-tools) \
                $(if $(shell command -v openssl 2>/dev/null),,openssl)
# Not needed to build, but installed by `make deps` so that HTTPS is in.
missing_optional = $(if $(wildcard /usr/include/openssl/ssl.h),,libssl-dev)
# For the browser tests (tests/e2e/, which skip without them): both
# browsers, wget for the mirror, node and npm for puppeteer-core. A node
# that came with its own npm (not Debian's) is kept as it is.
missing_e2e = $(if $(shell command -v chromium 2>/dev/null),,chromium) \
              $(if $(shell command -v firefox-esr 2>/dev/null),,firefox-esr) \
              $(if $(shell command -v wget 2>/dev/null),,wget) \
              $(if $(shell command -v node 2>/dev/null),,nodejs) \
              $(if $(shell command -v npm 2>/dev/null),,npm)
# puppeteer-core, pinned by tests/e2e/package-lock.json, installed by
# `make deps` with `npm ci`; it drives the Debian browsers and downloads
# none (no install scripts run at all).
E2E_DIR     := tests/e2e
E2E_MODULES := $(E2E_DIR)/node_modules/.package-lock.json
E2E         := $(E2E_DIR)/run.sh

.PHONY: FORCE all run test unit integration asan fuzz deps auto-deps check-build-deps \
        check-test-deps check-fuzz-deps tests-build install uninstall clean format lint bench \
        e2e e2e-modules

all: check-build-deps $(PROG)

$(PROG): $(BUILD)/main.o $(LIB) $(LINK_STAMP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/main.o $(LIB) $(LLHTTP_LIBS) $(LDLIBS)
	@echo "httpd-lite: built $@ with TLS $(if $(filter 1,$(TLS)),on (OpenSSL),off (no libssl-dev, or TLS=0))"

$(LIB): $(LIBOBJS) $(LLHTTP_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: src/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Third-party code: its own warnings are not ours to fix, so no -W flags.
$(BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c $(LLHTTP_HEADER) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -W% -std=%,$(CFLAGS)) -std=c11 -w -c -o $@ $<

$(BUILD):
	@mkdir -p $@

# Test objects are compiled apart from the link, so a header change
# recompiles only the tests that include it (all of them relink with $(LIB)).
$(BUILD)/tests/unit/%.o: tests/unit/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Integration tests find the source tree's files (README.md, the man page)
# through HTTPD_LITE_SRCDIR, whatever directory they are run from.
$(BUILD)/tests/integration/%.o: tests/integration/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DHTTPD_LITE_SRCDIR='"$(CURDIR)"' -Itests/integration $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LLHTTP_LIBS) -lcmocka $(LDLIBS)

$(INTEG_BINS): $(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(HARNESS_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(HARNESS_OBJ) $(LIB) $(LLHTTP_LIBS) -lcmocka $(LDLIBS)

# ---- dependencies -------------------------------------------------------
# One clear line naming the Debian package instead of a wall of compiler
# errors; installed automatically by `make deps`, and by `make run` /
# `make test` when run as root.
check-build-deps:
	@m="$(strip $(missing_build))"; if [ -n "$$m" ]; then \
	  echo "httpd-lite: missing Debian package: $$m (install it with: sudo make deps)" >&2; exit 1; fi

check-test-deps:
	@m="$(strip $(missing_build) $(missing_test))"; if [ -n "$$m" ]; then \
	  echo "httpd-lite: missing Debian packages: $$m (install them with: sudo make deps)" >&2; exit 1; fi

deps:
	@m="$(strip $(missing_build) $(missing_test) $(missing_optional) $(missing_e2e))"; \
	if [ -z "$$m" ]; then echo "httpd-lite: all build and test dependencies are installed"; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "httpd-lite: missing Debian packages: $$m (run as root: sudo make deps)" >&2; exit 1; \
	else echo "httpd-lite: installing $$m"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$m; fi
	@$(MAKE) --no-print-directory e2e-modules

e2e-modules: $(E2E_MODULES)
	@:

$(E2E_MODULES): $(E2E_DIR)/package.json $(E2E_DIR)/package-lock.json
	cd $(E2E_DIR) && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Install what is missing when we may (root), else report it in one line.
auto-deps:
	@m="$(strip $(missing_build) $(missing_test) $(missing_optional))"; \
	if [ -n "$$m" ] && [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory deps; fi

# ---- everyday targets ---------------------------------------------------
run: auto-deps
	@$(MAKE) --no-print-directory all
	./$(PROG) --trace -p $(PORT) -d www

# The browser tests come last; a browser that is not installed (or no
# node_modules) is reported as "e2e: skipped (...)" and counted skipped.
test: auto-deps
	@$(MAKE) --no-print-directory check-test-deps all tests-build
	@HTTPD_LITE_BIN=$(abspath $(PROG)) tests/run-tests.sh $(UNIT_BINS) $(INTEG_BINS) $(E2E)

# The browser tests alone: `make e2e E2E_ARGS="--browser firefox listing"`.
e2e: all
	@HTTPD_LITE_BIN=$(abspath $(PROG)) $(E2E) $(E2E_ARGS)

tests-build: $(UNIT_BINS) $(INTEG_BINS)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: auto-deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
	  STATIC_LIBS=0 PROG=build-asan/httpd-lite check-test-deps build-asan/httpd-lite tests-build
	@HTTPD_LITE_BIN=build-asan/httpd-lite ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 tests/run-tests.sh \
	  $(UNIT_SRCS:tests/unit/%.c=build-asan/tests/%) $(INTEG_SRCS:tests/integration/%.c=build-asan/tests/%)

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer over the whole request path (tests/fuzz/), built with clang in
# its own directory, run for FUZZ_SECONDS; any crash fails the target and
# leaves the input in build-fuzz/crash-*. New inputs collect in
# build-fuzz/corpus; tests/fuzz/corpus holds the seeds.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# clang and its compiler-rt (libFuzzer, sanitizers): installed when root.
FUZZ_PKGS    := clang libclang-rt-dev
missing_fuzz  = $(if $(shell command -v clang 2>/dev/null),,$(FUZZ_PKGS))

check-fuzz-deps:
	@m="$(strip $(missing_fuzz))"; if [ -z "$$m" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "httpd-lite: installing $$m"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$m; \
	else echo "httpd-lite: missing Debian packages: $$m (install them with: sudo apt-get install $$m)" >&2; \
	  exit 1; fi

fuzz: check-build-deps check-fuzz-deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) PROG=$(FUZZ_BUILD)/httpd-lite CC=clang STATIC_LIBS=0 \
	  CFLAGS="-O1 -g $(FUZZ_SAN)" $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
	@mkdir -p $(FUZZ_BUILD)/corpus
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/ \
	    $(FUZZ_BUILD)/corpus tests/fuzz/corpus || exit 1; \
	done

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIB) $(LLHTTP_LIBS) $(LDLIBS)

# ---- benchmark -------------------------------------------------------------
# httpd-lite against nginx, lighttpd, mini_httpd, busybox httpd and python
# on loopback (bench/bench.py: about 10 minutes, `make bench QUICK=1` about
# 2); installs the peers when root, writes bench/results.md. Not part of
# `make test`. The fork-rate and big-read clients get the server's flags.
BENCH_TOOLS := $(BUILD)/bench/forkrate $(BUILD)/bench/bigread

bench: auto-deps
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	python3 bench/bench.py --server-bin $(PROG) --tools $(BUILD)/bench \
	  $(if $(filter-out 0,$(QUICK)),--quick) $(BENCH_ARGS)

$(BUILD)/bench/%: bench/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $<

# ---- install ---------------------------------------------------------------
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man/man1
DOCDIR  := $(PREFIX)/share/doc/httpd-lite

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR)/contrib \
	  $(DESTDIR)$(DOCDIR)/docs
	install -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/httpd-lite
	install -m 0644 httpd-lite.1 $(DESTDIR)$(MANDIR)/httpd-lite.1
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 contrib/* $(DESTDIR)$(DOCDIR)/contrib/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/httpd-lite $(DESTDIR)$(MANDIR)/httpd-lite.1
	rm -rf $(DESTDIR)$(DOCDIR)

format:
	clang-format -i src/*.c include/*.h tests/*/*.c tests/*/*.h

# clang-tidy without two checks that only ever say the same thing here:
# Annex K's *_s functions (glibc has none), and va_list "uninitialized"
# right after va_start (a false positive of this clang-analyzer).
TIDY_CHECKS := -clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized
lint:
	cppcheck --quiet --enable=warning,portability --std=c11 -Iinclude src
	clang-tidy --quiet --checks='$(TIDY_CHECKS)' $(SRCS) -- $(CPPFLAGS) -std=c11

clean:
	rm -rf build build-asan build-fuzz build-notls $(PROG) $(PROG).from

-include $(wildcard $(addsuffix .d,$(OBJS) $(LLHTTP_OBJS) $(HARNESS_OBJ) \
	$(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%.o) \
	$(INTEG_SRCS:tests/integration/%.c=$(BUILD)/tests/integration/%.o) \
	$(FUZZ_TARGETS:%=$(BUILD)/%) $(BENCH_TOOLS)))
