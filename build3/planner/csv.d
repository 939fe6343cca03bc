build3/planner/csv.o: planner/csv.c common/fsutil.h common/buf.h \
 common/err.h planner/report.h common/buf.h common/err.h common/plan.h \
 common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h common/units.h
common/fsutil.h:
common/buf.h:
common/err.h:
planner/report.h:
common/buf.h:
common/err.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/units.h:
