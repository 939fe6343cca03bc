build3/bench/journal.o: bench/journal.c common/err.h executor/journal.h \
 common/inventory.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h
common/err.h:
executor/journal.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
