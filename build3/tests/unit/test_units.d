build3/tests/unit/test_units.o: tests/unit/test_units.c common/units.h \
 common/err.h
common/units.h:
common/err.h:
