build3/executor/journal.o: executor/journal.c common/buf.h common/err.h \
 common/fsutil.h common/buf.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h \
 executor/journal.h common/err.h common/source.h common/inventory.h \
 common/plan.h
common/buf.h:
common/err.h:
common/fsutil.h:
common/buf.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
executor/journal.h:
common/err.h:
common/source.h:
common/inventory.h:
common/plan.h:
