/* reply.c — the reply API: handlers record one answer (status, type, body or
 * file, headers) in req->resp; the server turns it into a libmicrohttpd response
 * after the handler returns (http_resp_queue), adding the security headers,
 * X-Request-Id and gzip — or, for an answer given in the middle of a streamed
 * body, writes the same bytes to the socket itself (http_resp_write_now). Errors leave through
 * http_problem: problem+json (RFC 9457) for the API, the error_page hook (or a built-in page) for
 * the site. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"

#include "core/timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char DEFAULT_CSP[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
/* ROUTE_EMBED: the same, but any site may frame it (a dealer's own website) */
static const char EMBED_CSP[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors *; base-uri 'self'; form-action 'self'";
static const char HSTS[] = "max-age=31536000; includeSubDomains";

/* ---- headers ---- */

static bool has_header(const struct http_resp *r, const char *name)
{
  for (const struct http_hdr *h = r->headers; h; h = h->next)
    if (strcasecmp(h->name, name) == 0)
      return true;
  return false;
}

void http_set_header(struct http_req *req, const char *name, const char *value)
{
  struct http_resp *r = http_resp_of(req);
  if (!name || !value)
    return;
  struct http_hdr *h = arena_alloc(req->a, sizeof *h);
  h->name = arena_strdup(req->a, name);
  h->value = arena_strdup(req->a, value);
  h->next = NULL;
  *r->tail = h;
  r->tail = &h->next;
}

/* Is field in the comma-separated list? (case-insensitive) */
static bool list_has(const char *list, const char *field)
{
  size_t n = strlen(field);
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t l = strcspn(p, ", ");
    if (l == n && strncasecmp(p, field, n) == 0)
      return true;
    p += l;
  }
  return false;
}

void http_vary(struct http_req *req, const char *field)
{
  struct http_resp *r = http_resp_of(req);
  if (!field || !*field || list_has(r->vary, field))
    return;
  r->vary = r->vary ? arena_printf(req->a, "%s, %s", r->vary, field) : arena_strdup(req->a, field);
}

void http_set_cookie(struct http_req *req, const char *name, const char *value, const char *attrs)
{
  const char *v = attrs && *attrs
                      ? arena_printf(req->a, "%s=%s; %s", name, value ? value : "", attrs)
                      : arena_printf(req->a, "%s=%s", name, value ? value : "");
  http_set_header(req, "Set-Cookie", v);
}

void http_resp_reset(struct http_req *req)
{
  struct http_resp *r = http_resp_of(req);
  if (r->has_fd) {
    close(r->fd);
    r->has_fd = false;
  }
  r->answered = false;
  r->headers = NULL;
  r->tail = &r->headers;
  r->body = NULL;
  r->len = 0;
  r->content_type = NULL;
  r->no_compress = false;
}

/* ---- replies ---- */

static int answer(struct http_req *req, int status, const char *ct, const char *body, size_t len)
{
  struct http_resp *r = http_resp_of(req);
  if (r->answered) {
    log_error("second answer (%d) to %s %s ignored; keeping %d", status,
              req->method ? req->method : "", req->path ? req->path : "", r->status);
    return -1;
  }
  r->answered = true;
  r->status = status;
  r->content_type = ct ? arena_strdup(req->a, ct) : NULL;
  r->body = body ? body : "";
  r->len = body ? len : 0;
  return 0;
}

int http_reply(struct http_req *req, int status, const char *content_type, const void *body,
               size_t len)
{
  if (http_resp_of(req)->answered)
    return answer(req, status, NULL, NULL, 0);
  return answer(req, status, content_type, body ? arena_memdup(req->a, body, len) : NULL, len);
}

int http_reply_arena(struct http_req *req, int status, const char *content_type, const char *body,
                     size_t len)
{
  return answer(req, status, content_type, body, len);
}

int http_reply_static(struct http_req *req, int status, const char *content_type, const char *body,
                      size_t len, const char *encoding)
{
  int rc = answer(req, status, content_type, body, len);
  if (rc == 0) {
    req->resp->no_compress = true;
    if (encoding)
      http_set_header(req, "Content-Encoding", encoding);
  }
  return rc;
}

/* Arena hook: the fd of a file answer that libmicrohttpd never took over. */
static void close_fd_hook(void *p)
{
  struct http_resp *r = p;
  if (r->has_fd) {
    close(r->fd);
    r->has_fd = false;
  }
}

int http_reply_fd(struct http_req *req, int status, const char *content_type, int fd, uint64_t size)
{
  struct http_resp *r = http_resp_of(req);
  if (fd < 0) {
    log_error("http_reply_fd: no file descriptor");
    return http_problem(req, 500, CC24_E_INTERNAL, NULL, NULL);
  }
  if (r->answered) {
    close(fd);
    return answer(req, status, NULL, NULL, 0); /* logs the double answer */
  }
  int rc = answer(req, status, content_type, NULL, 0);
  r->has_fd = true;
  r->fd = fd;
  r->fd_size = size;
  r->no_compress = true;
  arena_on_free(req->a, close_fd_hook, r);
  return rc;
}

static int dump_cb(const char *p, size_t n, void *data)
{
  buf_append((struct buf *)data, p, n);
  return 0;
}

int http_reply_json(struct http_req *req, int status, json_t *j)
{
  if (!j) {
    log_error("http_reply_json: NULL value");
    return http_problem(req, 500, CC24_E_INTERNAL, NULL, NULL);
  }
  struct buf b;
  buf_init(&b, req->a);
  int rc = json_dump_callback(j, dump_cb, &b, JSON_COMPACT | JSON_REAL_PRECISION(15));
  json_decref(j);
  if (rc != 0) {
    log_error("http_reply_json: could not serialise the value");
    return http_problem(req, 500, CC24_E_INTERNAL, NULL, NULL);
  }
  return http_reply_arena(req, status, "application/json", buf_cstr(&b), b.len);
}

int http_reply_html(struct http_req *req, int status, const char *html, size_t len)
{
  return http_reply(req, status, "text/html; charset=utf-8", html, len);
}

const char *http_client_net(struct http_req *req)
{
  if (req->client_net)
    return req->client_net;
  const char *ip = req->client_ip ? req->client_ip : "";
  unsigned char v6[16];
  char out[INET6_ADDRSTRLEN + 4];
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!strchr(ip, ':') || inet_pton(AF_INET6, ip, v6) != 1) {
    req->client_net = ip; /* IPv4 (or whatever the server saw) */
  } else if (!memcmp(v6, mapped, sizeof mapped)) {
    snprintf(out, sizeof out, "%u.%u.%u.%u", v6[12], v6[13], v6[14], v6[15]);
    req->client_net = arena_strdup(req->a, out);
  } else {
    memset(v6 + 8, 0, 8);
    if (!inet_ntop(AF_INET6, v6, out, INET6_ADDRSTRLEN))
      return req->client_net = ip;
    req->client_net = arena_printf(req->a, "%s/64", out);
  }
  return req->client_net;
}

const char *http_local_target(const char *p, const char *dflt)
{
  if (!p || p[0] != '/' || p[1] == '/')
    return dflt;
  size_t n = strlen(p);
  if (n > 500)
    return dflt;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch <= 0x20 || ch >= 0x7f || ch == '\\')
      return dflt;
  }
  return p;
}

int http_redirect(struct http_req *req, int status, const char *location)
{
  if (!location || strpbrk(location, "\r\n")) {
    log_error("http_redirect: refusing a Location with CR/LF");
    return http_problem(req, 500, CC24_E_INTERNAL, NULL, NULL);
  }
  if (status < 300 || status > 399)
    status = 303;
  if (http_resp_of(req)->answered)
    return answer(req, status, NULL, NULL, 0);
  http_set_header(req, "Location", location);
  return answer(req, status, NULL, "", 0);
}

/* Opaque tags equal under the weak comparison (RFC 9110 §8.8.3.2). */
static bool etag_listed(const char *inm, const char *etag)
{
  if (!inm || !etag)
    return false;
  if (strncmp(etag, "W/", 2) == 0)
    etag += 2;
  size_t el = strlen(etag);
  const char *p = inm;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '*')
      return true;
    if (strncmp(p, "W/", 2) == 0)
      p += 2;
    const char *s = p;
    if (*p == '"') {
      p = strchr(p + 1, '"');
      if (!p)
        return false;
      p++;
    } else {
      while (*p && *p != ',')
        p++;
    }
    if ((size_t)(p - s) == el && memcmp(s, etag, el) == 0)
      return true;
    while (*p && *p != ',')
      p++;
  }
  return false;
}

int http_not_modified(struct http_req *req, const char *etag)
{
  if (!etag_listed(http_header(req, "If-None-Match"), etag))
    return 0;
  if (http_resp_of(req)->answered)
    return 0;
  http_set_header(req, "ETag", etag);
  answer(req, 304, NULL, "", 0);
  return 1;
}

/* ---- problems ---- */

int http_status_for(int code)
{
  switch (code) {
  case CC24_E_NOT_FOUND:
  case CC24_E_VEHICLE_NOT_FOUND:
  case CC24_E_TENANT_NOT_FOUND:
    return 404;
  case CC24_E_VALIDATION:
  case CC24_E_UNKNOWN_FIELD:
    return 422;
  case CC24_E_MALFORMED_JSON:
  case CC24_E_INVALID_UTF8:
  case CC24_E_BAD_REQUEST:
  case CC24_E_BAD_PARAMETER:
    return 400;
  case CC24_E_BODY_TOO_LARGE:
  case CC24_E_QUOTA_EXCEEDED:
    return 413;
  case CC24_E_IMAGE_INVALID:
  case CC24_E_IMAGE_TOO_LARGE:
    return 422;
  case CC24_E_UNSUPPORTED_MEDIA_TYPE:
    return 415;
  case CC24_E_UNAUTHORIZED:
    return 401;
  case CC24_E_FORBIDDEN:
  case CC24_E_CSRF:
    return 403;
  case CC24_E_RATE_LIMITED:
    return 429;
  case CC24_E_CONFLICT:
  case CC24_E_DB_CONSTRAINT:
    return 409;
  case CC24_E_DB_BUSY:
  case CC24_E_DB_UNAVAILABLE:
    return 503;
  case CC24_E_GONE:
    return 410;
  case CC24_E_METHOD_NOT_ALLOWED:
    return 405;
  default:
    return 500;
  }
}

static const char *reason(int status)
{
  const char *r = MHD_get_reason_phrase_for((unsigned)status);
  return r && *r ? r : "Error";
}

/* "CC24_E_VEHICLE_NOT_FOUND" → "https://cc24.dev/problems/vehicle-not-found" */
static const char *problem_type(struct arena *a, int code)
{
  if (code <= 0)
    return "about:blank";
  const char *name = err_name(code);
  if (strncmp(name, "CC24_E_", 7) == 0)
    name += 7;
  char *s = arena_printf(a, "https://cc24.dev/problems/%s", name);
  for (char *p = s + 26; *p; p++)
    *p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
  return s;
}

static void json_kv(struct buf *b, const char *k, const char *v, bool comma)
{
  if (comma)
    buf_putc(b, ',');
  buf_append_json_str(b, k, strlen(k));
  buf_putc(b, ':');
  buf_append_json_str(b, v, strlen(v));
}

static void add_status_headers(struct http_req *req, int status)
{
  struct http_resp *r = http_resp_of(req);
  if (status == 401 && !has_header(r, "WWW-Authenticate"))
    http_set_header(req, "WWW-Authenticate", "Bearer");
}

/* title: the code's text with a capital first letter, or the reason phrase. */
static const char *problem_title(struct arena *a, int status, int code)
{
  if (code <= 0)
    return reason(status);
  char *t = arena_strdup(a, err_text(code));
  t[0] = (char)toupper((unsigned char)t[0]);
  return t;
}

static int problem_json(struct http_req *req, int status, int code, const char *detail,
                        const struct field_errors *errs, const char *field)
{
  struct buf b;
  buf_init(&b, req->a);
  buf_putc(&b, '{');
  json_kv(&b, "type", problem_type(req->a, code), false);
  json_kv(&b, "title", problem_title(req->a, status, code), true);
  buf_printf(&b, ",\"status\":%d", status);
  json_kv(&b, "detail", detail ? detail : problem_title(req->a, status, code), true);
  if (code > 0)
    json_kv(&b, "code", err_name(code), true);
  json_kv(&b, "instance", req->path ? req->path : "", true);
  if (req->request_id)
    json_kv(&b, "request_id", req->request_id, true);
  if (errs && errs->n > 0) {
    buf_puts(&b, ",\"errors\":[");
    for (int i = 0; i < errs->n; i++) {
      const struct field_error *fe = &errs->e[i];
      buf_puts(&b, i ? ",{" : "{");
      json_kv(&b, "field", fe->field ? fe->field : "", false);
      json_kv(&b, "code", fe->code ? fe->code : "invalid", true);
      json_kv(&b, "detail", fe->detail ? fe->detail : "", true);
      buf_putc(&b, '}');
    }
    buf_putc(&b, ']');
  } else if (field && *field) {
    buf_puts(&b, ",\"errors\":[{");
    json_kv(&b, "field", field, false);
    json_kv(&b, "code", "invalid", true);
    json_kv(&b, "detail", detail ? detail : problem_title(req->a, status, code), true);
    buf_puts(&b, "}]");
  }
  buf_putc(&b, '}');
  add_status_headers(req, status);
  return http_reply_arena(req, status, "application/problem+json", buf_cstr(&b), b.len);
}

static int builtin_error_page(struct http_req *req, int status, int code, const char *detail)
{
  struct buf b;
  buf_init(&b, req->a);
  const char *title = reason(status);
  buf_printf(&b,
             "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             "<title>%d ",
             status);
  buf_append_html(&b, title, strlen(title));
  buf_printf(&b, "</title></head>\n<body><main><h1>%d ", status);
  buf_append_html(&b, title, strlen(title));
  buf_puts(&b, "</h1>\n<p>");
  const char *d = detail ? detail : (code > 0 ? err_text(code) : title);
  buf_append_html(&b, d, strlen(d));
  buf_puts(&b, "</p>\n");
  if (req->request_id) {
    buf_puts(&b, "<p><small>Request-ID: ");
    buf_append_html(&b, req->request_id, strlen(req->request_id));
    buf_puts(&b, "</small></p>\n");
  }
  buf_puts(&b, "</main></body></html>\n");
  add_status_headers(req, status);
  return http_reply_arena(req, status, "text/html; charset=utf-8", buf_cstr(&b), b.len);
}

static int problem_any(struct http_req *req, int status, int code, const char *detail,
                       const struct field_errors *errs, const char *field)
{
  struct http_resp *r = http_resp_of(req);
  if (r->answered)
    return answer(req, status, NULL, NULL, 0); /* logs the double answer */
  if (status < 400 || status > 599)
    status = 500;
  if (req->is_api)
    return problem_json(req, status, code, detail, errs, field);
  struct http_server *s = r->srv;
  if (s && s->o.error_page && !r->in_error_page) {
    r->in_error_page = true;
    add_status_headers(req, status);
    const char *d = detail;
    if (errs && errs->n > 0) {
      struct buf b;
      buf_init(&b, req->a);
      for (int i = 0; i < errs->n; i++)
        buf_printf(&b, "%s%s: %s", i ? "; " : "", errs->e[i].field, errs->e[i].detail);
      d = buf_cstr(&b);
    }
    s->o.error_page(req, status, code, d);
    r->in_error_page = false;
    if (r->answered)
      return 0;
    log_warn("error_page hook did not answer %d; using the built-in page", status);
  }
  return builtin_error_page(req, status, code, detail);
}

int http_problem(struct http_req *req, int status, int code, const char *detail, const char *field)
{
  return problem_any(req, status, code, detail, NULL, field);
}

int http_problem_fields(struct http_req *req, const struct field_errors *errs)
{
  return problem_any(req, 422, CC24_E_VALIDATION, "One or more fields are invalid.", errs, NULL);
}

int http_problem_list(struct http_req *req, int status, int code, const char *detail,
                      const struct field_errors *errs)
{
  return problem_any(req, status, code, detail, errs, NULL);
}

int http_problem_err(struct http_req *req, const struct err *e)
{
  int code = e && e->code ? e->code : CC24_E_INTERNAL;
  int status = http_status_for(code);
  const char *detail = e && e->msg[0] ? e->msg : NULL;
  if (status >= 500) {
    /* Server-side messages can name tables, files or hosts: log them, don't send them. */
    log_error("%s: %s", err_name(code), detail ? detail : "");
    detail = NULL;
  }
  const char *field = e && e->field[0] ? e->field : NULL;
  return problem_any(req, status, code, detail, NULL, field);
}

/* ---- gzip ---- */

bool http_type_compressible(const char *ct)
{
  if (!ct)
    return false;
  if (strncasecmp(ct, "text/", 5) == 0)
    return true;
  static const char *const types[] = {"application/json",          "application/problem+json",
                                      "application/javascript",    "image/svg+xml",
                                      "application/manifest+json", "application/xml"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (http_media_is(ct, types[i]))
      return true;
  return false;
}

/* One deflate state per thread, reset per use: deflateInit allocates ~270 KiB,
 * too much to repeat per response. Freed when the thread exits. */
static pthread_key_t z_key;
static pthread_once_t z_once = PTHREAD_ONCE_INIT;

static void z_free(void *p)
{
  z_stream *z = p;
  deflateEnd(z);
  free(z);
}

static void z_key_init(void)
{
  pthread_key_create(&z_key, z_free);
}

static z_stream *z_get(void)
{
  pthread_once(&z_once, z_key_init);
  z_stream *z = pthread_getspecific(z_key);
  if (z) {
    deflateReset(z);
    return z;
  }
  z = xcalloc(1, sizeof *z);
  if (deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(z);
    return NULL;
  }
  pthread_setspecific(z_key, z);
  return z;
}

char *http_gzip(struct arena *a, const char *src, size_t n, size_t *out_len)
{
  z_stream *z = z_get();
  if (!z || n > UINT32_MAX)
    return NULL;
  uLong bound = deflateBound(z, (uLong)n);
  char *out = a ? arena_alloc(a, bound) : xmalloc(bound);
  z->next_in = (Bytef *)src;
  z->avail_in = (uInt)n;
  z->next_out = (Bytef *)out;
  z->avail_out = (uInt)bound;
  int rc = deflate(z, Z_FINISH);
  if (rc != Z_STREAM_END || z->total_out >= n) {
    if (!a)
      free(out);
    return NULL;
  }
  *out_len = z->total_out;
  return out;
}

/* ---- to libmicrohttpd ---- */

static void add(struct MHD_Response *m, const char *name, const char *value)
{
  if (MHD_add_response_header(m, name, value) != MHD_YES)
    log_warn("response header %s rejected (control characters?)", name);
}

/* Where the response headers go: a libmicrohttpd response, or raw bytes. */
struct hdr_sink {
  struct MHD_Response *m;
  struct buf *raw;
};

static void emit(struct hdr_sink *k, const char *name, const char *value)
{
  if (k->m) {
    add(k->m, name, value);
    return;
  }
  /* the checks MHD_add_response_header makes */
  bool ok = *name && !strpbrk(value, "\r\n");
  for (const char *p = name; *p && ok; p++)
    ok = (unsigned char)*p > 0x20 && *p != ':' && *p != 0x7f;
  if (!ok) {
    log_warn("response header %s rejected (control characters?)", name);
    return;
  }
  buf_printf(k->raw, "%s: %s\r\n", name, value);
}

/* Every header of the answer but Content-Length (and Date): the handler's, the
 * security headers, X-Request-Id, Allow, Connection: close. */
static void emit_headers(struct http_req *req, struct hdr_sink *k, bool bodyless, bool compressible,
                         const char *encoding)
{
  struct http_resp *r = http_resp_of(req);
  if (r->content_type && !bodyless)
    emit(k, "Content-Type", r->content_type);
  /* one Vary header: the handler's, http_vary's fields and Accept-Encoding */
  char vary[256];
  size_t vl = 0;
  vary[0] = 0;
  for (const struct http_hdr *h = r->headers; h; h = h->next) {
    if (r->content_type && strcasecmp(h->name, "Content-Type") == 0)
      continue;
    if (strcasecmp(h->name, "Vary") == 0) {
      if (!list_has(vary, h->value) && vl + strlen(h->value) + 3 < sizeof vary)
        vl += (size_t)snprintf(vary + vl, sizeof vary - vl, "%s%s", vl ? ", " : "", h->value);
      continue;
    }
    emit(k, h->name, h->value);
  }
  if (encoding)
    emit(k, "Content-Encoding", encoding);
  for (const char *p = r->vary; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t l = strcspn(p, ", ");
    char f[64];
    if (l && l < sizeof f) {
      memcpy(f, p, l);
      f[l] = 0;
      if (!list_has(vary, f) && vl + l + 3 < sizeof vary)
        vl += (size_t)snprintf(vary + vl, sizeof vary - vl, "%s%s", vl ? ", " : "", f);
    }
    p += l;
  }
  if (compressible && !list_has(vary, "Accept-Encoding") && vl + 20 < sizeof vary)
    vl += (size_t)snprintf(vary + vl, sizeof vary - vl, "%sAccept-Encoding", vl ? ", " : "");
  if (vl)
    emit(k, "Vary", vary);
  if (!has_header(r, "X-Content-Type-Options"))
    emit(k, "X-Content-Type-Options", "nosniff");
  if (!has_header(r, "Referrer-Policy"))
    emit(k, "Referrer-Policy", "strict-origin-when-cross-origin");
  bool embed = req->route && (req->route->flags & ROUTE_EMBED) && r->status < 400;
  if (!embed && !has_header(r, "X-Frame-Options"))
    emit(k, "X-Frame-Options", "DENY");
  if (!has_header(r, "Content-Security-Policy"))
    emit(k, "Content-Security-Policy", embed ? EMBED_CSP : DEFAULT_CSP);
  if (!has_header(r, "Cross-Origin-Opener-Policy"))
    emit(k, "Cross-Origin-Opener-Policy", "same-origin");
  if (!has_header(r, "Permissions-Policy"))
    emit(k, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (req->tls && !has_header(r, "Strict-Transport-Security"))
    emit(k, "Strict-Transport-Security", HSTS);
  if (req->request_id)
    emit(k, "X-Request-Id", req->request_id);
  if (r->allow && (r->status == 405 || req->m == HTTP_OPTIONS) && !has_header(r, "Allow"))
    emit(k, "Allow", r->allow);
  if (r->close)
    emit(k, "Connection", "close");
}

static bool status_bodyless(int status)
{
  return status == 204 || status == 304 || (status >= 100 && status < 200);
}

int http_resp_queue(struct http_req *req, struct MHD_Connection *c)
{
  struct http_resp *r = http_resp_of(req);
  const char *body = r->body ? r->body : "";
  size_t len = r->len;
  bool bodyless = status_bodyless(r->status);
  if (bodyless)
    len = 0;
  bool compressible = !r->no_compress && !bodyless && len >= HTTP_GZIP_MIN &&
                      http_type_compressible(r->content_type) && !has_header(r, "Content-Encoding");
  const char *encoding = NULL;
  if (compressible && http_accepts_gzip(http_header(req, "Accept-Encoding"))) {
    size_t zl;
    char *z = http_gzip(req->a, body, len, &zl);
    if (z) {
      body = z;
      len = zl;
      encoding = "gzip";
    }
  }
  struct MHD_Response *m;
  uint64_t bytes = len;
  if (r->has_fd && !bodyless) {
    /* sendfile from the file; libmicrohttpd closes fd with the response */
    m = MHD_create_response_from_fd64(r->fd_size, r->fd);
    if (m)
      r->has_fd = false;
    bytes = r->fd_size;
  } else {
    if (r->has_fd) {
      close(r->fd);
      r->has_fd = false;
    }
    m = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
  }
  if (!m)
    return -1;
  struct hdr_sink k = {.m = m};
  emit_headers(req, &k, bodyless, compressible, encoding);
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, m);
  MHD_destroy_response(m);
  if (ok != MHD_YES)
    return -1;
  r->queued = true;
  r->bytes = req->m == HTTP_HEAD ? 0 : (size_t)bytes;
  return 0;
}

/* "Tue, 15 Nov 1994 08:12:31 GMT" (RFC 9110 IMF-fixdate; no locale involved) */
static void http_date(char out[32])
{
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
           months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int http_resp_write_now(struct http_req *req, struct MHD_Connection *c)
{
  struct http_resp *r = http_resp_of(req);
  if (r->has_fd) {
    /* a file answer in the middle of a body: not worth a second sending path */
    log_error("http_reply_fd cannot answer in the middle of a request body; answering 500");
    http_resp_reset(req);
    http_problem(req, 500, CC24_E_INTERNAL, NULL, NULL);
  }
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (!ci || ci->connect_fd == MHD_INVALID_SOCKET)
    return -1;
  int fd = ci->connect_fd;
  bool bodyless = status_bodyless(r->status);
  size_t len = bodyless ? 0 : r->len;
  r->close = true;
  struct buf b;
  buf_init(&b, req->a);
  char date[32];
  http_date(date);
  buf_printf(&b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", r->status, reason(r->status), date);
  struct hdr_sink k = {.raw = &b};
  emit_headers(req, &k, bodyless, false, NULL);
  if (!bodyless)
    buf_printf(&b, "Content-Length: %zu\r\n", len);
  buf_puts(&b, "\r\n");
  if (len && req->m != HTTP_HEAD)
    buf_append(&b, r->body, len);
  /* The socket is non-blocking; an answer of a few hundred bytes fits its empty send
   * buffer at once, but wait a little if it does not. */
  const char *p = b.data;
  size_t left = b.len;
  int64_t deadline = time_mono_ms() + 1000;
  while (left) {
    ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      left -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR)
      continue;
    int wait = (int)(deadline - time_mono_ms());
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait > 0) {
      struct pollfd pf = {.fd = fd, .events = POLLOUT};
      poll(&pf, 1, wait);
      continue;
    }
    return -1;
  }
  /* The answer is complete: FIN after it, so the client sees the end at once while
   * the server still reads (and discards) what it keeps sending. */
  shutdown(fd, SHUT_WR);
  r->queued = true;
  r->bytes = req->m == HTTP_HEAD ? 0 : len;
  return 0;
}
