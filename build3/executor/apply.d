build3/executor/apply.o: executor/apply.c executor/apply.h common/err.h \
 executor/journal.h common/inventory.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h common/source.h common/plan.h common/log.h \
 common/units.h
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
common/log.h:
common/units.h:
