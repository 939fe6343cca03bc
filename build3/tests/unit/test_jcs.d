build3/tests/unit/test_jcs.o: tests/unit/test_jcs.c common/jcs.h \
 common/buf.h common/err.h common/plan.h common/inventory.h \
 common/engine/inventory.h common/engine/../inventory.h common/sha256.h
common/jcs.h:
common/buf.h:
common/err.h:
common/plan.h:
common/inventory.h:
common/engine/inventory.h:
common/engine/../inventory.h:
common/sha256.h:
