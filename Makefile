# reclaim: plain Makefile. `make`, `make check`, `make demo`,
# `make SANITIZE=address,undefined check`, `make install PREFIX=...`.
CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.3.0
SANITIZE ?=
BUILD   ?= build$(if $(SANITIZE),-san)

# Flags the way git's Makefile splits them: CFLAGS, CPPFLAGS, LDFLAGS and
# LDLIBS belong to whoever runs make (`make CFLAGS='-O0 -g'`, a packager's
# hardening flags); what the build itself needs lives in BASIC_* and is
# always there. DEVELOPER=1 (on in .ci/run) turns warnings into errors: a
# packager whose newer compiler knows a new warning still gets a build.
CFLAGS   ?= -O2 -g
LDFLAGS  ?=
DEVELOPER ?=

PKGS     := libcurl libcjson libxml-2.0 libcrypto
BASIC_CFLAGS := -std=c11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
                -Wformat=2 -Wno-format-nonliteral \
                -D_GNU_SOURCE -DRC_VERSION='"$(VERSION)"' -Icommon \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
BASIC_LDFLAGS :=
BASIC_LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm
ifneq ($(DEVELOPER),)
BASIC_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
BASIC_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BASIC_LDFLAGS += -fsanitize=$(SANITIZE)
ifneq ($(findstring undefined,$(SANITIZE)),)
# not part of gcc's "undefined", but a double from hostile JSON cast to an
# integer is exactly the kind of UB our parsers must not have
BASIC_CFLAGS  += -fsanitize=float-cast-overflow
BASIC_LDFLAGS += -fsanitize=float-cast-overflow
endif
endif
ALL_CFLAGS  = $(BASIC_CFLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASIC_LDFLAGS) $(LDFLAGS)
ALL_LDLIBS  = $(BASIC_LDLIBS) $(LDLIBS)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

COMMON_SRC   := $(sort $(wildcard common/*.c common/*/*.c))
PLANNER_SRC  := $(sort $(filter-out planner/main.c,$(wildcard planner/*.c)))
EXECUTOR_SRC := $(sort $(filter-out executor/main.c,$(wildcard executor/*.c)))
UNIT_SRC     := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TOOL_SRC     := $(sort $(wildcard tests/tools/*.c))
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIBCOMMON   := $(BUILD)/libreclaim.a
LIBPLANNER  := $(BUILD)/libplanner.a
LIBEXECUTOR := $(BUILD)/libexecutor.a
LIBS        := $(LIBPLANNER) $(LIBEXECUTOR) $(LIBCOMMON)
BINS        := $(BUILD)/reclaim-plan $(BUILD)/reclaim-apply
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# small programs the e2e tests drive library code with (tests/tools/)
TOOL_BINS   := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRC))
# one binary per fuzz target: a replayer in every build, the libFuzzer
# binary in build-fuzz/ (make fuzz)
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_FUZZERS := $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_TARGETS))
ALL_OBJS := $(call obj,$(COMMON_SRC) $(PLANNER_SRC) $(EXECUTOR_SRC) planner/main.c \
              executor/main.c $(UNIT_SRC) $(FUZZ_SRC) $(TOOL_SRC) tests/fuzz/replay_main.c bench/journal.c bench/decide.c)

.PHONY: all check unit e2e demo install clean deps bench bench-journal fmt fuzz FORCE
all: $(BINS) reclaim-plan reclaim-apply

# Convenience links at the top level for people; tests use $(BUILD)/.
reclaim-plan reclaim-apply: %: $(BUILD)/%
	@ln -sf $< $@

# Objects are rebuilt when the compiler or the flags change (git's
# GIT-CFLAGS), and when a header they include does (-MMD -MP, .d files).
FLAGS_FILE := $(BUILD)/FLAGS
$(FLAGS_FILE): FORCE
	@mkdir -p $(dir $@)
	@flags='$(subst ','\'',$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(ALL_LDLIBS))'; \
	if test x"$$flags" != x"`cat $@ 2>/dev/null`"; then echo "$$flags" >$@; fi

$(BUILD)/tests/%.o: EXTRA_CFLAGS = -Iplanner -Iexecutor $(CMOCKA_CFLAGS)
$(BUILD)/bench/%.o: EXTRA_CFLAGS = -Iplanner -Iexecutor
$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(ALL_OBJS:.o=.d)

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@; $(AR) rcs $@ $^
$(LIBPLANNER): $(call obj,$(PLANNER_SRC)) | $(LIBCOMMON)
	@rm -f $@; $(AR) rcs $@ $^ $(if $^,,$(BUILD)/common/err.o)
$(LIBEXECUTOR): $(call obj,$(EXECUTOR_SRC)) | $(LIBCOMMON)
	@rm -f $@; $(AR) rcs $@ $^ $(if $^,,$(BUILD)/common/err.o)

$(BUILD)/reclaim-plan: $(BUILD)/planner/main.o $(LIBPLANNER) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/reclaim-apply: $(BUILD)/executor/main.o $(LIBEXECUTOR) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(CMOCKA_LIBS)
$(TOOL_BINS): $(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# Fuzz targets, one file and one binary each (curl-fuzzer's layout):
# tests/fuzz/fuzz_TARGET.c defines LLVMFuzzerTestOneInput. Linked with
# tests/fuzz/replay_main.c it is a replayer, `$(BUILD)/fuzz/fuzz_TARGET
# FILE...`, which make check feeds tests/fuzz/corpus/TARGET/ (under the
# sanitizers in the SANITIZE build). `make fuzz` links each with libFuzzer
# instead (clang), into build-fuzz/:
#   build-fuzz/fuzz_plan -max_total_time=60 tests/fuzz/corpus/plan
$(FUZZ_REPLAYS): $(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(FUZZ_FUZZERS): $(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIBS)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(ALL_LDLIBS)
fuzz:
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SANITIZE=address,undefined \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_TARGETS))

# A micro-benchmark of the journal loader (docs/benchmarks.md); make bench
# runs it too.
$(BUILD)/bench/journal: $(BUILD)/bench/journal.o $(LIBEXECUTOR) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
bench-journal: $(BUILD)/bench/journal
	@$(BUILD)/bench/journal

deps:
	@bash scripts/deps.sh

# `make check` installs what is missing (as root), builds, and runs every
# unit and end-to-end test. The last line is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(FUZZ_REPLAYS) $(TOOL_BINS)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) bash tests/run.sh

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) ONLY=unit bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash scripts/demo.sh

bench: all $(BUILD)/bench/journal
	@BUILD=$(BUILD) bash bench/run.sh

# Decisions without an engine: 100k images in one repository with keep_last.
.PHONY: bench-decide
bench-decide: $(BUILD)/bench/decide
	$(BUILD)/bench/decide
$(BUILD)/bench/decide: $(BUILD)/bench/decide.o $(LIBPLANNER) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/reclaim-plan.1 man/reclaim-apply.1 $(DESTDIR)$(PREFIX)/share/man/man1/

fmt:
	clang-format -i $(wildcard common/*.[ch] common/*/*.[ch] planner/*.[ch] executor/*.[ch] \
	  tests/unit/*.c tests/fuzz/*.c bench/*.c)

clean:
	rm -rf build build-san build-fuzz reclaim-plan reclaim-apply
