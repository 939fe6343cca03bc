build3/tests/fuzz/fuzz_journal.o: tests/fuzz/fuzz_journal.c \
 tests/fuzz/fuzz.h executor/journal.h common/err.h common/inventory.h \
 common/err.h common/engine/inventory.h common/engine/../inventory.h
tests/fuzz/fuzz.h:
executor/journal.h:
common/err.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
