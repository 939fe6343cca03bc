build3/tests/unit/test_engine_parse.o: tests/unit/test_engine_parse.c \
 common/engine/engine.h common/err.h common/http.h common/buf.h \
 common/err.h common/engine/inventory.h common/engine/../inventory.h \
 common/engine/../err.h common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/units.h
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
common/units.h:
