build3/common/fsutil.o: common/fsutil.c common/fsutil.h common/buf.h \
 common/err.h
common/fsutil.h:
common/buf.h:
common/err.h:
