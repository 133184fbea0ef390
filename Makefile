# flashsim - build, test, run.
#
#   make            build build/flashsim
#   make run        install what is missing, build, run the demo sale
#   make test       install what is missing, build, run the whole suite
#   make bench      install what is missing, build, run the load benchmark
#                   and measure the explorer (tables in build/bench.txt and
#                   build/bench-explorer.txt, docs/PERFORMANCE.md)
#   make bench-calls    what one script call costs Redis here, and the
#                   floor it puts under the bench's full-protocol target
#   make bench-profile  redis-server's instructions per request, under
#                   callgrind (needs valgrind; docs/PERFORMANCE.md)
#   make nightly    a time-boxed exploration of every scenario (docs/CI.md)
#   make mutants    plant errors in core/ one at a time: which explorations
#                   catch each (docs/FAULTS.md; about two minutes)
#   make points-doc regenerate docs/POINTS.md from faults/points.def
#   make docs       regenerate the tutorial's diagrams, docs/img/*.svg
#   make asan       the suite under AddressSanitizer (build/asan)
#   make ubsan      the suite under UndefinedBehaviorSanitizer (build/ubsan)
#   make clean      remove build/

BUILD     ?= build
CC        ?= cc
OPTFLAGS  ?= -O2
SANFLAGS  ?=
CFLAGS    ?= -g
CPPFLAGS  += -D_GNU_SOURCE -DFIU_ENABLE -Icore -Isim -Ifaults
WARNINGS  := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
ALL_CFLAGS = $(WARNINGS) $(OPTFLAGS) $(SANFLAGS) $(CFLAGS)

# The asserts stay on: many guard a write (an index, a length) as well as
# state an invariant, and a build without them would drop those checks.
ifneq ($(findstring -DNDEBUG,$(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(SANFLAGS)),)
$(error flashsim keeps its asserts on (many guard a write): build without -DNDEBUG)
endif
LDLIBS    += -lhiredis -lsqlite3 -linih -lfiu

# The scripts, in the order of enum script_id (core/effect.h).
LUA := core/lua/deduct.lua core/lua/query_prepared.lua core/lua/txn_save.lua \
       core/lua/txn_cas.lua core/lua/txn_lock_due.lua \
       core/lua/stock_check.lua

# The built-in invariants, in name order (sim/check.h).
INVARIANTS := $(sort $(wildcard sim/invariants/*.sql))
# Scripts of the teaching variants (faults/variants.h).
VARIANT_LUA := $(sort $(wildcard faults/variants/*.lua))

CORE_SRC   := $(wildcard core/*.c)
SIM_SRC    := $(filter-out sim/main.c,$(wildcard sim/*.c))
FAULTS_SRC := $(wildcard faults/*.c)
LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(SIM_SRC) $(FAULTS_SRC)) \
              $(BUILD)/gen/scripts.o $(BUILD)/gen/invariants.o \
              $(BUILD)/gen/variant_scripts.o
TESTS      := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
TEST_SUPPORT := $(BUILD)/tests/support.o

.PHONY: mutants bench-profile bench-calls all run test check bench asan ubsan clean deps deps-run deps-bench demo nightly points-doc \
	docs
.DEFAULT_GOAL := all

all: $(BUILD)/flashsim

# The libraries' headers, each with its Debian package. A machine that
# lacks one is told which packages to install (make run installs them)
# instead of getting the compiler's error on the first file that needs
# it. Asked of the compiler itself, so that headers outside /usr/include
# count; checked once per build directory.
HEADERS := hiredis/hiredis.h:libhiredis-dev sqlite3.h:libsqlite3-dev \
           ini.h:libinih-dev fiu.h:libfiu-dev

$(BUILD)/.headers:
	@if ! command -v $(firstword $(CC)) >/dev/null 2>&1; then \
		echo "flashsim: no C compiler '$(firstword $(CC))': 'make run' installs gcc and the libraries (as root or with sudo)" >&2; \
		exit 1; \
	fi; \
	missing=""; \
	for entry in $(HEADERS); do \
		printf '#include <%s>\n' "$${entry%%:*}" | \
		$(CC) $(CPPFLAGS) $(CFLAGS) -E -x c - >/dev/null 2>&1 || \
			missing="$$missing $${entry#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "flashsim: the headers of these packages are missing:$$missing" >&2; \
		echo "  'make run' installs them (as root or with sudo), or: apt-get install$$missing" >&2; \
		exit 1; \
	fi
	@mkdir -p $(dir $@)
	@touch $@

# Makefile too: LUA above is the list, and its order is enum script_id's.
$(BUILD)/gen/scripts.c: $(LUA) core/embed.sh Makefile
	@mkdir -p $(dir $@)
	sh core/embed.sh flashsim_script $(LUA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/invariants.c: $(INVARIANTS) core/embed.sh
	@mkdir -p $(dir $@)
	sh core/embed.sh flashsim_invariant $(INVARIANTS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/variant_scripts.c: $(VARIANT_LUA) core/embed.sh
	@mkdir -p $(dir $@)
	sh core/embed.sh flashsim_variant_script $(VARIANT_LUA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | $(BUILD)/.headers
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c | $(BUILD)/.headers
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libflashsim.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/flashsim: $(BUILD)/sim/main.o $(BUILD)/libflashsim.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_SUPPORT) $(BUILD)/libflashsim.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

deps:
	@sh .ci/install-deps

# What building and running flashsim needs, without the tests' packages.
deps-run:
	@sh .ci/install-deps run

deps-bench:
	@sh .ci/install-deps bench

# The demo: a sale in which an app crashes right after deducting stock,
# before it can submit; the coordinator's backcheck finds the deduction and
# creates the order. Every step of the recovery is on screen.
demo: $(BUILD)/flashsim
	$(BUILD)/flashsim run --users 12 --stock 5 --seed 3 \
		--fault app/deduct/after@2:crash

run: deps-run
	@$(MAKE) --no-print-directory demo

# The test programs, then every scenario of scenarios/ against its [expect].
SCENARIOS := $(sort $(wildcard scenarios/*.ini))

check: $(BUILD)/flashsim $(TESTS)
	@FLASHSIM_MUTANTS=$(if $(SANFLAGS),,1) sh tests/run.sh $(BUILD) $(TESTS) $(SCENARIOS)

test: deps
	@$(MAKE) --no-print-directory check

# The load benchmark through the real core, with redis-benchmark's rates on
# the same server as the reference; then the explorer's throughput against
# the PING round trips of one connection, and its peak memory after
# BENCH_EXPLORER_RUNS random runs (docs/PERFORMANCE.md).
BENCH_EXPLORER_RUNS ?= 1000,10000
bench: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/flashsim
	@status=0; \
	echo "$(BUILD)/flashsim bench --out $(BUILD)/bench.txt"; \
	$(BUILD)/flashsim bench --out $(BUILD)/bench.txt || status=1; \
	echo "python3 tools/bench_explorer.py $(BUILD)/flashsim" \
		"--runs $(BENCH_EXPLORER_RUNS) --out $(BUILD)/bench-explorer.txt"; \
	python3 tools/bench_explorer.py $(BUILD)/flashsim \
		--runs $(BENCH_EXPLORER_RUNS) \
		--out $(BUILD)/bench-explorer.txt || status=1; \
	exit $$status

# What one script call costs Redis here, and the most a rejected request
# of three calls that write, read, write could make against the bench's
# reference (docs/PERFORMANCE.md).
bench-calls: deps-bench
	@mkdir -p $(BUILD)
	python3 tools/redis_call_costs.py --out $(BUILD)/bench-calls.txt

# Redis's instructions per rejected request, a figure the machine's load
# does not change (docs/PERFORMANCE.md).
bench-profile: deps
	@$(MAKE) --no-print-directory $(BUILD)/flashsim
	sh tools/profile-redis.sh $(BUILD)

# Errors planted in core/, one at a time, in a copy of the tree: each must
# be caught by an exploration, or be one that cannot change an outcome
# (docs/FAULTS.md, "What one exploration proves").
mutants: deps
	python3 tools/mutants.py

# Every scenario explored with random faults for NIGHTLY_SECONDS each;
# JUnit, trace and output per scenario in $(BUILD)/nightly (docs/CI.md).
# The seeds change every night (the UTC date times 10^9: no two nights
# share a run); NIGHTLY_SEED=S explores from S, e.g. to repeat a night.
NIGHTLY_SECONDS ?= 60
NIGHTLY_JOBS ?= 2
NIGHTLY_SEED ?= $(shell date -u +%Y%m%d)000000000
nightly: deps-run
	@$(MAKE) --no-print-directory $(BUILD)/flashsim
	@sh .ci/nightly $(BUILD) $(NIGHTLY_SECONDS) $(NIGHTLY_JOBS) \
		$(NIGHTLY_SEED) $(NIGHTLY_ARGS)

# The failure-point reference, generated (tests/test_docs.c checks it).
points-doc: $(BUILD)/flashsim
	$(BUILD)/flashsim points --markdown > docs/POINTS.md.tmp
	mv docs/POINTS.md.tmp docs/POINTS.md

# The tutorial's diagrams (docs/TUTORIAL.md), each drawn from a real run;
# a run that no longer ends as the tutorial says (exit 1: a violation)
# stops the target.
DOCS_RUN = $(BUILD)/flashsim run --users 1 --stock 1 --seed 1
docs: $(BUILD)/flashsim
	@mkdir -p docs/img
	$(DOCS_RUN) --variant naive --svg docs/img/naive-ok.svg >/dev/null
	$(DOCS_RUN) --variant naive --fault app/deduct/after@1:crash \
		--svg docs/img/naive-crash.svg >/dev/null; test $$? -eq 1
	$(DOCS_RUN) --svg docs/img/protocol-ok.svg >/dev/null
	$(DOCS_RUN) --fault app/deduct/after@1:crash \
		--svg docs/img/protocol-crash.svg >/dev/null
	$(DOCS_RUN) --variant no-rollback-marker \
		--fault app/deduct/before@1:delay \
		--svg docs/img/no-marker-delay.svg >/dev/null; test $$? -eq 1
	$(DOCS_RUN) --fault app/deduct/before@1:delay \
		--svg docs/img/protocol-delay.svg >/dev/null
	$(DOCS_RUN) --variant no-rollback-marker \
		--fault app/prepare/after@1:pause \
		--svg docs/img/no-marker-pause.svg >/dev/null; test $$? -eq 1

asan:
	@ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_stack_use_after_return=1} \
	$(MAKE) --no-print-directory check BUILD=build/asan OPTFLAGS=-O1 \
		SANFLAGS="-fsanitize=address -fno-omit-frame-pointer"

ubsan:
	@$(MAKE) --no-print-directory check BUILD=build/ubsan OPTFLAGS=-O1 \
		SANFLAGS="-fsanitize=undefined -fno-sanitize-recover=all"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
