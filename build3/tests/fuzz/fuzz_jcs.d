build3/tests/fuzz/fuzz_jcs.o: tests/fuzz/fuzz_jcs.c common/buf.h \
 common/err.h tests/fuzz/fuzz.h common/jcs.h common/buf.h
common/buf.h:
common/err.h:
tests/fuzz/fuzz.h:
common/jcs.h:
common/buf.h:
