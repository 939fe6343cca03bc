build3/tests/unit/test_decide.o: tests/unit/test_decide.c \
 planner/decide.h common/err.h common/inventory.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h planner/policy.h common/engine/layers.h \
 common/engine/inventory.h common/engine/objects.h planner/policy.h \
 planner/report.h common/buf.h
planner/decide.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
planner/policy.h:
common/engine/layers.h:
common/engine/inventory.h:
common/engine/objects.h:
planner/policy.h:
planner/report.h:
common/buf.h:
