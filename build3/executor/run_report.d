build3/executor/run_report.o: executor/run_report.c common/fsutil.h \
 common/buf.h common/err.h common/junit.h executor/run_report.h \
 executor/apply.h common/err.h executor/journal.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h common/source.h common/plan.h common/buf.h \
 common/units.h
common/fsutil.h:
common/buf.h:
common/err.h:
common/junit.h:
executor/run_report.h:
executor/apply.h:
common/err.h:
executor/journal.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
common/source.h:
common/plan.h:
common/buf.h:
common/units.h:
