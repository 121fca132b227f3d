# cids: plain GNU make. `make V=1` shows the commands.
#
#   make            build into build/
#   make debug      ASan + UBSan build into build-debug/
#   make check      unit tests, short fuzz runs, integration tests with real runtimes
#   make bench      engine throughput, hook start-up cost, tracing overhead
#   make demo       the live demo (learn, then catch an intrusion)
#   make eval-live  real servers (web + CGI, redis, MariaDB) under load and attacks: figures
#   make install    PREFIX=/usr/local DESTDIR=
#   make lint / format-check / fuzz
#
# Each goal first installs the Debian packages it needs (scripts/deps.sh; as root, once);
# `make NO_DEPS=1` skips that.

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= gcc
CLANG	?= clang
BPFTOOL	?= bpftool
SHELL	:= /bin/bash

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif

# --- first pass: install what the goals need, then make them in a second pass ---
# The flags below come from pkg-config when this file is read, which is before any recipe runs:
# on a fresh machine they would be read before the packages are there. So a plain `make GOAL`
# only runs scripts/deps.sh with the package sets its goals need, then runs make again with
# NO_DEPS=1, which reads this file anew and builds. `make NO_DEPS=1 ...` skips the package check
# (a machine where the packages come from elsewhere).
ifeq ($(NO_DEPS),)
DEPS_all	:= build
DEPS_install	:= build
DEPS_debug	:= build
DEPS_unit-bins	:= build
DEPS_check-unit	:= build
DEPS_lint	:= build lint
DEPS_format	:= lint
DEPS_format-check := lint
DEPS_fuzz	:= build fuzz
DEPS_fuzz-bins	:= build fuzz
DEPS_check-fuzz	:= build fuzz
DEPS_demo	:= build demo
DEPS_bench	:= build test servers
DEPS_eval-live	:= build test servers
DEPS_check	:= build fuzz test
DEPS_check-integration := build test
DEPS_stress	:= build test
DEPS_debug-check := build test
DEPS_deps	:= all
GOALS		:= $(or $(MAKECMDGOALS),all)
DEPS_SETS	:= $(sort $(foreach g,$(GOALS),$(DEPS_$(g))))

.DEFAULT_GOAL := all
.PHONY: $(GOALS) deps make-after-deps
$(filter-out deps,$(GOALS)): make-after-deps
	@:
# The build runs JOBS jobs (one per CPU; JOBS=1 for a serial build), but not beside a clean.
JOBS		?= $(shell nproc 2>/dev/null || echo 1)
JOBS_FLAG	:= $(if $(filter clean,$(GOALS)),,-j$(JOBS))
make-after-deps: deps
	$(Q)$(MAKE) --no-print-directory $(JOBS_FLAG) \
		NO_DEPS=1 $(MAKECMDGOALS)
deps:
	$(Q)$(if $(DEPS_SETS),scripts/deps.sh $(DEPS_SETS),:)
else

PKGS		:= libseccomp json-c libcap zlib
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS	:= $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
BPF_LIBS	:= $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)

HARDEN_CFLAGS	:= -fstack-protector-strong -fstack-clash-protection -fcf-protection \
		   -D_FORTIFY_SOURCE=2 -fPIE -Wformat -Wformat-security
HARDEN_LDFLAGS	:= -pie -Wl,-z,relro,-z,now,-z,noexecstack
OPT		?= -O2
CIDS_VERSION	:= 0.1.0
CFLAGS_BASE	:= -DCIDS_VERSION='"$(CIDS_VERSION)"' -std=gnu17 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
		   -g -D_GNU_SOURCE -Iinclude -MMD -MP
CFLAGS		?= $(OPT)
ALL_CFLAGS	= $(CFLAGS_BASE) $(HARDEN_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(OBJ_CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS	= $(HARDEN_LDFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS)

src = $(filter-out %.bpf.c,$(wildcard $(1)/*.c))
obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(call src,$(1)))

PROFILES_OBJ	:= $(call obj,profiles)
COMMON_OBJ	:= $(call obj,common)
CLI_OBJ		:= $(call obj,cli)
TRACES_OBJ	:= $(call obj,traces)
SESSION_OBJ	:= $(call obj,session)
HOOK_OBJ	:= $(call obj,hook)
SHIM_OBJ	:= $(call obj,shim)
DAEMON_OBJ	:= $(call obj,daemon)
NOTIFY_OBJ	:= $(call obj,notify)

LIBPROFILES	:= $(BUILD)/libcids-profiles.a
LIBCOMMON	:= $(BUILD)/libcids-common.a
LIBSESSION	:= $(BUILD)/libcids-session.a
LIBTRACES	:= $(BUILD)/libcids-traces.a
LIBS		= $(LIBPROFILES) $(LIBCOMMON) $(PKG_LIBS) -lm

# A binary is built once its folder has sources.
BINS := $(if $(CLI_OBJ),$(BUILD)/cids) $(if $(HOOK_OBJ),$(BUILD)/cids-hook) \
	$(if $(SHIM_OBJ),$(BUILD)/cids-runtime) $(if $(DAEMON_OBJ),$(BUILD)/cidsd) \
	$(if $(NOTIFY_OBJ),$(BUILD)/cids-notify)

UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPER_SRC	:= $(wildcard tests/helpers/*.c)
HELPER_BINS	:= $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))

.PHONY: all debug check check-unit check-fuzz check-integration bench demo eval-live install uninstall \
	lint format format-check fuzz deps clean stress debug-check

all: $(BINS) $(HELPER_BINS)

# The sanitizer flags belong to the build directory, so that any make with BUILD=build-debug
# (make install from a test, a single target) builds the same thing.
ifeq ($(BUILD),build-debug)
OPT		:= -O1 -fno-omit-frame-pointer
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
EXTRA_CFLAGS	+= $(SAN_FLAGS)
EXTRA_LDFLAGS	+= -fsanitize=address,undefined
endif

debug:
	$(Q)$(MAKE) --no-print-directory BUILD=build-debug all unit-bins

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBPROFILES): $(PROFILES_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCOMMON): $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# One monitored container, whatever backend feeds it: linked by cids-hook (ptrace) and cidsd (eBPF).
$(LIBSESSION): $(SESSION_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Readers of recorded traces (strace, ADFA-LD, UNM, LID-DS): linked by cids, the tests, the fuzzers.
$(LIBTRACES): $(TRACES_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/cids: $(CLI_OBJ) $(LIBTRACES) $(LIBPROFILES) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(CLI_OBJ) $(LIBTRACES) $(LIBS) -o $@

# libbpf: the ptrace monitor's joiner stop (hook/joiner.bpf.c)
$(BUILD)/cids-hook: $(HOOK_OBJ) $(LIBSESSION) $(LIBPROFILES) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(HOOK_OBJ) $(LIBSESSION) $(LIBS) $(BPF_LIBS) -o $@

# hook/resolve.o: the mode and key cids-hook will resolve (the eBPF backend's seccomp guard)
$(BUILD)/cids-runtime: $(SHIM_OBJ) $(BUILD)/obj/hook/resolve.o $(LIBCOMMON) $(LIBPROFILES)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(SHIM_OBJ) $(BUILD)/obj/hook/resolve.o $(LIBS) -o $@

# The seccomp user-notify backend: one cids-notify monitor per container, started by cids-runtime.
$(BUILD)/cids-notify: $(NOTIFY_OBJ) $(LIBSESSION) $(LIBPROFILES) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(NOTIFY_OBJ) $(LIBSESSION) $(LIBS) -o $@

# --- eBPF: x.bpf.c + x.h + x.c, skeleton from bpftool, vmlinux.h from the running BTF ---
# daemon/cidsd.bpf.c (the eBPF backend) and hook/joiner.bpf.c (the ptrace monitor's joiner stop)
BPF_SRC		:= $(wildcard daemon/*.bpf.c hook/*.bpf.c)
BPF_OBJ		:= $(patsubst %.bpf.c,$(BUILD)/bpf/%.bpf.o,$(notdir $(BPF_SRC)))
BPF_SKEL	:= $(patsubst %.bpf.c,$(BUILD)/bpf/%.skel.h,$(notdir $(BPF_SRC)))
VMLINUX_H	:= $(BUILD)/bpf/vmlinux.h

$(VMLINUX_H):
	$(call msg,BTF,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

define bpf_rule
$$(BUILD)/bpf/%.bpf.o: $(1)/%.bpf.c $(1)/%.h $$(wildcard $(1)/*.bpf.h) $$(VMLINUX_H)
	$$(call msg,BPF,$$@)
	$$(Q)$$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I$$(BUILD)/bpf -I$(1) \
		-Iinclude -c $$< -o $$@
endef
$(foreach d,daemon hook,$(eval $(call bpf_rule,$(d))))

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Keep the BPF object (an intermediate of the skeleton) so the skeleton is not rebuilt every time.
.SECONDARY: $(BPF_OBJ)
$(DAEMON_OBJ): $(BPF_SKEL)
# OBJ_CFLAGS, not EXTRA_CFLAGS: `make debug` sets EXTRA_CFLAGS on the command line, which would
# override a target-specific EXTRA_CFLAGS and lose the skeleton's directory.
$(DAEMON_OBJ): OBJ_CFLAGS += -I$(BUILD)/bpf
$(BUILD)/obj/hook/joiner.o: $(BUILD)/bpf/joiner.skel.h
$(BUILD)/obj/hook/joiner.o: OBJ_CFLAGS += -I$(BUILD)/bpf
$(SHIM_OBJ): OBJ_CFLAGS += -Ihook

$(BUILD)/cidsd: $(DAEMON_OBJ) $(LIBSESSION) $(LIBPROFILES) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(DAEMON_OBJ) $(LIBSESSION) $(LIBS) $(BPF_LIBS) -o $@

# --- tests ---
# The unit tests link every library, and the front-ends' objects but main.o as archives of their
# own: a static link takes only the members a test uses. Private headers by -I (white-box tests).
FRONT_LIBS	:= $(foreach d,cli shim hook daemon notify,$(BUILD)/tests/libcids-$(d).a)
TEST_LIBS	:= $(FRONT_LIBS) $(LIBTRACES) $(LIBSESSION) $(LIBPROFILES) $(LIBCOMMON)
TEST_INC	:= -Icli -Ihook -Ishim -Idaemon -Inotify -Isession -Itraces

define front_lib
$(BUILD)/tests/libcids-$(1).a: $(filter-out %/main.o,$(call obj,$(1)))
	$$(call msg,AR,$$@)
	@mkdir -p $$(@D)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,cli hook shim daemon notify,$(eval $(call front_lib,$(d))))

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TEST_LIBS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(TEST_INC) -DCIDS_SHARED_DATA='"$(SHARED_DATA)"' $< \
		$(TEST_LIBS) $(PKG_LIBS) -lm $(BPF_LIBS) $(CRIT_LIBS) -o $@

# Engine micro-benchmark (profiles/ owner): learn/detect throughput, profile load time.
$(BUILD)/bench_engine: tests/bench/bench_engine.c tests/bench/bench_trace.h $(LIBPROFILES)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DCIDS_SHARED_DATA='"$(SHARED_DATA)"' $< \
		$(LIBPROFILES) $(PKG_LIBS) -lm -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu17 -O2 -Wall -Wextra -Werror -static -pthread $< -o $@

SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

check: all unit-bins
	$(Q)BUILD=$(BUILD) scripts/check.sh

# T=name runs only build/tests/test_<name> (a pattern, as for check-integration).
check-unit: all unit-bins
	$(Q)BUILD=$(BUILD) CHECK_ONLY=unit scripts/check.sh

check-fuzz: all
	$(Q)BUILD=$(BUILD) CHECK_ONLY=fuzz scripts/check.sh

check-integration: all
	$(Q)BUILD=$(BUILD) CHECK_ONLY=integration scripts/check.sh

# The unit and integration suites again under ASan + UBSan (the fuzz harnesses are sanitizer
# builds already).
debug-check:
	$(Q)$(MAKE) --no-print-directory debug
	$(Q)BUILD=build-debug CHECK_SKIP=fuzz ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 scripts/check.sh

FUZZ_SRC	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_SRC	:= $(call src,profiles) $(call src,common) $(call src,session) $(call src,traces) \
		   $(filter-out %/main.c,$(call src,cli)) \
		   $(filter-out %/main.c,$(call src,shim)) $(filter-out %/main.c,$(call src,hook)) \
		   $(wildcard daemon/proto.c) $(wildcard notify/proto.c)

# The library sources are compiled once, instrumented, and linked into every harness. Of the
# daemon only its registration check (daemon/proto.c): the rest needs libbpf.

FUZZ_OBJ	:= $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(FUZZ_LIB_SRC))
FUZZ_CFLAGS	:= -std=gnu17 -g -O1 -D_GNU_SOURCE -DCIDS_FUZZ -Iinclude -Icli -Ishim -Ihook \
		   -I$(BUILD)/bpf $(PKG_CFLAGS)

.SECONDARY: $(FUZZ_OBJ)
$(BUILD)/fuzzobj/hook/joiner.o: $(BUILD)/bpf/joiner.skel.h
$(BUILD)/fuzzobj/%.o: %.c
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	$(call msg,FUZZ-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_OBJ) \
		$(PKG_LIBS) -lm $(BPF_LIBS) -o $@

fuzz-bins: $(FUZZ_BINS)
.PHONY: fuzz-bins

# FUZZ_SECONDS per harness (make check uses a short run); H=name runs tests/fuzz/fuzz_<name>.c only.
FUZZ_SECONDS ?= 60
fuzz: $(if $(H),$(BUILD)/fuzz/fuzz_$(patsubst fuzz_%,%,$(H)),fuzz-bins)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) H=$(H) scripts/fuzz.sh

bench: all
	$(Q)BUILD=$(BUILD) scripts/bench.sh

stress: all
	$(Q)BUILD=$(BUILD) STRESS=1 scripts/check.sh

# Real servers (tests/servers/) under long benign load and attacks: the figures of README's
# "Real servers" table. About an hour (EVAL_SERVERS / EVAL_BACKENDS pick parts).
eval-live: all
	$(Q)BUILD=$(BUILD) scripts/eval_live.sh

demo: all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

deps:
	$(Q)scripts/deps.sh

# --- install ---
BINDIR	= $(DESTDIR)$(PREFIX)/bin
MANDIR	= $(DESTDIR)$(PREFIX)/share/man
install: all
	install -d -m 0755 $(BINDIR)
	install -m 0755 $(BINS) $(BINDIR)/
	install -d -m 0755 $(DESTDIR)/etc/cids
	test -e $(DESTDIR)/etc/cids/config.json || { \
		sed 's|"/usr/local/bin/cids-hook"|"$(PREFIX)/bin/cids-hook"|' config.json.example \
			> $(DESTDIR)/etc/cids/config.json.new && \
		chmod 0644 $(DESTDIR)/etc/cids/config.json.new && \
		mv $(DESTDIR)/etc/cids/config.json.new $(DESTDIR)/etc/cids/config.json; }
	install -d -m 0755 $(DESTDIR)/usr/share/containers/oci/hooks.d
	sed 's|@BINDIR@|$(PREFIX)/bin|g' packaging/cids-hooks.json.in > \
		$(DESTDIR)/usr/share/containers/oci/hooks.d/cids.json
	install -d -m 0755 $(DESTDIR)/usr/share/lxc/config
	sed 's|@BINDIR@|$(PREFIX)/bin|g' packaging/cids-lxc.conf.in > \
		$(DESTDIR)/usr/share/lxc/config/cids.conf
	install -d -m 0700 $(DESTDIR)/var/lib/cids $(DESTDIR)/var/lib/cids/profiles
	install -d -m 0750 $(DESTDIR)/var/log/cids
	if [ -d packaging/systemd ]; then install -d -m 0755 $(DESTDIR)/etc/systemd/system && \
		sed 's|@BINDIR@|$(PREFIX)/bin|g' packaging/systemd/cidsd.service.in > \
		$(DESTDIR)/etc/systemd/system/cidsd.service; fi
	for m in docs/man/*.[1-8]; do [ -e "$$m" ] || continue; s=$${m##*.}; \
		install -d -m 0755 $(MANDIR)/man$$s; install -m 0644 $$m $(MANDIR)/man$$s/; done

uninstall:
	rm -f $(addprefix $(BINDIR)/,cids cids-hook cids-runtime cidsd)
	rm -f $(DESTDIR)/usr/share/containers/oci/hooks.d/cids.json
	rm -f $(DESTDIR)/usr/share/lxc/config/cids.conf
	rm -f $(DESTDIR)/etc/systemd/system/cidsd.service
	for m in docs/man/*.[1-8]; do [ -e "$$m" ] || continue; s=$${m##*.}; \
		rm -f $(MANDIR)/man$$s/$${m##*/}; done
	@echo "Kept /etc/cids, /var/lib/cids and /var/log/cids (profiles and alerts); remove by hand."

# --- style ---
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
LINT_SRC	:= $(foreach d,profiles common session traces cli hook shim daemon notify,$(call src,$(d)))
LINT_FLAGS	:= -DCIDS_VERSION='"$(CIDS_VERSION)"' -std=gnu17 -D_GNU_SOURCE -Iinclude -Idaemon -Ihook \
		   -I$(BUILD)/bpf $(PKG_CFLAGS)
lint: all
	$(call msg,TIDY,$(words $(LINT_SRC))-files)
	$(Q)printf '%s\n' $(LINT_SRC) | xargs -P$$(nproc) -I{} clang-tidy --quiet {} -- $(LINT_FLAGS)
	$(call msg,SIZE,files-and-functions)
	$(Q)scripts/size_check.sh
	$(call msg,CPPCHECK,sources)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak \
		-Iinclude -D__x86_64__ $(addprefix -i,$(BPF_SRC)) profiles common session traces cli \
		hook shim daemon notify

format:
	clang-format -i $(C_FILES)

format-check:
	clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf build build-debug

-include $(shell find $(BUILD)/obj $(BUILD)/fuzzobj $(BUILD)/tests -name '*.d' 2>/dev/null)

endif # NO_DEPS
