build3/common/inventory.o: common/inventory.c common/inventory.h \
 common/err.h common/engine/inventory.h common/engine/../inventory.h
common/inventory.h:
common/err.h:
common/engine/inventory.h:
common/engine/../inventory.h:
