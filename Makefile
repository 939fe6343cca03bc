# reclaim: plain Makefile. `make`, `make check`, `make demo`,
# `make SANITIZE=address,undefined check`, `make install PREFIX=...`.
CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.2.0
SANITIZE ?=
BUILD   ?= build$(if $(SANITIZE),-san)

PKGS     := libcurl libcjson libxml-2.0 libcrypto
CPPFLAGS += -D_GNU_SOURCE -DRC_VERSION='"$(VERSION)"' -Icommon
OPT      ?= -O2 -g
CFLAGS   += $(OPT) -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
            -Wformat=2 -Wno-format-nonliteral $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
ifneq ($(findstring undefined,$(SANITIZE)),)
# not part of gcc's "undefined", but a double from hostile JSON cast to an
# integer is exactly the kind of UB our parsers must not have
CFLAGS  += -fsanitize=float-cast-overflow
LDFLAGS += -fsanitize=float-cast-overflow
endif
endif

COMMON_SRC   := $(sort $(wildcard common/*.c common/*/*.c))
PLANNER_SRC  := $(sort $(filter-out planner/main.c,$(wildcard planner/*.c)))
EXECUTOR_SRC := $(sort $(filter-out executor/main.c,$(wildcard executor/*.c)))
UNIT_SRC     := $(sort $(wildcard tests/unit/test_*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIBCOMMON   := $(BUILD)/libreclaim.a
LIBPLANNER  := $(BUILD)/libplanner.a
LIBEXECUTOR := $(BUILD)/libexecutor.a
BINS        := $(BUILD)/reclaim-plan $(BUILD)/reclaim-apply
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all check unit e2e demo install clean deps bench fmt fuzz
all: $(BINS) reclaim-plan reclaim-apply

# Convenience links at the top level for people; tests use $(BUILD)/.
reclaim-plan reclaim-apply: %: $(BUILD)/%
	@ln -sf $< $@

$(BUILD)/%.o: %.c $(wildcard common/*.h common/*/*.h planner/*.h executor/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@; $(AR) rcs $@ $^
$(LIBPLANNER): $(call obj,$(PLANNER_SRC)) | $(LIBCOMMON)
	@rm -f $@; $(AR) rcs $@ $^ $(if $^,,$(BUILD)/common/err.o)
$(LIBEXECUTOR): $(call obj,$(EXECUTOR_SRC)) | $(LIBCOMMON)
	@rm -f $@; $(AR) rcs $@ $^ $(if $^,,$(BUILD)/common/err.o)

$(BUILD)/reclaim-plan: $(BUILD)/planner/main.o $(LIBPLANNER) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/reclaim-apply: $(BUILD)/executor/main.o $(LIBEXECUTOR) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBPLANNER) $(LIBEXECUTOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iplanner -Iexecutor $(CFLAGS) $(shell pkg-config --cflags cmocka) \
	  $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

# The fuzz harness as a replayer (no libFuzzer): make check feeds it the
# corpus in tests/fuzz/corpus/, under the sanitizers in the SANITIZE build.
$(BUILD)/tests/fuzz_replay: tests/fuzz/fuzz_parsers.c $(LIBPLANNER) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DRC_FUZZ_REPLAY -Iplanner $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer build with clang: make fuzz, then
#   RC_FUZZ_TARGET=plan build-fuzz/fuzz_parsers -max_total_time=60 tests/fuzz/corpus/plan
fuzz:
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SANITIZE=address,undefined \
	  OPT="-O1 -g -fsanitize=fuzzer-no-link" build-fuzz/fuzz_parsers
$(BUILD)/fuzz_parsers: tests/fuzz/fuzz_parsers.c $(LIBPLANNER) $(LIBCOMMON)
	$(CC) $(CPPFLAGS) -Iplanner $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@bash scripts/deps.sh

# `make check` installs what is missing (as root), builds, and runs every
# unit and end-to-end test. The last line is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(BUILD)/tests/fuzz_replay
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) bash tests/run.sh

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) ONLY=unit bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash scripts/demo.sh

bench: all
	@BUILD=$(BUILD) bash bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/reclaim-plan.1 man/reclaim-apply.1 $(DESTDIR)$(PREFIX)/share/man/man1/

fmt:
	clang-format -i common/*.[ch] planner/*.[ch] executor/*.[ch] tests/unit/*.c

clean:
	rm -rf build build-san reclaim-plan reclaim-apply
