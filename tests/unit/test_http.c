/* test_http.c: the HTTP client against a tiny canned server that a forked
 * child runs on a unix socket (or 127.0.0.1): read-only refusal, connect
 * errors, bad endpoints, retries and backoff, header capture, body cap,
 * error messages, no redirects unless asked (and then no Authorization to
 * another host), per-request headers; and engine version negotiation. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "http.h"

struct server {
	pid_t pid;
	char dir[64];
	char sock[96];
	char log[96];
	char endpoint[160];
	int port;
};

/* A canned "response" that is no response: the server keeps the connection
 * open and never answers, like a hung daemon. */
#define HANG ""

/* Serves the canned raw responses in order (the last one repeats), one per
 * connection, and appends every request head (and body) to the log. */
static void serve_loop(int lfd, const char *log, const char *const *resp, size_t n)
{
	size_t i = 0;

	for (;;) {
		char req[65536];
		size_t got = 0;
		char *end = NULL, *cl;
		long body = 0;
		FILE *f;
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			continue;
		while (got < sizeof(req) - 1) {
			ssize_t k = read(c, req + got, sizeof(req) - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
			req[got] = '\0';
			if (!end && (end = strstr(req, "\r\n\r\n"))) {
				cl = strcasestr(req, "\r\nContent-Length:");
				body = cl && cl < end ? strtol(cl + 17, NULL, 10) : 0;
			}
			if (end && got >= (size_t)(end + 4 - req) + (size_t)body)
				break;
		}
		req[got] = '\0';
		f = fopen(log, "a");
		if (f) {
			fprintf(f, "%s\n--END--\n", req);
			fclose(f);
		}
		if (!*resp[i < n ? i : n - 1]) {
			i++;
			continue; /* HANG: c stays open, unanswered */
		}
		{
			const char *r = resp[i < n ? i : n - 1];
			ssize_t off = 0, len = (ssize_t)strlen(r);
			while (off < len) {
				ssize_t k = write(c, r + off, (size_t)(len - off));
				if (k <= 0)
					break;
				off += k;
			}
		}
		i++;
		close(c);
	}
}

static void server_start(struct server *s, int tcp, const char *const *resp, size_t n)
{
	int lfd;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/rc-http-test.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->sock, sizeof(s->sock), "%s/s.sock", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/log", s->dir);
	if (tcp) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		int one = 1;

		lfd = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(lfd >= 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
		s->port = ntohs(a.sin_port);
		snprintf(s->endpoint, sizeof(s->endpoint), "tcp://127.0.0.1:%d", s->port);
	} else {
		struct sockaddr_un a;

		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(lfd >= 0);
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->sock);
		assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
		snprintf(s->endpoint, sizeof(s->endpoint), "unix://%s", s->sock);
	}
	assert_int_equal(listen(lfd, 16), 0);
	fflush(NULL);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		/* never outlive the test, even when an assertion fails */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		serve_loop(lfd, s->log, resp, n);
		_exit(0);
	}
	close(lfd);
}

/* Stops the server; returns its log (owned) and the number of requests. */
static char *server_stop(struct server *s, size_t *nreq)
{
	char *data = NULL, *p;
	FILE *f;
	long len;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	*nreq = 0;
	f = fopen(s->log, "rb");
	if (f) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		data = calloc(1, (size_t)len + 1);
		assert_non_null(data);
		assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		for (p = data; (p = strstr(p, "--END--")); p++)
			(*nreq)++;
	} else {
		data = calloc(1, 1);
	}
	unlink(s->log);
	unlink(s->sock);
	rmdir(s->dir);
	return data;
}

static struct rc_http *client(const char *endpoint, int read_only, int retries)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_opts o;
	struct rc_http *h;

	rc_http_opts_default(&o);
	o.read_only = read_only;
	o.max_retries = retries;
	o.retry_base_ms = 1; /* fast tests */
	o.connect_timeout_ms = 2000;
	o.timeout_ms = 5000;
	h = rc_http_new(endpoint, &o, &err);
	if (!h)
		fail_msg("rc_http_new('%s'): %s", endpoint, err.msg);
	return h;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rc_http *client_timeout(const char *endpoint, int read_only, long timeout_ms)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_opts o;
	struct rc_http *h;

	rc_http_opts_default(&o);
	o.read_only = read_only;
	o.max_retries = 3;
	o.retry_base_ms = 1;
	o.timeout_ms = timeout_ms;
	h = rc_http_new(endpoint, &o, &err);
	if (!h)
		fail_msg("rc_http_new('%s'): %s", endpoint, err.msg);
	return h;
}

static const char *const resp_ok[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Content-Length: 2\r\n\r\n{}",
};

static void test_read_only_refuses_writes_and_sends_nothing(void **state)
{
	static const char *const methods[] = {"POST", "DELETE", "PUT", "PATCH", "get", "OPTIONS"};
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t i, nreq;
	char *log;
	(void)state;
	server_start(&s, 0, resp_ok, 1);
	h = client(s.endpoint, 1, 3);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		rc_http_resp_init(&resp);
		assert_int_equal(rc_http_request(h, methods[i], "/images/x", "application/json",
						 "{}", 2, &resp, &err),
				 -1);
		assert_int_equal(err.kind, RC_ERR_READONLY);
		assert_non_null(strstr(err.msg, methods[i]));
		assert_non_null(strstr(err.msg, "/images/x"));
		rc_http_resp_release(&resp);
	}
	assert_int_equal(rc_http_requests_sent(h), 0);
	/* GET and HEAD still work */
	{
		struct rc_err err = RC_ERR_INIT;
		rc_http_resp_init(&resp);
		assert_int_equal(rc_http_request(h, "GET", "/_ping", NULL, NULL, 0, &resp, &err),
				 0);
		assert_int_equal(resp.status, 200);
		assert_int_equal(rc_http_request(h, "HEAD", "/_ping", NULL, NULL, 0, &resp, &err),
				 0);
		rc_http_resp_release(&resp);
	}
	assert_int_equal(rc_http_requests_sent(h), 2);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 2); /* the server saw only GET and HEAD */
	assert_null(strstr(log, "POST"));
	assert_null(strstr(log, "DELETE"));
	assert_null(strstr(log, "PUT"));
	free(log);
}

static void test_unreachable_socket_is_connect_error(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http *h = client("unix:///tmp/rc-no-such-dir/docker.sock", 1, 2);
	struct rc_http_resp resp;
	(void)state;
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "/_ping", NULL, NULL, 0, &resp, &err), -1);
	assert_int_equal(err.kind, RC_ERR_CONNECT);
	assert_non_null(strstr(err.msg, "/tmp/rc-no-such-dir/docker.sock"));
	assert_non_null(strstr(err.msg, "/_ping"));
	assert_int_equal(rc_http_requests_sent(h), 3); /* 1 + 2 retries */
	rc_http_resp_release(&resp);
	rc_http_free(h);
}

static const char *const resp_hang[] = {HANG};

/* A daemon that took the request and hangs: one attempt, then a timeout
 * error that names the endpoint, the request and the limit. Retrying would
 * multiply the wait (3 retries of 10 minutes each stalled runs for ~40m). */
static void hung_request_is_not_retried(int tcp, const char *method)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_resp resp;
	struct server s;
	struct rc_http *h;
	char want[256], *log;
	size_t nreq;
	double t0;

	server_start(&s, tcp, resp_hang, 1);
	h = client_timeout(s.endpoint, 0, 300);
	rc_http_resp_init(&resp);
	t0 = now_s();
	assert_int_equal(rc_http_request(h, method, "/_ping", NULL, NULL, 0, &resp, &err), -1);
	assert_true(now_s() - t0 < 2.0);
	assert_int_equal(err.kind, RC_ERR_CONNECT);
	assert_int_equal(err.sys_errno, ETIMEDOUT);
	snprintf(want, sizeof(want), "'%s' did not answer %s '/_ping' within 300ms", s.endpoint,
		 method);
	assert_string_equal(err.msg, want);
	assert_int_equal(rc_http_requests_sent(h), 1);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 1);
	free(log);
}

static void test_timeout_after_send_is_not_retried(void **state)
{
	(void)state;
	hung_request_is_not_retried(0, "GET");
	hung_request_is_not_retried(1, "GET");
	hung_request_is_not_retried(0, "DELETE");
	hung_request_is_not_retried(1, "HEAD");
}

/* The same in the parallel path: the first timeout ends the batch; no
 * request is repeated one at a time. */
static void test_get_many_timeout_is_not_retried(void **state)
{
	static const char *const paths[] = {"/a", "/b", "/c"};
	struct rc_http_resp resps[3];
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	size_t i, nreq;
	char *log;
	double t0;
	(void)state;
	server_start(&s, 0, resp_hang, 1);
	h = client_timeout(s.endpoint, 1, 300);
	t0 = now_s();
	assert_int_equal(rc_http_get_many(h, paths, 3, 2, resps, &err), -1);
	assert_true(now_s() - t0 < 2.0);
	assert_int_equal(err.kind, RC_ERR_CONNECT);
	assert_int_equal(err.sys_errno, ETIMEDOUT);
	assert_non_null(strstr(err.msg, "did not answer GET '/"));
	assert_non_null(strstr(err.msg, "within 300ms"));
	assert_int_equal(rc_http_requests_sent(h), 2); /* the two in flight, once each */
	for (i = 0; i < 3; i++)
		rc_http_resp_release(&resps[i]);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_true(nreq <= 2);
	free(log);
}

/* rc_http_many_each: DELETEs in parallel with an outcome per request. The
 * first hangs once sent: it fails alone (a timeout, not sent again), and
 * the others go on: a 202, then a 503 retried one at a time until a 202. */
static const char *const resp_hang_202_503_202[] = {
    HANG,
    "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
};

static void test_many_each_delete(void **state)
{
	static const char *const paths[] = {"/a", "/b", "/c"};
	struct rc_http_resp resps[3];
	struct rc_err errs[3], err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	size_t i, nreq;
	char *log;
	(void)state;
	server_start(&s, 0, resp_hang_202_503_202, 4);
	h = client_timeout(s.endpoint, 0, 300);
	/* one in flight at a time: the canned answers go in order */
	assert_int_equal(rc_http_many_each(h, "DELETE", paths, NULL, 3, 1, resps, errs, &err), 0);
	assert_int_equal(err.kind, RC_ERR_NONE);
	assert_int_equal(errs[0].kind, RC_ERR_CONNECT);
	assert_int_equal(errs[0].sys_errno, ETIMEDOUT);
	assert_non_null(strstr(errs[0].msg, "did not answer DELETE '/a' within 300ms"));
	assert_int_equal(resps[0].status, 0);
	assert_int_equal(errs[1].kind, RC_ERR_NONE);
	assert_int_equal(resps[1].status, 202);
	assert_int_equal(errs[2].kind, RC_ERR_NONE);
	assert_int_equal(resps[2].status, 202);
	assert_int_equal(rc_http_requests_sent(h), 4); /* /a once, /b, /c twice */
	for (i = 0; i < 3; i++)
		rc_http_resp_release(&resps[i]);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 4);
	free(log);
}

/* A read-only client refuses parallel DELETEs before sending anything, and
 * rc_http_many_h takes no DELETE (it has no outcome per request). */
static void test_many_each_delete_read_only(void **state)
{
	static const char *const paths[] = {"/a", "/b"};
	struct rc_http_resp resps[2];
	struct rc_err errs[2], err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 0, resp_ok, 1);
	h = client(s.endpoint, 1, 0);
	assert_int_equal(rc_http_many_each(h, "DELETE", paths, NULL, 2, 2, resps, errs, &err), -1);
	assert_int_equal(err.kind, RC_ERR_READONLY);
	assert_non_null(strstr(err.msg, "read-only"));
	rc_http_resp_release(&resps[0]);
	rc_http_resp_release(&resps[1]);
	rc_err_clear(&err);
	assert_int_equal(rc_http_many_each(h, "PUT", paths, NULL, 2, 2, resps, errs, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	rc_http_resp_release(&resps[0]);
	rc_http_resp_release(&resps[1]);
	assert_int_equal(rc_http_requests_sent(h), 0);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 0);
	free(log);
}

/* The engine client takes the caller's per-request timeout. */
static void test_engine_timeout_is_the_callers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_inventory inv;
	struct rc_engine *e;
	struct server s;
	size_t nreq;
	char *log;
	double t0;
	(void)state;
	server_start(&s, 0, resp_hang, 1);
	e = rc_engine_new(s.endpoint, 1, 400, &err);
	assert_non_null(e);
	rc_inventory_init(&inv);
	t0 = now_s();
	assert_int_equal(rc_engine_connect(e, &inv.engine, &err), -1);
	assert_true(now_s() - t0 < 2.0);
	assert_int_equal(err.kind, RC_ERR_CONNECT);
	assert_non_null(strstr(err.msg, "did not answer GET '/_ping' within 400ms"));
	rc_inventory_release(&inv);
	rc_engine_free(e);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 1);
	free(log);
}

static void test_bad_endpoints(void **state)
{
	static const char *const bad[] = {
	    "",
	    "ssh://me@host",
	    "ftp://host",
	    "unix://",
	    "tcp://",
	    "http://",
	    "https:///path",
	    "http://user:pw@host",
	    "tcp://host name:1",
	    "/var/run/docker.sock", /* refused: no scheme; never connected */
	    "npipe:////./pipe/docker"};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		if (rc_http_new(bad[i], NULL, &err))
			fail_msg("endpoint '%s' was accepted", bad[i]);
		assert_int_equal(err.kind, RC_ERR_USAGE);
	}
	assert_null(rc_http_new(NULL, NULL, NULL));
}

static void test_good_endpoints_and_defaults(void **state)
{
	static const char *const good[] = {"unix:///run/docker.sock", "tcp://10.0.0.1:2375",
					   "http://registry.local:5000", "https://r.example/",
					   "https://r.example/prefix"};
	struct rc_http_opts o;
	size_t i;
	(void)state;
	rc_http_opts_default(&o);
	assert_int_equal(o.read_only, 0);
	assert_int_equal(o.tls.verify, 1);
	assert_int_equal(o.max_retries, 3);
	assert_int_equal(o.connect_timeout_ms, 5000);
	assert_int_equal(o.max_body, RC_BUF_DEFAULT_MAX);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		struct rc_http *h = rc_http_new(good[i], &o, &err);
		if (!h)
			fail_msg("endpoint '%s': %s", good[i], err.msg);
		assert_string_equal(rc_http_endpoint(h), good[i]);
		rc_http_free(h);
	}
	rc_http_free(NULL);
	rc_http_opts_release(&o);
}

static void test_headers_and_body_captured(void **state)
{
	static const char *const r[] = {
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/vnd.oci.image.index.v1+json\r\n"
	    "api-version:   1.47  \r\n"
	    "Docker-Content-Digest: sha256:abc\r\n"
	    "Link: </v2/_catalog?last=x&n=100>; rel=\"next\"\r\n"
	    "WWW-Authenticate: Bearer realm=\"https://auth\",service=\"reg\"\r\n"
	    "X-Next-Page-Start: 20\r\n"
	    "X-Resource-Count: 42\r\n"
	    "Connection: close\r\n"
	    "Content-Length: 11\r\n\r\nhello world",
	};
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 0, r, 1);
	h = client(s.endpoint, 0, 0);
	assert_int_equal(rc_http_add_header(h, "Authorization: Basic dTpw", &err), 0);
	assert_int_equal(rc_http_add_header(h, "X-Evil: a\r\nHost: b", &err), -1);
	assert_int_equal(rc_http_add_header(h, "no colon", &err), -1);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "/v2/?q=1", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 11);
	assert_string_equal(resp.body.data, "hello world");
	assert_string_equal(rc_http_resp_header(&resp, "Content-Type"),
			    "application/vnd.oci.image.index.v1+json");
	/* names are case-insensitive; values lose surrounding blanks */
	assert_string_equal(rc_http_resp_header(&resp, "Api-Version"), "1.47");
	assert_string_equal(rc_http_resp_header(&resp, "API-VERSION"), "1.47");
	assert_string_equal(rc_http_resp_header(&resp, "docker-content-digest"), "sha256:abc");
	assert_string_equal(rc_http_resp_header(&resp, "Link"),
			    "</v2/_catalog?last=x&n=100>; rel=\"next\"");
	assert_string_equal(rc_http_resp_header(&resp, "WWW-Authenticate"),
			    "Bearer realm=\"https://auth\",service=\"reg\"");
	/* any header, not a chosen few */
	assert_string_equal(rc_http_resp_header(&resp, "X-Next-Page-Start"), "20");
	assert_string_equal(rc_http_resp_header(&resp, "x-resource-count"), "42");
	assert_string_equal(rc_http_resp_header(&resp, "Connection"), "close");
	assert_null(rc_http_resp_header(&resp, "X-Total-Count"));
	assert_null(rc_http_resp_header(&resp, "Api"));
	assert_null(rc_http_resp_header(&resp, NULL));
	assert_int_equal(resp.retry_after_s, -1);
	rc_http_resp_release(&resp);
	rc_http_resp_release(&resp); /* twice is fine */
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 1);
	assert_non_null(strstr(log, "GET /v2/?q=1 HTTP/1.1\r\n"));
	assert_non_null(strstr(log, "Authorization: Basic dTpw\r\n"));
	assert_null(strstr(log, "X-Evil"));
	free(log);
}

/* A header sent twice answers its last value; a server that sends more
 * headers than RC_HTTP_MAX_HEADERS gets the rest ignored, not kept. */
static void test_headers_repeated_and_capped(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	const char *r[1];
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq, i;
	char *log;

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_buf_puts(&b, "HTTP/1.1 200 OK\r\nLink: <a>\r\nlink: <b>\r\n", &err), 0);
	for (i = 0; i < RC_HTTP_MAX_HEADERS + 10; i++)
		assert_int_equal(rc_buf_printf(&b, &err, "X-Filler-%zu: %zu\r\n", i, i), 0);
	assert_int_equal(rc_buf_puts(&b,
				     "Api-Version: 1.47\r\nConnection: close\r\n"
				     "Content-Length: 2\r\n\r\nok",
				     &err),
			 0);
	r[0] = b.data;
	server_start(&s, 0, r, 1);
	h = client(s.endpoint, 0, 0);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "/x", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(rc_http_resp_header(&resp, "Link"), "<b>");
	assert_int_equal(resp.n_headers, RC_HTTP_MAX_HEADERS);
	assert_string_equal(rc_http_resp_header(&resp, "X-Filler-0"), "0");
	assert_null(rc_http_resp_header(&resp, "Api-Version"));
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	free(log);
	rc_buf_release(&b);
}

static const char *const resp_503_503_200[] = {
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
};

static void test_get_retried_on_5xx(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 0, resp_503_503_200, 3);
	h = client(s.endpoint, 1, 3);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "/info", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "ok");
	assert_int_equal(rc_http_requests_sent(h), 3);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 3);
	free(log);
}

static void test_retries_are_bounded(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	(void)state;
	server_start(&s, 0, resp_503_503_200, 3);
	h = client(s.endpoint, 1, 1);
	rc_http_resp_init(&resp);
	/* retries exhausted: the last answer is returned, callers decide */
	assert_int_equal(rc_http_request(h, "GET", "/info", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(rc_http_requests_sent(h), 2);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	free(server_stop(&s, &nreq));
	assert_int_equal(nreq, 2);
}

static void test_post_is_not_retried_but_delete_is(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 0, resp_503_503_200, 3);
	h = client(s.endpoint, 0, 3);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "POST", "/build/prune", "application/json", "{\"a\":1}",
					 7, &resp, &err),
			 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(rc_http_requests_sent(h), 1);
	/* the server's 2nd answer is 503, 3rd is 200 */
	assert_int_equal(rc_http_request(h, "DELETE", "/images/x", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(rc_http_requests_sent(h), 3);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 3);
	assert_non_null(strstr(log, "POST /build/prune HTTP/1.1"));
	assert_non_null(strstr(log, "Content-Type: application/json"));
	assert_non_null(strstr(log, "{\"a\":1}"));
	assert_non_null(strstr(log, "DELETE /images/x HTTP/1.1"));
	free(log);
}

static void test_429_honours_retry_after(void **state)
{
	static const char *const r[] = {
	    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	};
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	struct timespec a, b;
	double secs;
	size_t nreq;
	(void)state;
	server_start(&s, 0, r, 2);
	h = client(s.endpoint, 1, 2);
	rc_http_resp_init(&resp);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(rc_http_request(h, "GET", "/v2/", NULL, NULL, 0, &resp, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_int_equal(resp.status, 200);
	assert_true(secs >= 0.9); /* waited as told, not the 1 ms base */
	assert_true(secs < 5);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	free(server_stop(&s, &nreq));
	assert_int_equal(nreq, 2);
}

static void test_body_cap(void **state)
{
	static const char *const r[] = {
	    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100\r\n\r\n"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "012345678901234567890123456789",
	};
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_opts o;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	(void)state;
	server_start(&s, 0, r, 1);
	rc_http_opts_default(&o);
	o.max_body = 10;
	o.max_retries = 3;
	o.retry_base_ms = 1;
	h = rc_http_new(s.endpoint, &o, &err);
	assert_non_null(h);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "/images/json", NULL, NULL, 0, &resp, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "10 byte limit"));
	assert_non_null(strstr(err.msg, "/images/json"));
	assert_true(resp.body.len <= 10);
	assert_int_equal(rc_http_requests_sent(h), 1); /* a hostile answer is not retried */
	rc_http_resp_release(&resp);
	rc_http_free(h);
	free(server_stop(&s, &nreq));
}

static void test_get_ok_error_messages(void **state)
{
	static const char *const r[] = {
	    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n"
	    "Content-Length: 44\r\n\r\n{\"message\":\"No such image: x\\u001b[31m red\"}",
	    "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 69\r\n\r\n"
	    "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}",
	    "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 9\r\n\r\n"
	    "not json!",
	    "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n",
	};
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	(void)state;
	server_start(&s, 0, r, 4);
	h = client(s.endpoint, 1, 0);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_get_ok(h, "/v1.41/images/x/json", &resp, &err), -1);
	assert_int_equal(err.kind, RC_ERR_HTTP);
	assert_int_equal(err.http_status, 404);
	assert_string_equal(
	    err.msg, "cannot fetch '/v1.41/images/x/json': HTTP 404: No such image: x?[31m red");
	assert_int_equal(rc_http_get_ok(h, "/v2/a/manifests/1", &resp, &err), -1);
	assert_string_equal(
	    err.msg,
	    "cannot fetch '/v2/a/manifests/1': HTTP 404: MANIFEST_UNKNOWN: manifest unknown");
	assert_int_equal(rc_http_get_ok(h, "/x", &resp, &err), -1);
	assert_string_equal(err.msg, "cannot fetch '/x': HTTP 500");
	assert_int_equal(err.http_status, 500);
	/* redirects are never followed */
	assert_int_equal(rc_http_get_ok(h, "/moved", &resp, &err), -1);
	assert_int_equal(err.http_status, 302);
	assert_int_equal(rc_http_requests_sent(h), 4);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	free(server_stop(&s, &nreq));
	assert_int_equal(nreq, 4);
}

static void test_tcp_endpoint(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp;
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 1, resp_ok, 1);
	h = client(s.endpoint, 1, 0);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_get_ok(h, "/_ping", &resp, &err), 0);
	assert_string_equal(resp.body.data, "{}");
	assert_string_equal(rc_http_resp_header(&resp, "Content-Type"), "application/json");
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_non_null(strstr(log, "Host: 127.0.0.1:"));
	free(log);
}

static void test_bad_paths_refused(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http *h = client("unix:///tmp/nowhere.sock", 0, 0);
	struct rc_http_resp resp;
	(void)state;
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_request(h, "GET", "info", NULL, NULL, 0, &resp, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_int_equal(rc_http_request(h, "GET", "/a b", NULL, NULL, 0, &resp, &err), -1);
	assert_int_equal(rc_http_request(h, "GET", "/a\r\nX: y", NULL, NULL, 0, &resp, &err), -1);
	assert_int_equal(rc_http_requests_sent(h), 0);
	rc_http_resp_release(&resp);
	rc_http_free(h);
}

/* With DOCKER_TLS_VERIFY, tcp:// speaks TLS: no plaintext request leaves. */
static void test_engine_tls_env_switches_to_https(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_inventory inv;
	struct rc_engine *e;
	struct server s;
	char dir[] = "/tmp/rc-certs.XXXXXX", f[96];
	static const char *const names[] = {"ca.pem", "cert.pem", "key.pem"};
	size_t i, nreq;
	char *log;
	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		FILE *fp;
		snprintf(f, sizeof(f), "%s/%s", dir, names[i]);
		fp = fopen(f, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", dir, 1);
	server_start(&s, 1, resp_ok, 1);
	e = rc_engine_new(s.endpoint, 1, 0, &err);
	assert_non_null(e);
	rc_inventory_init(&inv);
	assert_int_equal(rc_engine_connect(e, &inv.engine, &err), -1);
	assert_int_equal(err.kind, RC_ERR_CONNECT);
	rc_inventory_release(&inv);
	rc_engine_free(e);
	log = server_stop(&s, &nreq);
	assert_null(strstr(log, "GET /_ping"));
	free(log);
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	for (i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s/%s", dir, names[i]);
		unlink(f);
	}
	rmdir(dir);
}

/* ---------- engine version negotiation over the canned server ---------- */

#define PING(ver)                                                                                  \
	"HTTP/1.1 200 OK\r\nApi-Version: " ver "\r\nConnection: close\r\n"                         \
	"Content-Length: 2\r\n\r\nOK"
#define INFO                                                                                       \
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"               \
	"Content-Length: 43\r\n\r\n{\"ID\":\"E:1\",\"Name\":\"h\",\"ServerVersion\":\"x\"}"

static char *connect_to(const char *const *r, size_t n, int want, char *api, size_t apisz,
			struct rc_err *err)
{
	struct server s;
	struct rc_engine *e;
	struct rc_inventory inv;
	size_t nreq;

	server_start(&s, 0, r, n);
	e = rc_engine_new(s.endpoint, 1, 0, err);
	assert_non_null(e);
	rc_inventory_init(&inv);
	assert_int_equal(rc_engine_connect(e, &inv.engine, err), want);
	snprintf(api, apisz, "%s", rc_engine_api_version(e));
	if (want == 0) {
		assert_string_equal(inv.engine.id, "E:1");
		assert_string_equal(inv.engine.api_version, api);
		assert_string_equal(inv.engine.endpoint, s.endpoint);
	}
	rc_inventory_release(&inv);
	rc_engine_free(e);
	return server_stop(&s, &nreq);
}

static void test_engine_negotiates_version(void **state)
{
	static const char *const newer[] = {PING("1.99"), INFO};
	static const char *const mid[] = {PING("1.45"), INFO};
	struct rc_err err = RC_ERR_INIT;
	char api[32], *log;
	(void)state;
	log = connect_to(newer, 2, 0, api, sizeof(api), &err);
	assert_string_equal(api, RC_ENGINE_API_MAX);
	assert_non_null(strstr(log, "GET /_ping HTTP/1.1"));
	assert_non_null(strstr(log, "GET /v1.52/info HTTP/1.1"));
	free(log);
	log = connect_to(mid, 2, 0, api, sizeof(api), &err);
	assert_string_equal(api, "1.45");
	assert_non_null(strstr(log, "GET /v1.45/info HTTP/1.1"));
	free(log);
}

static void test_engine_refuses_old_or_odd_daemons(void **state)
{
	static const char *const old[] = {PING("1.30"), INFO};
	static const char *const nover[] = {
	    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"};
	static const char *const boom[] = {
	    "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 18\r\n\r\n"
	    "{\"message\":\"boom\"}"};
	static const char *const badinfo[] = {PING("1.41"),
					      "HTTP/1.1 200 OK\r\nConnection: close\r\n"
					      "Content-Length: 9\r\n\r\n{\"ID\":\"E:"};
	struct rc_err err = RC_ERR_INIT;
	char api[32];
	(void)state;
	free(connect_to(old, 2, -1, api, sizeof(api), &err));
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "speaks API 1.30"));
	assert_non_null(strstr(err.msg, "needs 1.41"));
	free(connect_to(nover, 1, -1, api, sizeof(api), &err));
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "Api-Version"));
	rc_err_clear(&err);
	free(connect_to(boom, 1, -1, api, sizeof(api), &err));
	assert_int_equal(err.kind, RC_ERR_HTTP);
	assert_non_null(strstr(err.msg, "boom"));
	assert_non_null(strstr(err.msg, "/_ping"));
	free(connect_to(badinfo, 2, -1, api, sizeof(api), &err));
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "malformed /info answer"));
}

/* Headers of one request only: rc_http_do and rc_http_get_many_h send them
 * with that request and no other. */
static void test_per_request_headers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp resp, many[2];
	static const char *const acc[] = {"Accept: application/x-one", NULL};
	static const char *const auth[] = {"Authorization: Bearer two", NULL};
	static const char *const bad[] = {"Accept: a\r\nX-Evil: b", NULL};
	const char *const paths[] = {"/a", "/b"};
	const char *const *const hdrs[] = {acc, auth};
	struct rc_http_req req = {"GET", "/one", acc, NULL, NULL, 0};
	size_t nreq;
	char *log, *one, *two;
	(void)state;
	server_start(&s, 1, resp_ok, 1);
	h = client(s.endpoint, 1, 0);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_do(h, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	req.headers = bad;
	assert_int_equal(rc_http_do(h, &req, &resp, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_int_equal(rc_http_get_many_h(h, paths, hdrs, 2, 2, many, &err), 0);
	assert_int_equal(many[0].status, 200);
	assert_int_equal(many[1].status, 200);
	rc_http_resp_release(&many[0]);
	rc_http_resp_release(&many[1]);
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 3);
	assert_null(strstr(log, "X-Evil"));
	one = strstr(log, "GET /one ");
	assert_non_null(one);
	assert_non_null(strstr(one, "Accept: application/x-one\r\n"));
	two = strstr(log, "GET /b ");
	assert_non_null(two);
	assert_non_null(strstr(two, "Authorization: Bearer two\r\n"));
	/* /a had the Accept, not the Authorization */
	one = strstr(log, "GET /a ");
	assert_non_null(one);
	two = strstr(one, "--END--");
	assert_non_null(two);
	*two = '\0';
	assert_non_null(strstr(one, "Accept: application/x-one\r\n"));
	assert_null(strstr(one, "Authorization"));
	free(log);
}

/* rc_http_many_h sends HEAD in parallel (headers, no body) and refuses any
 * method but GET and HEAD before sending anything. */
static void test_many_head(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server s;
	struct rc_http *h;
	struct rc_http_resp many[2];
	const char *const paths[] = {"/a", "/b"};
	size_t nreq;
	char *log;
	(void)state;
	server_start(&s, 1, resp_ok, 1);
	h = client(s.endpoint, 1, 0);
	assert_int_equal(rc_http_many_h(h, "DELETE", paths, NULL, 2, 2, many, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	for (size_t i = 0; i < 2; i++)
		rc_http_resp_release(&many[i]);
	assert_int_equal(rc_http_requests_sent(h), 0);
	rc_err_clear(&err);
	assert_int_equal(rc_http_many_h(h, "HEAD", paths, NULL, 2, 2, many, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(many[i].status, 200);
		assert_int_equal(many[i].body.len, 0);
		assert_string_equal(rc_http_resp_header(&many[i], "Content-Type"),
				    "application/json");
		rc_http_resp_release(&many[i]);
	}
	rc_http_free(h);
	log = server_stop(&s, &nreq);
	assert_int_equal(nreq, 2);
	assert_non_null(strstr(log, "HEAD /a "));
	assert_non_null(strstr(log, "HEAD /b "));
	assert_null(strstr(log, "GET "));
	assert_null(strstr(log, "DELETE"));
	free(log);
}

/* With follow_redirects, GET follows a redirect to another host, and the
 * caller's Authorization header stays with the first host. */
static void test_redirect_drops_authorization_on_another_host(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct server store, reg;
	struct rc_http_opts o;
	struct rc_http *h;
	struct rc_http_resp resp;
	static const char *const auth[] = {"Authorization: Bearer secret", NULL};
	struct rc_http_req req = {"GET", "/v2/a/blobs/sha256:x", auth, NULL, NULL, 0};
	char moved[256];
	const char *r[1];
	size_t nreq;
	char *log;
	(void)state;
	server_start(&store, 1, resp_ok, 1);
	snprintf(moved, sizeof(moved),
		 "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:%d/blob\r\n"
		 "Connection: close\r\nContent-Length: 0\r\n\r\n",
		 store.port);
	r[0] = moved;
	server_start(&reg, 1, r, 1);
	rc_http_opts_default(&o);
	o.read_only = 1;
	o.follow_redirects = 1;
	h = rc_http_new(reg.endpoint, &o, &err);
	assert_non_null(h);
	rc_http_resp_init(&resp);
	assert_int_equal(rc_http_do(h, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "{}");
	rc_http_resp_release(&resp);
	rc_http_free(h);
	log = server_stop(&reg, &nreq);
	assert_int_equal(nreq, 1);
	assert_non_null(strstr(log, "Authorization: Bearer secret\r\n"));
	free(log);
	log = server_stop(&store, &nreq);
	assert_int_equal(nreq, 1);
	assert_non_null(strstr(log, "GET /blob "));
	assert_null(strstr(log, "Authorization"));
	assert_null(strstr(log, "secret"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_only_refuses_writes_and_sends_nothing),
	    cmocka_unit_test(test_unreachable_socket_is_connect_error),
	    cmocka_unit_test(test_timeout_after_send_is_not_retried),
	    cmocka_unit_test(test_get_many_timeout_is_not_retried),
	    cmocka_unit_test(test_many_each_delete),
	    cmocka_unit_test(test_many_each_delete_read_only),
	    cmocka_unit_test(test_many_head),
	    cmocka_unit_test(test_engine_timeout_is_the_callers),
	    cmocka_unit_test(test_bad_endpoints),
	    cmocka_unit_test(test_good_endpoints_and_defaults),
	    cmocka_unit_test(test_headers_and_body_captured),
	    cmocka_unit_test(test_get_retried_on_5xx),
	    cmocka_unit_test(test_retries_are_bounded),
	    cmocka_unit_test(test_post_is_not_retried_but_delete_is),
	    cmocka_unit_test(test_headers_repeated_and_capped),
	    cmocka_unit_test(test_429_honours_retry_after),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_get_ok_error_messages),
	    cmocka_unit_test(test_tcp_endpoint),
	    cmocka_unit_test(test_bad_paths_refused),
	    cmocka_unit_test(test_engine_tls_env_switches_to_https),
	    cmocka_unit_test(test_engine_negotiates_version),
	    cmocka_unit_test(test_engine_refuses_old_or_odd_daemons),
	    cmocka_unit_test(test_per_request_headers),
	    cmocka_unit_test(test_redirect_drops_authorization_on_another_host),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
