build3/tests/unit/test_schema.o: tests/unit/test_schema.c common/schema.h \
 common/err.h
common/schema.h:
common/err.h:
