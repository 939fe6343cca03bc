build3/planner/main.o: planner/main.c planner/decide.h common/err.h \
 common/inventory.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/plan.h common/inventory.h \
 planner/policy.h common/source.h common/plan.h common/fsutil.h \
 common/buf.h common/log.h planner/report.h common/buf.h common/units.h
planner/decide.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
planner/policy.h:
common/source.h:
common/plan.h:
common/fsutil.h:
common/buf.h:
common/log.h:
planner/report.h:
common/buf.h:
common/units.h:
