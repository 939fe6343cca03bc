build3/common/schema.o: common/schema.c common/buf.h common/err.h \
 common/jcs.h common/plan.h common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h common/schema.h
common/buf.h:
common/err.h:
common/jcs.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/schema.h:
