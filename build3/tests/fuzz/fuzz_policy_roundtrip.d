build3/tests/fuzz/fuzz_policy_roundtrip.o: \
 tests/fuzz/fuzz_policy_roundtrip.c tests/fuzz/fuzz.h planner/policy.h \
 common/err.h common/inventory.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/plan.h common/inventory.h
tests/fuzz/fuzz.h:
planner/policy.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
