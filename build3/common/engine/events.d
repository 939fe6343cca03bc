build3/common/engine/events.o: common/engine/events.c \
 common/engine/events.h common/engine/engine.h common/err.h common/http.h \
 common/buf.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/plan.h common/inventory.h \
 common/engine/recheck.h common/source.h common/plan.h common/units.h
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
common/engine/recheck.h:
common/source.h:
common/plan.h:
common/units.h:
