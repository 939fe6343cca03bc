build3/tests/fuzz/fuzz_recheck.o: tests/fuzz/fuzz_recheck.c \
 tests/fuzz/fuzz.h common/inventory.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h common/plan.h \
 common/inventory.h common/engine/recheck.h common/engine/engine.h \
 common/err.h common/http.h common/buf.h common/engine/inventory.h \
 common/engine/events.h common/source.h common/plan.h
tests/fuzz/fuzz.h:
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
common/inventory.h:
common/engine/recheck.h:
common/engine/engine.h:
common/err.h:
common/http.h:
common/buf.h:
common/engine/inventory.h:
common/engine/events.h:
common/source.h:
common/plan.h:
