/* server.c — the libmicrohttpd daemon and the life of one request.
 *
 * libmicrohttpd runs an internal epoll loop in a pool of opts.threads threads
 * (one epoll loop alone stalls around 256 concurrent connections on Debian's
 * build). Per request it calls us at these points, all on the connection's thread:
 *
 *   uri_cb        request line read: create the arena and struct http_req
 *   access_cb #1  headers read: method, client IP, request id, path decoding,
 *                 route match; an oversized Content-Length is answered here
 *                 (413; the body is never read and the connection closes).
 *                 A ROUTE_STREAM route is dispatched here instead (see below).
 *   access_cb #n  body chunks: copied into the arena up to opts.max_body
 *   access_cb end whole request read: query, before hook, handler, queue answer
 *   completed_cb  response sent (or connection gone): metrics, access log,
 *                 arena freed
 *
 * Answers are queued only on the final call: libmicrohttpd treats an answer
 * queued on the first call as "early" and closes the connection after it,
 * which would cost keep-alive on every request.
 *
 * Streaming routes (ROUTE_STREAM) instead run query parsing, the before hook and
 * the handler on access_cb #1 (req->streaming). A handler that answers there gets
 * an early answer: libmicrohttpd sends it instead of "100 Continue", never reads
 * the body and closes the connection. A handler that calls http_stream_accept
 * gets each body chunk in access_cb #n (stream.data, nothing is kept) and answers
 * from stream.end on the final call, with keep-alive intact. When the body is
 * refused midway (stream.data returns -1, or a chunked body outgrows max_bytes),
 * libmicrohttpd 0.9.75 cannot queue an answer any more (only on the headers or at
 * the end), so the server writes the answer to the socket itself
 * (http_resp_write_now), then reads and discards up to DRAIN_LIMIT more bytes —
 * the "lingering close" of RFC 9112 §9.6: a client still sending would otherwise
 * get a TCP reset, which can destroy the answer before it reads it — and drops the
 * connection when the body ends or the limit is reached. stream.abort runs exactly
 * once for every accepted stream that does not reach stream.end: when it is
 * refused, or from completed_cb (client gone, timeout, server stop), with an arena
 * hook behind that as a second line. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (1u << 20)
/* Bytes of an oversized chunked body we drain before giving up on answering. */
#define DRAIN_LIMIT (1u << 20)
/* A body of declared length at most this much over max_body is read and discarded,
 * and the 413 answered after it: a client that sends its body without waiting (most
 * do, without "Expect: 100-continue") would otherwise run into the closed socket and
 * may lose the answer to the TCP reset. Larger ones, and any for a client that waits
 * for "100 Continue", are answered on the headers. */
#define LINGER_LIMIT ((uint64_t)16 << 20)

static _Atomic(http_ready_fn) ready_probe;

/* Set by a server thread just before it drops a connection on purpose (returns
 * MHD_NO), so that libmicrohttpd's "Application reported internal error" that
 * follows is not logged as a warning. Per thread: libmicrohttpd logs on the thread
 * that got MHD_NO, before it calls anything else. */
static _Thread_local bool dropping;

/* ---- listen address ---- */

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces), "localhost:8080". */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool *v6,
                        struct err *e)
{
  if (!s || !*s)
    return err_set(e, CC24_E_CONFIG, "listen address is empty");
  char host[256];
  const char *port;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
      return err_set(e, CC24_E_CONFIG, "listen address %s: expected [v6addr]:port", s);
    memcpy(host, s + 1, (size_t)(end - s - 1));
    host[end - s - 1] = 0;
    port = end + 2;
  } else {
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
      return err_set(e, CC24_E_CONFIG, "listen address %s: expected host:port", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    port = colon + 1;
  }
  char *endp;
  errno = 0;
  long p = strtol(port, &endp, 10);
  if (!*port || *endp || errno || p < 0 || p > 65535)
    return err_set(e, CC24_E_CONFIG, "listen address %s: bad port", s);
  memset(ss, 0, sizeof *ss);
  if (!host[0]) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_ANY);
    in->sin_port = htons((uint16_t)p);
    *len = sizeof *in;
    *v6 = false;
    return 0;
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int rc = getaddrinfo(host, NULL, &hints, &res);
  if (rc != 0 || !res)
    return err_set(e, CC24_E_CONFIG, "listen address %s: %s", s, gai_strerror(rc));
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  *v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  if (*v6)
    ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
  else
    ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
  return 0;
}

static void raise_nofile(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      log_warn("could not raise RLIMIT_NOFILE: %s", strerror(errno));
  }
}

/* ---- per-request helpers ---- */

static const char *client_ip(struct arena *a, struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char buf[INET6_ADDRSTRLEN] = "";
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
      const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
      if (IN6_IS_ADDR_V4MAPPED(in6))
        inet_ntop(AF_INET, &in6->s6_addr[12], buf, sizeof buf);
      else
        inet_ntop(AF_INET6, in6, buf, sizeof buf);
    }
  }
  return arena_strdup(a, buf);
}

/* The last address of an X-Forwarded-For list (the one our proxy saw), when it looks
 * like an IPv4 or IPv6 address; NULL otherwise. */
static const char *forwarded_ip(struct arena *a, const char *xff)
{
  if (!xff)
    return NULL;
  const char *last = strrchr(xff, ',');
  last = last ? last + 1 : xff;
  while (*last == ' ' || *last == '\t')
    last++;
  size_t n = strcspn(last, " \t");
  if (n == 0 || n > 45 || strspn(last, "0123456789abcdefABCDEF:.") < n)
    return NULL;
  return arena_strndup(a, last, n);
}

/* An incoming X-Request-Id is kept when it is 1..64 of [A-Za-z0-9._-]. */
static bool request_id_ok(const char *s)
{
  size_t n = 0;
  if (!s)
    return false;
  for (; s[n]; n++) {
    char c = s[n];
    if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '_' || c == '-'))
      return false;
  }
  return n > 0;
}

static bool is_api_path(const char *p)
{
  return strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0;
}

/* ---- libmicrohttpd callbacks ---- */

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
  struct http_server *s = cls;
  struct arena *a = arena_new(0);
  struct http_req *req = arena_zalloc(a, sizeof *req);
  req->a = a;
  req->app = s->o.app;
  req->conn = c;
  req->role = ROLE_PUBLIC;
  req->locale = "de";
  struct http_resp *r = http_resp_of(req);
  r->srv = s;
  if (!uri)
    uri = "";
  const char *q = strchr(uri, '?');
  size_t plen = q ? (size_t)(q - uri) : strlen(uri);
  r->raw_path = arena_strndup(a, uri, plen);
  req->raw_query = q ? arena_strdup(a, q + 1) : "";
  return req;
}

static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
  (void)cls;
  (void)c;
  return strlen(s); /* we decode paths and queries ourselves, exactly once */
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  if (dropping) {
    /* our own MHD_NO just before: the message is about it */
    dropping = false;
    return;
  }
  /* libmicrohttpd logs every refused connection; under a flood that is noise. */
  static _Atomic int64_t window;
  static atomic_int count;
  int64_t now = time_mono_ms() / 1000;
  if (atomic_exchange(&window, now) != now)
    atomic_store(&count, 0);
  if (atomic_fetch_add(&count, 1) >= 10)
    return;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = 0;
  log_warn("microhttpd: %s", msg);
}

static void conn_cb(void *cls, struct MHD_Connection *c, void **socket_context,
                    enum MHD_ConnectionNotificationCode toe)
{
  (void)cls;
  (void)c;
  (void)socket_context;
  http_metrics_connections(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* The before hook; true when the request has been answered (by it, or with 500). */
static bool run_before(struct http_server *s, struct http_req *req)
{
  struct http_resp *r = req->resp;
  if (!s->o.before)
    return false;
  int b = s->o.before(req);
  if (b == 0 && !r->answered)
    return false;
  if (!r->answered) {
    log_error("before hook returned %d without answering %s %s", b, req->method, req->path);
    http_resp_reset(req);
    http_problem(req, 500, CC24_E_INTERNAL, "Internal error.", NULL);
  }
  return true;
}

static void set_route(struct http_req *req, const struct route *rt)
{
  req->route = rt;
  if (rt->flags & ROUTE_API)
    req->is_api = true;
  if (rt->flags & ROUTE_NOLOG)
    req->resp->nolog = true;
}

static void dispatch(struct http_server *s, struct http_req *req)
{
  struct http_resp *r = req->resp;
  if (r->bad_path) {
    http_problem(req, 400, CC24_E_BAD_REQUEST,
                 "The request path is not valid (percent-encoding, NUL byte or UTF-8).", NULL);
    return;
  }
  if (r->too_large) {
    req->route = r->route_hit;
    if (req->route && (req->route->flags & ROUTE_API))
      req->is_api = true;
    r->close = true;
    http_problem(req, 413, CC24_E_BODY_TOO_LARGE, "The request body is too large.", NULL);
    return;
  }
  if (req->raw_query[0] && http_req_parse_query(req) < 0) {
    http_problem(req, 400, CC24_E_BAD_PARAMETER,
                 "The query string is not valid (UTF-8, NUL bytes or too many parameters).", NULL);
    return;
  }
  const struct route *rt = r->route_hit;
  if (!rt) {
    if (r->mismatch)
      r->allow = http_route_allow(req->a, s->o.routes, s->o.nroutes, req->path);
    if (req->m == HTTP_OPTIONS && r->allow)
      http_reply(req, 204, NULL, NULL, 0);
    else if (r->mismatch)
      http_problem(req, 405, CC24_E_METHOD_NOT_ALLOWED, NULL, NULL);
    else
      http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
    return;
  }
  set_route(req, rt);
  if (req->body_len && http_req_parse_form(req) < 0) {
    http_problem(req, 400, CC24_E_BAD_REQUEST,
                 "The form body is not valid (UTF-8, NUL bytes or too many fields).", NULL);
    return;
  }
  if (run_before(s, req))
    return;
  int rc = rt->handler(req);
  if (!r->answered) {
    log_error("handler for %s %s returned %d without answering", rt->method, rt->pattern, rc);
    http_resp_reset(req);
    http_problem(req, 500, CC24_E_INTERNAL, "Internal error.", NULL);
  }
}

/* ---- streaming bodies (ROUTE_STREAM) ---- */

/* abort, once, for an accepted stream that will not reach end. */
static void stream_abort(struct http_req *req)
{
  struct http_resp *r = req->resp;
  if (!r->stream_accepted || r->stream_ended || r->stream_aborted)
    return;
  r->stream_aborted = true;
  if (r->stream.abort)
    r->stream.abort(req, r->stream_arg);
}

static void stream_arena_hook(void *p)
{
  stream_abort(p);
}

int http_stream_accept(struct http_req *req, const struct http_stream *st, void *arg,
                       uint64_t max_bytes)
{
  struct http_resp *r = http_resp_of(req);
  if (!req->streaming || r->stream_accepted || r->answered || !st || !st->data || !st->end) {
    log_error("http_stream_accept: not a streaming request, accepted twice, already answered "
              "or without data/end callbacks (%s %s)",
              req->method ? req->method : "", req->path ? req->path : "");
    return -1;
  }
  r->stream = *st;
  r->stream_arg = arg;
  r->stream_max = max_bytes;
  r->stream_accepted = true;
  arena_on_free(req->a, stream_arena_hook, req);
  if (r->content_length != UINT64_MAX && r->content_length > max_bytes) {
    /* answered on the headers: the body is never read, abort runs after the handler */
    r->close = true;
    http_problem(req, 413, CC24_E_BODY_TOO_LARGE,
                 arena_printf(req->a, "The request body is larger than %llu bytes.",
                              (unsigned long long)max_bytes),
                 NULL);
  }
  return 0;
}

/* access_cb #1 of a streaming route: query, before hook, handler. */
static void stream_dispatch(struct http_server *s, struct http_req *req)
{
  struct http_resp *r = req->resp;
  const struct route *rt = r->route_hit;
  if (req->raw_query[0] && http_req_parse_query(req) < 0) {
    http_problem(req, 400, CC24_E_BAD_PARAMETER,
                 "The query string is not valid (UTF-8, NUL bytes or too many parameters).", NULL);
    return;
  }
  set_route(req, rt);
  if (run_before(s, req))
    return;
  int rc = rt->handler(req);
  if (r->answered)
    return;
  if (rc < 0 || !r->stream_accepted) {
    log_error("streaming handler for %s %s returned %d without answering or accepting the body",
              rt->method, rt->pattern, rc);
    http_resp_reset(req);
    http_problem(req, 500, CC24_E_INTERNAL, "Internal error.", NULL);
  }
}

static enum MHD_Result start_stream(struct http_server *s, struct http_req *req,
                                    struct MHD_Connection *c)
{
  struct http_resp *r = req->resp;
  req->streaming = true;
  log_set_request_id(req->request_id);
  stream_dispatch(s, req);
  log_set_request_id("");
  if (!r->answered)
    return MHD_YES; /* the body follows */
  /* An early answer: libmicrohttpd sends it (instead of 100 Continue), skips the
   * body and closes the connection. */
  stream_abort(req);
  r->close = true;
  r->dispatched = true;
  return http_resp_queue(req, c) == 0 ? MHD_YES : MHD_NO;
}

static enum MHD_Result drop(void)
{
  dropping = true;
  return MHD_NO;
}

/* The body is refused midway: the answer (the handler's, or status/code/detail when
 * it has none) goes out now, abort runs, the rest of the body is discarded. */
static enum MHD_Result stream_refuse(struct http_req *req, struct MHD_Connection *c, int status,
                                     int code, const char *detail)
{
  struct http_resp *r = req->resp;
  r->stream_stopped = true;
  r->dispatched = true;
  if (!r->answered)
    http_problem(req, status, code, detail, NULL);
  stream_abort(req);
  return http_resp_write_now(req, c) == 0 ? MHD_YES : drop();
}

/* True when the client has closed its side and sent nothing more. libmicrohttpd
 * 0.9.75 takes a short read for "no more data" under edge-triggered epoll, so a FIN
 * that arrived together with the last bytes is only noticed at the connection
 * timeout; for an unfinished body of known length we look ourselves. */
static bool peer_gone(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (!ci || ci->connect_fd == MHD_INVALID_SOCKET)
    return false;
  char b;
  return recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static enum MHD_Result stream_step(struct http_req *req, struct MHD_Connection *c, const char *data,
                                   size_t *size)
{
  struct http_resp *r = req->resp;
  size_t n = *size;
  *size = 0;
  if (r->stream_stopped) {
    /* the answer is out: linger until the body ends or DRAIN_LIMIT, then close */
    if (n == 0)
      return drop();
    r->discarded += n;
    return r->discarded > DRAIN_LIMIT ? drop() : MHD_YES;
  }
  enum MHD_Result ret = MHD_YES;
  log_set_request_id(req->request_id);
  if (n > 0) {
    if (n > r->stream_max - r->stream_seen) {
      ret = stream_refuse(req, c, 413, CC24_E_BODY_TOO_LARGE,
                          arena_printf(req->a, "The request body is larger than %llu bytes.",
                                       (unsigned long long)r->stream_max));
    } else {
      r->stream_seen += n;
      int rc = r->stream.data(req, r->stream_arg, data, n);
      if (rc < 0 || r->answered) {
        if (rc >= 0)
          log_warn("stream data callback answered but returned %d; stopping the body", rc);
        ret = stream_refuse(req, c, 400, CC24_E_BAD_REQUEST, "The request body was refused.");
      } else if (r->content_length != UINT64_MAX && r->stream_seen < r->content_length &&
                 peer_gone(c)) {
        /* cut off: a chunked body is not checked (its end may already sit in
         * libmicrohttpd's buffer); a cut-off chunked body waits for the timeout */
        stream_abort(req);
        ret = drop();
      }
    }
  } else if (!r->dispatched) {
    /* the whole body is in */
    r->stream_ended = true;
    int rc = r->stream.end(req, r->stream_arg);
    if (!r->answered) {
      log_error("stream end callback for %s %s returned %d without answering", req->method,
                req->path, rc);
      http_resp_reset(req);
      http_problem(req, 500, CC24_E_INTERNAL, "Internal error.", NULL);
    }
    r->dispatched = true;
    ret = http_resp_queue(req, c) == 0 ? MHD_YES : MHD_NO;
  }
  log_set_request_id("");
  return ret;
}

/* First call: the headers are in. */
static enum MHD_Result start_request(struct http_server *s, struct http_req *req,
                                     struct MHD_Connection *c, const char *method)
{
  struct http_resp *r = req->resp;
  r->started = true;
  req->started_us = time_mono_us();
  atomic_fetch_add(&s->in_flight, 1);
  http_metrics_in_flight(1);
  req->method = arena_strdup(req->a, method);
  req->m = http_method_parse(method);
  req->client_ip = client_ip(req->a, c);
  req->tls = s->o.tls;
  if (s->o.trust_proxy) {
    const char *ip =
        forwarded_ip(req->a, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For"));
    if (ip)
      req->client_ip = ip;
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    if (proto && strcasecmp(proto, "https") == 0)
      req->tls = true;
  }
  req->body = "";
  const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
  if (request_id_ok(rid)) {
    req->request_id = arena_strdup(req->a, rid);
  } else {
    char *id = arena_alloc(req->a, ID_LEN + 1);
    id_new(id);
    req->request_id = id;
  }
  char *path;
  if (http_path_decode(req->a, r->raw_path, strlen(r->raw_path), &path) < 0) {
    r->bad_path = true;
    req->path = r->raw_path;
  } else {
    req->path = path;
  }
  req->is_api = is_api_path(req->path);

  const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
  if (cl) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(cl, &end, 10);
    if (!errno && end != cl)
      r->content_length = v;
  }
  if (!r->bad_path) {
    r->route_hit =
        http_route_match(s->o.routes, s->o.nroutes, req->method, req->path, req, &r->mismatch);
  }
  if (r->route_hit && (r->route_hit->flags & ROUTE_STREAM))
    return start_stream(s, req, c);
  if (r->content_length != UINT64_MAX && r->content_length > s->o.max_body) {
    r->too_large = true;
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    bool waits = expect && strcasecmp(expect, "100-continue") == 0;
    if (!waits && r->content_length - s->o.max_body <= LINGER_LIMIT)
      return MHD_YES; /* discarded by body_chunk, answered at the end */
    /* Answer now: libmicrohttpd then skips the body and closes the connection. */
    log_set_request_id(req->request_id);
    dispatch(s, req);
    log_set_request_id("");
    r->dispatched = true;
    return http_resp_queue(req, c) == 0 ? MHD_YES : MHD_NO;
  }
  return MHD_YES;
}

static enum MHD_Result body_chunk(struct http_server *s, struct http_req *req, const char *data,
                                  size_t *size)
{
  struct http_resp *r = req->resp;
  size_t n = *size;
  *size = 0;
  if (!r->too_large && r->upload_len + n > s->o.max_body)
    r->too_large = true;
  if (r->too_large) {
    /* libmicrohttpd cannot answer in the middle of a body; drain a little so the
     * 413 can be sent, and drop the connection if the client keeps going. */
    r->discarded += n;
    uint64_t limit = r->content_length != UINT64_MAX ? LINGER_LIMIT + s->o.max_body : DRAIN_LIMIT;
    return r->discarded > limit ? drop() : MHD_YES;
  }
  if (r->upload_len + n + 1 > r->upload_cap) {
    size_t want = r->content_length != UINT64_MAX ? (size_t)r->content_length + 1 : 0;
    size_t cap = r->upload_cap ? r->upload_cap * 2 : 4096;
    if (want > cap)
      cap = want;
    while (cap < r->upload_len + n + 1)
      cap *= 2;
    r->upload = arena_realloc(req->a, r->upload, r->upload_cap, cap);
    r->upload_cap = cap;
  }
  memcpy(r->upload + r->upload_len, data, n);
  r->upload_len += n;
  r->upload[r->upload_len] = 0;
  return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
  struct http_server *s = cls;
  (void)version;
  struct http_req *req = *con_cls;
  if (!req) /* no uri_cb (cannot happen with 0.9.75, but be safe) */
    req = *con_cls = uri_cb(s, url, c);
  struct http_resp *r = req->resp;
  if (!r->started)
    return start_request(s, req, c, method);
  if (req->streaming)
    return stream_step(req, c, upload_data, upload_data_size);
  if (*upload_data_size)
    return body_chunk(s, req, upload_data, upload_data_size);
  if (r->dispatched)
    return MHD_YES;
  if (r->upload) {
    req->body = r->upload;
    req->body_len = r->upload_len;
  }
  log_set_request_id(req->request_id);
  dispatch(s, req);
  log_set_request_id("");
  r->dispatched = true;
  return http_resp_queue(req, c) == 0 ? MHD_YES : MHD_NO;
}

static void access_log(struct http_req *req, int status, int64_t dur_us)
{
  struct http_resp *r = req->resp;
  char ts[40];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  size_t l = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + l, sizeof ts - l, ".%03ldZ", now.tv_nsec / 1000000);
  const char *route = req->route ? req->route->pattern : "";
  const char *path = req->path ? req->path : "";
  struct buf j;
  buf_init(&j, req->a);
  buf_printf(&j, "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"access\",\"req\":", ts);
  buf_append_json_str(&j, req->request_id, strlen(req->request_id));
  buf_puts(&j, ",\"method\":");
  buf_append_json_str(&j, req->method, strlen(req->method));
  buf_puts(&j, ",\"path\":");
  buf_append_json_str(&j, path, strlen(path));
  buf_puts(&j, ",\"route\":");
  buf_append_json_str(&j, route, strlen(route));
  buf_printf(&j, ",\"status\":%d,\"duration_ms\":%.3f,\"bytes\":%zu,\"ip\":", status,
             (double)dur_us / 1000.0, r->bytes);
  buf_append_json_str(&j, req->client_ip, strlen(req->client_ip));
  buf_putc(&j, '}');
  struct buf t;
  buf_init(&t, req->a);
  buf_printf(&t, "%s %-5s %s %s %d %.1fms %zuB %s", ts + 11, "info", req->request_id, req->method,
             status, (double)dur_us / 1000.0, r->bytes, req->client_ip);
  buf_puts(&t, " ");
  /* The text line goes to a terminal: no control characters from the path. */
  for (size_t i = 0; path[i] && i < 200; i++)
    buf_putc(&t, (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i]);
  log_line(buf_cstr(&j), buf_cstr(&t));
}

static atomic_bool access_log_on = true;

void http_access_log_enable(bool on)
{
  atomic_store(&access_log_on, on);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  struct http_server *s = cls;
  (void)c;
  (void)toe;
  struct http_req *req = *con_cls;
  if (!req)
    return;
  *con_cls = NULL;
  struct http_resp *r = req->resp;
  dropping = false;
  stream_abort(req); /* an accepted stream that did not reach end: cut off, timeout, stop */
  if (r->started) {
    int64_t dur = time_mono_us() - req->started_us;
    /* 499: the client went away before an answer was queued (nginx's convention). */
    int status = r->queued ? r->status : 499;
    http_metrics_record(req->route ? req->route->pattern : NULL, req->m, status, dur);
    if (atomic_load(&access_log_on) && !r->nolog)
      access_log(req, status, dur);
    http_metrics_in_flight(-1);
    atomic_fetch_sub(&s->in_flight, 1);
  }
  arena_free(req->a);
}

/* ---- server ---- */

struct http_server *http_server_start(const struct http_server_opts *o, struct err *e)
{
  struct sockaddr_storage ss;
  socklen_t sslen = 0;
  bool v6 = false;
  if (ids_init() < 0) {
    err_set(e, CC24_E_INTERNAL, "libsodium initialisation failed");
    return NULL;
  }
  if (parse_listen(o->listen, &ss, &sslen, &v6, e) < 0)
    return NULL;
  if (o->static_dir && *o->static_dir && http_static_init(o->static_dir, e) < 0)
    return NULL;
  raise_nofile();

  struct http_server *s = xcalloc(1, sizeof *s);
  s->o = *o;
  if (s->o.threads < 2)
    s->o.threads = 2;
  if (s->o.max_connections <= 0)
    s->o.max_connections = 1024;
  if (s->o.per_ip_connections < 0)
    s->o.per_ip_connections = 0; /* 0 = no per-IP limit */
  if (s->o.connection_timeout <= 0)
    s->o.connection_timeout = 30;
  if (s->o.max_body == 0)
    s->o.max_body = DEFAULT_MAX_BODY;
  atomic_init(&s->in_flight, 0);

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      (rlim_t)s->o.max_connections + 64 > rl.rlim_cur)
    log_warn("max_connections %d is close to the open-file limit %llu", s->o.max_connections,
             (unsigned long long)rl.rlim_cur);

  unsigned backlog = (unsigned)(s->o.max_connections < 4096 ? s->o.max_connections : 4096);
  if (backlog < 128)
    backlog = 128;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                   MHD_USE_ITC | MHD_USE_TURBO;
  if (v6)
    flags |= MHD_USE_DUAL_STACK;
  uint16_t port = v6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  /* Options as a table (MHD_OPTION_ARRAY): callbacks go in as intptr_t with
   * their closure in ptr_value, as libmicrohttpd documents. */
  struct MHD_OptionItem mo[] = {
      /* first, so that even messages about the options below go to our log */
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &ss},
      {MHD_OPTION_THREAD_POOL_SIZE, s->o.threads, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->o.per_ip_connections, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, s->o.connection_timeout, NULL},
      {MHD_OPTION_LISTEN_BACKLOG_SIZE, backlog, NULL},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, s},
      {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_cb, s},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_cb, s},
      {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_none, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  s->d =
      MHD_start_daemon(flags, port, NULL, NULL, access_cb, s, MHD_OPTION_ARRAY, mo, MHD_OPTION_END);
  if (!s->d) {
    err_set(e, CC24_E_CONFIG, "cannot listen on %s", o->listen);
    free(s);
    return NULL;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di ? di->port : port;
  log_info("http: listening on %s (port %d, %d threads, %d connections, %d per IP)", o->listen,
           s->port, s->o.threads, s->o.max_connections, s->o.per_ip_connections);
  return s;
}

int http_server_port(const struct http_server *s)
{
  return s ? s->port : 0;
}

void http_server_stop(struct http_server *s, int grace_seconds)
{
  if (!s)
    return;
  MHD_socket lfd = MHD_quiesce_daemon(s->d);
  int64_t deadline = time_mono_ms() + (int64_t)(grace_seconds > 0 ? grace_seconds : 0) * 1000;
  while (atomic_load(&s->in_flight) > 0 && time_mono_ms() < deadline) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  int left = atomic_load(&s->in_flight);
  if (left > 0)
    log_warn("http: stopping with %d requests still in flight", left);
  MHD_stop_daemon(s->d);
  if (lfd != MHD_INVALID_SOCKET)
    close(lfd);
  free(s);
}

/* ---- built-in handlers ---- */

int http_handle_healthz(struct http_req *req)
{
  static const char ok[] = "{\"status\":\"ok\"}";
  http_set_header(req, "Cache-Control", "no-store");
  return http_reply_arena(req, 200, "application/json", ok, sizeof ok - 1);
}

void http_set_ready_probe(http_ready_fn fn)
{
  atomic_store(&ready_probe, fn);
}

int http_handle_readyz(struct http_req *req)
{
  static const char ready[] = "{\"status\":\"ready\"}";
  http_ready_fn fn = atomic_load(&ready_probe);
  http_set_header(req, "Cache-Control", "no-store");
  if (fn && fn(req->app) < 0) {
    req->is_api = true;
    return http_problem(req, 503, CC24_E_DB_UNAVAILABLE, "Not ready: the database is unavailable.",
                        NULL);
  }
  return http_reply_arena(req, 200, "application/json", ready, sizeof ready - 1);
}

int http_handle_metrics(struct http_req *req)
{
  struct buf b;
  buf_init(&b, req->a);
  http_metrics_render(&b);
  http_set_header(req, "Cache-Control", "no-store");
  return http_reply_arena(req, 200, "text/plain; version=0.0.4; charset=utf-8", buf_cstr(&b),
                          b.len);
}
