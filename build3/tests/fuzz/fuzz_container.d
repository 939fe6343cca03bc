build3/tests/fuzz/fuzz_container.o: tests/fuzz/fuzz_container.c \
 tests/fuzz/fuzz_engine.h common/engine/engine.h common/err.h \
 common/http.h common/buf.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h tests/fuzz/fuzz.h \
 common/inventory.h
tests/fuzz/fuzz_engine.h:
common/engine/engine.h:
common/err.h:
common/http.h:
common/buf.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/engine/../err.h:
common/engine/../engine/inventory.h:
common/engine/../engine/../inventory.h:
tests/fuzz/fuzz.h:
common/inventory.h:
