/* request.c — request accessors: route params, headers, cookies, query and
 * form pairs, the JSON body.
 *
 * Query strings and form bodies are parsed by the server before the handler
 * runs (a malformed one is answered with 400), so the accessors never fail;
 * they only find. Everything they return lives in req->a. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <string.h>

struct http_resp *http_resp_of(struct http_req *req)
{
  if (!req->resp) {
    struct http_resp *r = arena_zalloc(req->a, sizeof *r);
    r->tail = &r->headers;
    r->content_length = UINT64_MAX;
    req->resp = r;
  }
  return req->resp;
}

enum http_method http_method_parse(const char *m)
{
  static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
    if (strcmp(m, names[i]) == 0)
      return (enum http_method)i;
  return HTTP__OTHER;
}

const char *http_method_name(enum http_method m)
{
  static const char *const names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                      "PATCH", "DELETE", "OPTIONS", "OTHER"};
  return (unsigned)m <= HTTP__OTHER ? names[m] : "OTHER";
}

bool http_media_is(const char *ct, const char *type)
{
  if (!ct)
    return false;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strcspn(ct, ";");
  while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
    n--;
  return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

/* application/json or application/<anything>+json */
static bool media_is_json(const char *ct)
{
  if (!ct)
    return false;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strcspn(ct, ";");
  while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
    n--;
  if (n < 12 || strncasecmp(ct, "application/", 12) != 0)
    return false;
  const char *sub = ct + 12;
  size_t sn = n - 12;
  if (sn == 4 && strncasecmp(sub, "json", 4) == 0)
    return true;
  return sn > 5 && strncasecmp(sub + sn - 5, "+json", 5) == 0 && memchr(sub, '/', sn) == NULL;
}

const char *http_param(struct http_req *req, const char *name)
{
  for (int i = 0; i < req->nparams; i++)
    if (strcmp(req->param_names[i], name) == 0)
      return req->param_values[i];
  return NULL;
}

const char *http_header(struct http_req *req, const char *name)
{
  if (!req->conn)
    return NULL;
  return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

/* ---- urlencoded ---- */

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decode one component: '+' is a space, %XX a byte, a stray '%' stays literal. */
static char *decode_component(struct arena *a, const char *s, size_t n, bool *ok)
{
  char *d = arena_alloc(a, n + 1);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    }
    d[j++] = c;
  }
  d[j] = 0;
  /* utf8_valid also rejects NUL bytes (%00 or a raw NUL). */
  if (!utf8_valid(d, j))
    *ok = false;
  return d;
}

int http_parse_urlencoded(struct arena *a, const char *s, size_t n, const char ***names,
                          const char ***values)
{
  *names = NULL;
  *values = NULL;
  if (!s || n == 0)
    return 0;
  /* Count pairs first so the arrays are allocated once. */
  size_t count = 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '&')
      count++;
  if (count > HTTP_MAX_PAIRS * 4)
    return -1; /* cheap early reject of absurd inputs */
  const char **nv = arena_alloc(a, count * sizeof *nv);
  const char **vv = arena_alloc(a, count * sizeof *vv);
  int k = 0;
  bool ok = true;
  size_t i = 0;
  while (i <= n) {
    size_t start = i;
    while (i < n && s[i] != '&')
      i++;
    size_t len = i - start;
    if (len > 0) {
      if (k >= HTTP_MAX_PAIRS)
        return -1;
      const char *p = s + start;
      const char *eq = memchr(p, '=', len);
      size_t nlen = eq ? (size_t)(eq - p) : len;
      nv[k] = decode_component(a, p, nlen, &ok);
      vv[k] = eq ? decode_component(a, eq + 1, len - nlen - 1, &ok) : "";
      if (!ok)
        return -1;
      k++;
    }
    i++; /* skip '&' (or step past the end) */
  }
  *names = nv;
  *values = vv;
  return k;
}

int http_req_parse_query(struct http_req *req)
{
  struct http_resp *r = http_resp_of(req);
  if (r->query_parsed)
    return r->nquery;
  r->query_parsed = true;
  const char *q = req->raw_query ? req->raw_query : "";
  int n = http_parse_urlencoded(req->a, q, strlen(q), &r->qnames, &r->qvalues);
  r->nquery = n < 0 ? 0 : n;
  return n;
}

int http_req_parse_form(struct http_req *req)
{
  struct http_resp *r = http_resp_of(req);
  if (r->form_parsed)
    return r->nform;
  r->form_parsed = true;
  int n = 0;
  if (req->body && req->body_len &&
      http_media_is(http_header(req, "Content-Type"), "application/x-www-form-urlencoded"))
    n = http_parse_urlencoded(req->a, req->body, req->body_len, &r->fnames, &r->fvalues);
  r->nform = n < 0 ? 0 : n;
  return n;
}

static const char *first_of(int n, const char **names, const char **values, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

const char *http_query(struct http_req *req, const char *name)
{
  http_req_parse_query(req);
  struct http_resp *r = req->resp;
  return first_of(r->nquery, r->qnames, r->qvalues, name);
}

int http_query_pairs(struct http_req *req, const char ***names, const char ***values)
{
  http_req_parse_query(req);
  *names = req->resp->qnames;
  *values = req->resp->qvalues;
  return req->resp->nquery;
}

const char *http_form(struct http_req *req, const char *name)
{
  http_req_parse_form(req);
  struct http_resp *r = req->resp;
  return first_of(r->nform, r->fnames, r->fvalues, name);
}

int http_form_pairs(struct http_req *req, const char ***names, const char ***values)
{
  http_req_parse_form(req);
  *names = req->resp->fnames;
  *values = req->resp->fvalues;
  return req->resp->nform;
}

/* ---- cookies ---- */

/* Cookie: a=1; b="two"  (RFC 6265 §5.4; the first of duplicate names wins on lookup) */
static void parse_cookies(struct http_req *req)
{
  struct http_resp *r = http_resp_of(req);
  r->cookies_parsed = true;
  const char *h = http_header(req, "Cookie");
  if (!h || !*h)
    return;
  int cap = 1;
  for (const char *p = h; *p; p++)
    cap += *p == ';';
  if (cap > HTTP_MAX_PAIRS)
    cap = HTTP_MAX_PAIRS;
  r->cnames = arena_alloc(req->a, (size_t)cap * sizeof *r->cnames);
  r->cvalues = arena_alloc(req->a, (size_t)cap * sizeof *r->cvalues);
  const char *p = h;
  while (*p && r->ncookies < cap) {
    while (*p == ' ' || *p == '\t' || *p == ';')
      p++;
    const char *start = p;
    while (*p && *p != ';')
      p++;
    const char *end = p;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
      end--;
    const char *eq = memchr(start, '=', (size_t)(end - start));
    if (!eq || eq == start)
      continue;
    const char *ne = eq;
    while (ne > start && (ne[-1] == ' ' || ne[-1] == '\t'))
      ne--;
    const char *vs = eq + 1;
    while (vs < end && (*vs == ' ' || *vs == '\t'))
      vs++;
    const char *ve = end;
    if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
      vs++;
      ve--;
    }
    r->cnames[r->ncookies] = arena_strndup(req->a, start, (size_t)(ne - start));
    r->cvalues[r->ncookies] = arena_strndup(req->a, vs, (size_t)(ve - vs));
    r->ncookies++;
  }
}

const char *http_cookie(struct http_req *req, const char *name)
{
  struct http_resp *r = http_resp_of(req);
  if (!r->cookies_parsed)
    parse_cookies(req);
  return first_of(r->ncookies, r->cnames, r->cvalues, name);
}

/* ---- JSON body ---- */

/* Nesting depth of a JSON text (strings skipped); stops counting past max. */
static bool json_depth_ok(const char *s, size_t n, int max)
{
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max)
        return false;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return true;
}

json_t *http_json_body(struct http_req *req, struct err *e)
{
  struct http_resp *r = http_resp_of(req);
  if (!r->json_parsed) {
    r->json_parsed = true;
    struct err *je = &r->json_err;
    const char *body = req->body ? req->body : "";
    if (!media_is_json(http_header(req, "Content-Type"))) {
      err_set(je, CC24_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    } else if (req->body_len == 0) {
      err_set(je, CC24_E_MALFORMED_JSON, "the request body is empty");
    } else if (!utf8_valid(body, req->body_len)) {
      err_set(je, CC24_E_INVALID_UTF8, "the request body is not valid UTF-8");
    } else if (!json_depth_ok(body, req->body_len, HTTP_MAX_JSON_DEPTH)) {
      err_set(je, CC24_E_MALFORMED_JSON, "JSON nested deeper than %d levels", HTTP_MAX_JSON_DEPTH);
    } else {
      json_error_t jerr;
      json_t *j = json_loadb(body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
      if (!j) {
        err_set(je, CC24_E_MALFORMED_JSON, "%s (line %d, column %d)", jerr.text, jerr.line,
                jerr.column);
      } else if (!json_is_object(j)) {
        json_decref(j);
        err_set(je, CC24_E_MALFORMED_JSON, "the request body must be a JSON object");
      } else {
        r->json = json_arena(req->a, j);
      }
    }
  }
  if (!r->json && e)
    *e = r->json_err;
  return r->json;
}

/* ---- Accept-Encoding ---- */

bool http_accepts_gzip(const char *ae)
{
  if (!ae)
    return false;
  const char *p = ae;
  bool star = false;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *tok = p;
    while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
      p++;
    size_t tl = (size_t)(p - tok);
    bool gz = (tl == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tl == 1 && *tok == '*');
    bool q0 = false;
    while (*p && *p != ',') {
      if (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t')
          p++;
        if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
          const char *v = p + 2;
          /* q=0, q=0.0, q=0.000 mean "not acceptable" */
          if (*v == '0') {
            v++;
            if (*v == '.')
              v++;
            while (*v == '0')
              v++;
            q0 = !(*v >= '1' && *v <= '9');
          }
        }
        continue;
      }
      p++;
    }
    if (gz && tl == 4)
      return !q0; /* an explicit gzip entry decides */
    if (gz)
      star = !q0;
  }
  return star;
}

bool http_ip_is_internal(const char *ip)
{
  if (!ip)
    return false;
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, ip, &a4) == 1) {
    uint32_t v = ntohl(a4.s_addr);
    return (v >> 24) == 127 || (v >> 24) == 10 || (v >> 20) == (172u << 4 | 1) ||
           (v >> 16) == (192u << 8 | 168);
  }
  if (inet_pton(AF_INET6, ip, &a6) == 1) {
    static const uint8_t loop[16] = {[15] = 1};
    if (!memcmp(a6.s6_addr, loop, 16))
      return true;
    if ((a6.s6_addr[0] & 0xfe) == 0xfc) /* unique local fc00::/7 */
      return true;
    /* IPv4-mapped ::ffff:a.b.c.d */
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (!memcmp(a6.s6_addr, mapped, 12)) {
      char v4[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, a6.s6_addr + 12, v4, sizeof v4))
        return http_ip_is_internal(v4);
    }
  }
  return false;
}
