build3/common/engine/layers.o: common/engine/layers.c common/buf.h \
 common/err.h common/engine/layers.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h \
 common/engine/../err.h common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/sha256.h
common/buf.h:
common/err.h:
common/engine/layers.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/engine/../err.h:
common/engine/../engine/inventory.h:
common/engine/../engine/../inventory.h:
common/sha256.h:
