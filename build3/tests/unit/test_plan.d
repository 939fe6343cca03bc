build3/tests/unit/test_plan.o: tests/unit/test_plan.c common/buf.h \
 common/err.h common/fsutil.h common/buf.h common/plan.h \
 common/inventory.h common/engine/inventory.h \
 common/engine/../inventory.h common/sha256.h
common/buf.h:
common/err.h:
common/fsutil.h:
common/buf.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/sha256.h:
