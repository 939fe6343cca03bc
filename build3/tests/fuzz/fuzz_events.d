build3/tests/fuzz/fuzz_events.o: tests/fuzz/fuzz_events.c \
 common/engine/events.h common/engine/engine.h common/err.h common/http.h \
 common/buf.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/plan.h common/inventory.h \
 tests/fuzz/fuzz.h
common/engine/events.h:
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
common/plan.h:
common/inventory.h:
tests/fuzz/fuzz.h:
