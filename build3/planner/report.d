build3/planner/report.o: planner/report.c common/junit.h common/buf.h \
 common/err.h planner/report.h common/buf.h common/err.h common/plan.h \
 common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h common/units.h
common/junit.h:
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
