build3/tests/fuzz/fuzz_plan_roundtrip.o: tests/fuzz/fuzz_plan_roundtrip.c \
 tests/fuzz/fuzz.h common/plan.h common/err.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h
tests/fuzz/fuzz.h:
common/plan.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
