build3/common/engine/scan.o: common/engine/scan.c common/engine/engine.h \
 common/err.h common/http.h common/buf.h common/err.h \
 common/engine/inventory.h common/engine/../inventory.h \
 common/engine/../err.h common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/engine/layers.h \
 common/log.h common/units.h
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
common/engine/layers.h:
common/log.h:
common/units.h:
