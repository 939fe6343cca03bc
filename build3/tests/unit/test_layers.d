build3/tests/unit/test_layers.o: tests/unit/test_layers.c \
 common/inventory.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/layers.h common/err.h \
 common/engine/inventory.h
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/engine/layers.h:
common/err.h:
common/engine/inventory.h:
