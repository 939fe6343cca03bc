build3/tests/unit/test_recheck.o: tests/unit/test_recheck.c \
 executor/apply.h common/err.h executor/journal.h common/inventory.h \
 common/err.h common/engine/inventory.h common/engine/../inventory.h \
 common/plan.h common/inventory.h common/source.h common/plan.h \
 common/engine/delete.h common/engine/engine.h common/http.h common/buf.h \
 common/engine/inventory.h common/engine/recheck.h common/engine/events.h \
 executor/run_report.h executor/apply.h common/buf.h
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
common/engine/delete.h:
common/engine/engine.h:
common/http.h:
common/buf.h:
common/engine/inventory.h:
common/engine/recheck.h:
common/engine/events.h:
executor/run_report.h:
executor/apply.h:
common/buf.h:
