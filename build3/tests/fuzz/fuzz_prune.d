build3/tests/fuzz/fuzz_prune.o: tests/fuzz/fuzz_prune.c \
 common/engine/delete.h common/engine/engine.h common/err.h common/http.h \
 common/buf.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/plan.h common/inventory.h \
 common/source.h common/plan.h tests/fuzz/fuzz.h
common/engine/delete.h:
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
common/source.h:
common/plan.h:
tests/fuzz/fuzz.h:
