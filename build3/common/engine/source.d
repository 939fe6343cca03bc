build3/common/engine/source.o: common/engine/source.c \
 common/engine/delete.h common/engine/engine.h common/err.h common/http.h \
 common/buf.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/plan.h common/inventory.h \
 common/source.h common/plan.h common/engine/events.h \
 common/engine/items.h common/log.h common/engine/objects.h \
 common/engine/recheck.h common/units.h
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
common/engine/events.h:
common/engine/items.h:
common/log.h:
common/engine/objects.h:
common/engine/recheck.h:
common/units.h:
