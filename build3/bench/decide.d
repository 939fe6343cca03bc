build3/bench/decide.o: bench/decide.c planner/decide.h common/err.h \
 common/inventory.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/plan.h common/inventory.h \
 planner/policy.h common/engine/objects.h common/engine/inventory.h \
 planner/policy.h
planner/decide.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
planner/policy.h:
common/engine/objects.h:
common/engine/inventory.h:
planner/policy.h:
