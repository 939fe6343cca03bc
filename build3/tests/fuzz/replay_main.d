build3/tests/fuzz/replay_main.o: tests/fuzz/replay_main.c common/buf.h \
 common/err.h tests/fuzz/fuzz.h
common/buf.h:
common/err.h:
tests/fuzz/fuzz.h:
