build3/common/engine/items.o: common/engine/items.c common/engine/items.h \
 common/err.h common/plan.h common/err.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/units.h
common/engine/items.h:
common/err.h:
common/plan.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/units.h:
