build3/common/source.o: common/source.c common/source.h common/err.h \
 common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h common/plan.h
common/source.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/plan.h:
