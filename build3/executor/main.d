build3/executor/main.o: executor/main.c executor/apply.h common/err.h \
 executor/journal.h common/inventory.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h common/source.h common/plan.h common/fsutil.h \
 common/buf.h common/log.h executor/run_report.h common/buf.h \
 common/sha256.h common/units.h
executor/apply.h:
common/err.h:
executor/journal.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
common/source.h:
common/plan.h:
common/fsutil.h:
common/buf.h:
common/log.h:
executor/run_report.h:
common/buf.h:
common/sha256.h:
common/units.h:
