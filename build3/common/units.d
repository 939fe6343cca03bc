build3/common/units.o: common/units.c common/units.h common/err.h
common/units.h:
common/err.h:
