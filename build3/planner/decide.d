build3/planner/decide.o: planner/decide.c common/buf.h common/err.h \
 planner/decide.h common/err.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h planner/policy.h common/units.h
common/buf.h:
common/err.h:
planner/decide.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
planner/policy.h:
common/units.h:
