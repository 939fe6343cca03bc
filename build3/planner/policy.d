build3/planner/policy.o: planner/policy.c common/buf.h common/err.h \
 common/fsutil.h common/buf.h common/plan.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h planner/policy.h \
 common/err.h common/inventory.h common/units.h
common/buf.h:
common/err.h:
common/fsutil.h:
common/buf.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
planner/policy.h:
common/err.h:
common/inventory.h:
common/units.h:
