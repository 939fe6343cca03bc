build3/tests/fuzz/fuzz_daemon_message.o: tests/fuzz/fuzz_daemon_message.c \
 common/buf.h common/err.h tests/fuzz/fuzz.h common/engine/recheck.h \
 common/engine/engine.h common/err.h common/http.h common/buf.h \
 common/engine/inventory.h common/engine/../inventory.h \
 common/engine/../err.h common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/engine/events.h \
 common/plan.h common/inventory.h common/source.h common/plan.h
common/buf.h:
common/err.h:
tests/fuzz/fuzz.h:
common/engine/recheck.h:
common/engine/engine.h:
common/err.h:
common/http.h:
common/buf.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/engine/../err.h:
common/engine/../engine/inventory.h:
common/engine/../engine/../inventory.h:
common/engine/events.h:
common/plan.h:
common/inventory.h:
common/source.h:
common/plan.h:
