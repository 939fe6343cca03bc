build3/tests/unit/test_fsutil.o: tests/unit/test_fsutil.c common/fsutil.h \
 common/buf.h common/err.h common/sha256.h
common/fsutil.h:
common/buf.h:
common/err.h:
common/sha256.h:
