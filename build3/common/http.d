build3/common/http.o: common/http.c common/http.h common/buf.h \
 common/err.h
common/http.h:
common/buf.h:
common/err.h:
