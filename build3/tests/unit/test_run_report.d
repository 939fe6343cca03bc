build3/tests/unit/test_run_report.o: tests/unit/test_run_report.c \
 common/fsutil.h common/buf.h common/err.h executor/run_report.h \
 executor/apply.h common/err.h executor/journal.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h common/source.h common/plan.h common/buf.h
common/fsutil.h:
common/buf.h:
common/err.h:
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
