/* http.h — the HTTP layer: a libmicrohttpd server (internal epoll + thread
 * pool), one static route table, a per-request arena, request accessors and
 * a reply API so handlers never format protocol by hand.
 *
 * Life of a request: the server reads headers and body (413 past the body
 * limit), creates req->a (an arena freed when the response has been sent),
 * matches the route table (404 / 405), calls the `before` hook (session,
 * tenant, role, CSRF, limits — it may answer itself), then the handler. A
 * handler answers through exactly one http_reply* / http_problem* /
 * http_redirect / http_reply_fd call and returns 0; returning -1 without
 * answering gives 500. Every answer is counted in /metrics and written to the
 * access log.
 *
 * Streaming routes (ROUTE_STREAM, for uploads far larger than max_body) are
 * routed as soon as the headers are in: query, route, `before` hook (the body
 * is not parsed, so no form fields: such routes take their CSRF token from a
 * header), then the handler with req->streaming set and an empty body. It
 * answers at once (the body is then never read and the connection closes) or
 * takes the body with http_stream_accept: the server hands it over chunk by
 * chunk as it arrives, never holding it, and the `end` callback answers.
 *
 * Security headers on every answer (unless the handler set its own):
 * Content-Security-Policy without 'unsafe-inline' (scripts and styles from files)
 * and frame-ancestors 'none' (ROUTE_EMBED: *), X-Frame-Options DENY (not for
 * ROUTE_EMBED), X-Content-Type-Options nosniff, Referrer-Policy
 * strict-origin-when-cross-origin, Cross-Origin-Opener-Policy same-origin,
 * Permissions-Policy (no camera, microphone, geolocation), and
 * Strict-Transport-Security when the request came over TLS.
 *
 * Errors: API routes (path under /api/) answer application/problem+json
 * (RFC 9457) with "type", "title", "status", "detail", "code" and, for
 * validation, "errors": [{"field","code","detail"}]; other routes get an HTML
 * error page from the error_page hook. */
#ifndef CC24_HTTP_HTTP_H
#define CC24_HTTP_HTTP_H

#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct field_errors;

enum http_method {
  HTTP_GET,
  HTTP_HEAD,
  HTTP_POST,
  HTTP_PUT,
  HTTP_PATCH,
  HTTP_DELETE,
  HTTP_OPTIONS,
  HTTP__OTHER
};

/* Roles a route may require (access is decided only from the route table, in
 * web_before). The dealer roles are ordered: a higher one includes the lower ones.
 * ROLE_BUYER (a buyer account, no dealer) stands outside that order: a buyer route
 * needs exactly a buyer, and a buyer passes no dealer route — compare roles only
 * through web_role_allows(), never with < or >= (a buyer's value is below every
 * dealer role, so a stray `role >= ROLE_STAFF` denies rather than grants). */
enum role { ROLE_BUYER = -1, ROLE_PUBLIC = 0, ROLE_STAFF = 1, ROLE_OWNER = 2, ROLE_ADMIN = 3 };

/* Rate-limit classes declared per route. */
enum rl_class { RL_NONE = 0, RL_API, RL_LOGIN, RL_SIGNUP, RL_RESET, RL_FORM };

/* Route flags. */
enum {
  ROUTE_CSRF = 1u << 0,      /* state-changing form post: CSRF token required */
  ROUTE_API = 1u << 1,       /* JSON API (problem+json errors); implied by a /api/ prefix */
  ROUTE_NOLOG = 1u << 2,     /* no access log line (health checks) */
  ROUTE_EMBED = 1u << 3,     /* may be framed by any origin (the stock widget): CSP
                                frame-ancestors * and no X-Frame-Options; all other
                                routes deny framing */
  ROUTE_INTERNAL = 1u << 4,  /* operators only: answered to loopback and private-network
                                clients (10/8, 172.16/12, 192.168/16, 127/8, fc00::/7, ::1),
                                404 to anyone else (/metrics) */
  ROUTE_STREAM = 1u << 5,    /* the body is streamed to the handler (http_stream_accept),
                                not read before routing; opts.max_body does not apply */
  ROUTE_NOSESSION = 1u << 6, /* the login session is not read before the handler (it may
                               ask for it: web_load_session) — the image CDN */
  ROUTE_LANG_URL = 1u << 7   /* a public page whose language is in its URL: German at the
                               plain URL, English with ?lang=en (web_before) */
};

/* True for a loopback or private-network address ("10.1.2.3", "::1", "fd00::5"). */
bool http_ip_is_internal(const char *ip);

struct http_req;
typedef int (*http_handler)(struct http_req *req);

/* One row of the route table. pattern: literal segments, "{name}" for one segment,
 * "{*name}" (last segment only) for the rest of the path. */
struct route {
  const char *method; /* "GET", "POST", ... (GET routes also answer HEAD) */
  const char *pattern;
  http_handler handler;
  int role; /* enum role */
  unsigned flags;
  int rl; /* enum rl_class */
};

#define HTTP_MAX_PARAMS 8

struct http_req {
  struct arena *a; /* freed after the response is sent */
  void *app;       /* the application state given to http_server_start */
  enum http_method m;
  const char *method;
  const char *path;       /* percent-decoded path, no query */
  const char *raw_query;  /* "" when none */
  const char *request_id; /* X-Request-Id (incoming if sane, else generated) */
  const char *client_ip;
  const char *client_net; /* http_client_net's answer, once computed */
  const char *body;       /* NUL-terminated copy of the body ("" when none) */
  size_t body_len;
  const struct route *route;
  int nparams;
  const char *param_names[HTTP_MAX_PARAMS];
  const char *param_values[HTTP_MAX_PARAMS];
  bool is_api;    /* errors as problem+json */
  bool tls;       /* reached us over TLS (opts.tls, or a trusted proxy's X-Forwarded-Proto) */
  bool streaming; /* a ROUTE_STREAM route: the handler runs before the body is read */
  int64_t started_us;

  /* Set by the `before` hook (auth/tenant middleware). */
  int64_t tenant_id; /* 0 = none */
  const char *tenant_slug;
  int64_t user_id;
  int role;           /* enum role of the caller */
  unsigned scopes;    /* API token scopes (auth.h AUTH_SCOPE_*), 0 for sessions */
  const char *locale; /* "de" (default) or "en" */
  void *session;      /* owned by the auth layer */

  struct http_resp *resp; /* private to the server */
  void *conn;             /* private: struct MHD_Connection* */
};

/* ---- request accessors (strings live in req->a; NULL when absent) ---- */

const char *http_param(struct http_req *req, const char *name);
const char *http_header(struct http_req *req, const char *name);
const char *http_cookie(struct http_req *req, const char *name);
/* First value of a query parameter. */
const char *http_query(struct http_req *req, const char *name);
/* Every (name, value) pair of the query string in order; returns the count. */
int http_query_pairs(struct http_req *req, const char ***names, const char ***values);
/* application/x-www-form-urlencoded body fields (first value / all pairs). */
const char *http_form(struct http_req *req, const char *name);
int http_form_pairs(struct http_req *req, const char ***names, const char ***values);
/* Parse the body as a JSON object. On failure answers nothing but fills e
 * (CC24_E_MALFORMED_JSON, CC24_E_INVALID_UTF8, CC24_E_UNSUPPORTED_MEDIA_TYPE when the
 * Content-Type is not JSON) and returns NULL. The value is released with the arena. */
json_t *http_json_body(struct http_req *req, struct err *e);

/* Parse a query string / form body into pairs (exposed for tests and fuzzing). */
int http_parse_urlencoded(struct arena *a, const char *s, size_t n, const char ***names,
                          const char ***values);

/* ---- replies ---- */

/* Headers added to the response that will be sent (call before the reply). */
void http_set_header(struct http_req *req, const char *name, const char *value);
/* The answer depends on request header `field` ("Cookie"): it is listed in the one Vary
 * header of the answer, together with Accept-Encoding for compressible bodies and any
 * Vary the handler set. Idempotent. */
void http_vary(struct http_req *req, const char *field);
/* Set-Cookie; attrs e.g. "Path=/; HttpOnly; SameSite=Lax; Max-Age=3600". */
void http_set_cookie(struct http_req *req, const char *name, const char *value, const char *attrs);

/* Body is copied (or referenced when it lives in req->a: see http_reply_arena). */
int http_reply(struct http_req *req, int status, const char *content_type, const void *body,
               size_t len);
/* Body already lives in req->a (e.g. a struct buf on the arena): no copy. */
int http_reply_arena(struct http_req *req, int status, const char *content_type, const char *body,
                     size_t len);
/* Serialises j (reference stolen) as application/json. */
int http_reply_json(struct http_req *req, int status, json_t *j);
int http_reply_html(struct http_req *req, int status, const char *html, size_t len);
int http_redirect(struct http_req *req, int status, const char *location);

/* The client's address as rate limits key it: an IPv4 address as it is, an IPv6 address
 * by its /64 ("2001:db8:1:2::/64": one subscriber holds a whole /64), an IPv4-mapped
 * IPv6 address as IPv4. In req->a; computed once. */
const char *http_client_net(struct http_req *req);

/* The one judge of a redirect target taken from a request (next=, back=, a 2FA
 * challenge's stored target): p when it is a path on this site, else dflt. A path on
 * this site starts with exactly one '/', holds no control character, space or
 * backslash anywhere (browsers delete tabs and newlines inside URLs, trim leading and
 * trailing controls and spaces, and read '\\' as '/', so "/\t/evil.example" would
 * leave the site), is printable ASCII (what a browser sends: anything else arrives
 * percent-encoded) and at most 500 bytes. */
const char *http_local_target(const char *p, const char *dflt);
/* 304 when the request's If-None-Match matches etag; returns 1 when it answered. */
int http_not_modified(struct http_req *req, const char *etag);

/* The body comes from the open file fd: size bytes from offset 0 (the file's size,
 * from fstat), sent with sendfile, never gzipped; HEAD sends the headers only
 * (Content-Length: size). The server owns fd from this call on and closes it after
 * sending, also when the answer is never sent (client gone, second answer, error).
 * Security headers and http_set_header headers apply as for any reply. For 204 and
 * 304 the file is not sent. Returns 0, or -1 (fd < 0, or already answered: fd is
 * closed all the same). */
int http_reply_fd(struct http_req *req, int status, const char *content_type, int fd,
                  uint64_t size);

/* problem+json (API) or the HTML error page (site). code: enum cc24_err; detail and
 * field may be NULL. */
int http_problem(struct http_req *req, int status, int code, const char *detail, const char *field);
/* 422 listing every bad field. */
int http_problem_fields(struct http_req *req, const struct field_errors *errs);
/* Any status with a list of errors ({"field","code","detail"}), e.g. an upload whose
 * files were all refused (413 / 415 / 422). */
int http_problem_list(struct http_req *req, int status, int code, const char *detail,
                      const struct field_errors *errs);
/* From an err: maps the code to a status (not found 404, validation 422, conflict 409,
 * busy/db 503, rate 429, unauthorized 401, ...). */
int http_problem_err(struct http_req *req, const struct err *e);
int http_status_for(int code);

/* ---- streaming request bodies (ROUTE_STREAM) ---- */

/* How a ROUTE_STREAM handler receives the body. The callbacks run on the server
 * thread of the connection, one at a time, in this order: data* then end, or
 * data* then abort. */
struct http_stream {
  /* Called for each body chunk in order (n > 0; p is only valid during the call).
   * Return 0 to go on, -1 to stop reading: the handler must then have answered
   * through the normal API (http_problem, http_reply...), else the server answers
   * 400. Such an answer cannot wait for the rest of the body: the server writes it
   * to the client at once, discards what still arrives up to 1 MiB (so that the
   * client, which is still sending, does not see a reset before it reads the
   * answer), then closes the connection. abort runs right after data returned -1.
   * Such an answer is never gzipped, and http_reply_fd there becomes a 500. */
  int (*data)(struct http_req *req, void *arg, const char *p, size_t n);
  /* The whole body arrived: answer the request (exactly one http_reply* call), as a
   * handler does; returning -1 without answering gives 500. */
  int (*end)(struct http_req *req, void *arg);
  /* The request ended without `end`: the client cut off, timed out, the server
   * stopped, or the body was refused (data returned -1, the body outgrew max_bytes,
   * the handler answered after accepting). Clean up only: never answers. Runs
   * exactly once for an accepted stream that does not reach `end`, before req->a is
   * freed. A client that cuts off a body of known length is noticed at once; one
   * that cuts off a chunked body may only be noticed at the connection timeout
   * (libmicrohttpd 0.9.75 can miss the FIN under edge-triggered epoll). May be NULL. */
  void (*abort)(struct http_req *req, void *arg);
};

/* Inside a ROUTE_STREAM handler (req->streaming): receive the body through s (copied;
 * arg is passed back to each callback), then return 0 without answering.
 * max_bytes: the body limit of this route. A Content-Length above it is answered
 * 413 problem+json (CC24_E_BODY_TOO_LARGE) at once, without reading the body (abort
 * runs after the handler returns); a chunked body that grows past it stops the
 * reading: abort runs, the 413 is sent as described for `data`, the connection closes.
 * A body-less request (no Content-Length, not chunked, or Content-Length: 0) goes
 * straight to `end`. Returns 0; -1 (and logs) when req is not streaming or a body
 * was already accepted or answered. */
int http_stream_accept(struct http_req *req, const struct http_stream *s, void *arg,
                       uint64_t max_bytes);

/* ---- server ---- */

struct http_server;

/* Render an HTML error page into req (used for non-API errors); must answer. */
typedef int (*http_error_page_fn)(struct http_req *req, int status, int code, const char *detail);
/* Runs after routing, before the handler. Return 0 to continue, 1 when it answered. */
typedef int (*http_before_fn)(struct http_req *req);

struct http_server_opts {
  const char *listen; /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
  int threads;        /* thread pool size, >= 2 */
  int max_connections;
  int per_ip_connections;
  int connection_timeout; /* seconds */
  size_t max_body;        /* bytes */
  const struct route *routes;
  size_t nroutes;
  void *app;
  http_before_fn before;
  http_error_page_fn error_page;
  const char *static_dir; /* served under /static/ (NULL = none) */
  bool tls;               /* the public URL is https: every answer carries HSTS */
  bool trust_proxy;       /* believe X-Forwarded-For (last hop) and X-Forwarded-Proto */
};

struct http_server *http_server_start(const struct http_server_opts *o, struct err *e);
/* The port actually bound (for ":0" listeners in tests). */
int http_server_port(const struct http_server *s);
/* Stop accepting, let in-flight requests finish (up to grace_seconds), stop threads. */
void http_server_stop(struct http_server *s, int grace_seconds);

/* Exact route match for tests and the OpenAPI check: returns the route or NULL;
 * fills params into req (req->a must be set). *method_mismatch = 1 when the path
 * matched but no route has this method. */
const struct route *http_route_match(const struct route *routes, size_t n, const char *method,
                                     const char *path, struct http_req *req, int *method_mismatch);

/* ---- static files ---- */

/* Load every file under dir into memory (with gzip variant and ETag). 0 or -1. */
int http_static_init(const char *dir, struct err *e);
/* URL of an asset with its content hash ("css/app.css" → "/static/css/app.3fa2b1c9.css"),
 * served with Cache-Control: immutable. Unknown names return "/static/NAME". */
const char *http_static_url(const char *name);

/* ---- metrics (Prometheus text) ---- */

typedef void (*http_metrics_fn)(struct buf *out, void *arg);
/* Extra collectors (db pool, job queue depth) appended to /metrics. */
void http_metrics_add(http_metrics_fn fn, void *arg);
/* Write all metrics in text exposition format. */
void http_metrics_render(struct buf *out);

/* Built-in handlers to put in the route table. */
int http_handle_healthz(struct http_req *req);
int http_handle_metrics(struct http_req *req);
int http_handle_static(struct http_req *req); /* route "/static/{*path}" */

/* /readyz needs the database: the app gives a probe. */
typedef int (*http_ready_fn)(void *app);
void http_set_ready_probe(http_ready_fn fn);
int http_handle_readyz(struct http_req *req);

/* ---- additions (compatible with the contract above) ---- */

/* Access log lines on (default) or off (benchmarks, noisy tests). Set before start. */
void http_access_log_enable(bool on);

#endif
