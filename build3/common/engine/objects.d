build3/common/engine/objects.o: common/engine/objects.c \
 common/engine/layers.h common/err.h common/engine/inventory.h \
 common/engine/../inventory.h common/engine/../err.h \
 common/engine/../engine/inventory.h \
 common/engine/../engine/../inventory.h common/engine/objects.h \
 common/plan.h common/err.h common/inventory.h
common/engine/layers.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/engine/../err.h:
common/engine/../engine/inventory.h:
common/engine/../engine/../inventory.h:
common/engine/objects.h:
common/plan.h:
common/err.h:
common/inventory.h:
