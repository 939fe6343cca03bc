build3/common/jcs.o: common/jcs.c common/jcs.h common/buf.h common/err.h \
 common/plan.h common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h
common/jcs.h:
common/buf.h:
common/err.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
