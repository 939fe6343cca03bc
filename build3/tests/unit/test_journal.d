build3/tests/unit/test_journal.o: tests/unit/test_journal.c common/buf.h \
 common/err.h common/fsutil.h common/buf.h executor/journal.h \
 common/err.h common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h
common/buf.h:
common/err.h:
common/fsutil.h:
common/buf.h:
executor/journal.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
