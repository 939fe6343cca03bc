build3/common/plan_schema.o: common/plan_schema.c common/plan.h \
 common/err.h common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h
common/plan.h:
common/err.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
