build3/tests/unit/test_buf.o: tests/unit/test_buf.c common/buf.h \
 common/err.h common/err.h
common/buf.h:
common/err.h:
common/err.h:
