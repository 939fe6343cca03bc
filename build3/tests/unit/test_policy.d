build3/tests/unit/test_policy.o: tests/unit/test_policy.c common/plan.h \
 common/err.h common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h planner/policy.h common/err.h \
 common/inventory.h
common/plan.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
planner/policy.h:
common/err.h:
common/inventory.h:
