build3/common/plan.o: common/plan.c common/buf.h common/err.h \
 common/fsutil.h common/jcs.h common/plan.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/schema.h \
 common/sha256.h common/source.h common/units.h
common/buf.h:
common/err.h:
common/fsutil.h:
common/jcs.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/schema.h:
common/sha256.h:
common/source.h:
common/units.h:
