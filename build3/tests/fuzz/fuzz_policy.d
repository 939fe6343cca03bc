build3/tests/fuzz/fuzz_policy.o: tests/fuzz/fuzz_policy.c \
 tests/fuzz/fuzz.h planner/policy.h common/err.h common/inventory.h \
 common/err.h common/engine/inventory.h common/engine/../inventory.h \
 common/plan.h common/inventory.h
tests/fuzz/fuzz.h:
planner/policy.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
