/* router.c — matching a decoded path against the one route table.
 *
 * Patterns are '/'-separated segments: literals, "{name}" (exactly one
 * non-empty segment) and "{*name}" (last segment only: the non-empty rest of
 * the path, slashes included). When several patterns match, the most specific
 * wins regardless of table order: segments are compared left to right and a
 * literal beats a parameter, which beats a wildcard ("/vehicles/search" beats
 * "/vehicles/{id}"). Among equally specific patterns the first in the table
 * wins. A trailing slash is significant: "/x/" does not match "/x" and gets a
 * 404 (no redirect: a redirect would hide wrong links instead of fixing them).
 *
 * The table is scanned linearly with no allocation for non-matching routes;
 * with a few hundred routes this costs a few microseconds per request. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/str.h"

#include <string.h>

#define MAX_RANKS 32

enum { RANK_LITERAL = 0, RANK_PARAM = 1, RANK_WILDCARD = 2 };

struct span {
  const char *name; /* points into the pattern, after '{' or "{*" */
  size_t name_len;
  const char *val; /* points into the path */
  size_t val_len;
};

struct match {
  unsigned char rank[MAX_RANKS];
  int nrank;
  struct span caps[HTTP_MAX_PARAMS];
  int ncaps;
};

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

int http_path_decode(struct arena *a, const char *raw, size_t n, char **out)
{
  *out = NULL;
  if (n == 0 || raw[0] != '/')
    return -1;
  char *d = arena_alloc(a, n + 1);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)raw[i];
    if (c == '%' && i + 2 < n && hexval(raw[i + 1]) >= 0 && hexval(raw[i + 2]) >= 0) {
      c = hexval(raw[i + 1]) * 16 + hexval(raw[i + 2]);
      i += 2;
    }
    if (c == 0)
      return -1;
    d[j++] = (char)c;
  }
  d[j] = 0;
  if (!utf8_valid(d, j))
    return -1;
  *out = d;
  return 0;
}

/* Match one pattern against path; fills m. */
static bool match_one(const char *pat, const char *path, struct match *m)
{
  m->nrank = 0;
  m->ncaps = 0;
  if (*pat != '/' || *path != '/')
    return false;
  pat++;
  path++;
  for (;;) {
    const char *pe = strchr(pat, '/');
    size_t plen = pe ? (size_t)(pe - pat) : strlen(pat);
    const char *se = strchr(path, '/');
    size_t slen = se ? (size_t)(se - path) : strlen(path);
    int rank;
    if (plen >= 3 && pat[0] == '{' && pat[1] == '*' && pat[plen - 1] == '}') {
      size_t rest = strlen(path);
      if (rest == 0)
        return false;
      if (m->ncaps < HTTP_MAX_PARAMS)
        m->caps[m->ncaps++] = (struct span){pat + 2, plen - 3, path, rest};
      if (m->nrank < MAX_RANKS)
        m->rank[m->nrank++] = RANK_WILDCARD;
      return true; /* a wildcard ends the pattern */
    } else if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
      if (slen == 0)
        return false;
      if (m->ncaps < HTTP_MAX_PARAMS)
        m->caps[m->ncaps++] = (struct span){pat + 1, plen - 2, path, slen};
      rank = RANK_PARAM;
    } else {
      if (plen != slen || memcmp(pat, path, plen) != 0)
        return false;
      rank = RANK_LITERAL;
    }
    if (m->nrank < MAX_RANKS)
      m->rank[m->nrank++] = (unsigned char)rank;
    if (!pe || !se)
      return !pe && !se;
    pat = pe + 1;
    path = se + 1;
  }
}

/* <0 when a is more specific than b. */
static int compare_rank(const struct match *a, const struct match *b)
{
  int n = a->nrank < b->nrank ? a->nrank : b->nrank;
  for (int i = 0; i < n; i++)
    if (a->rank[i] != b->rank[i])
      return a->rank[i] < b->rank[i] ? -1 : 1;
  return 0;
}

static bool method_ok(const char *route_method, const char *method)
{
  if (strcmp(route_method, method) == 0)
    return true;
  return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

const struct route *http_route_match(const struct route *routes, size_t n, const char *method,
                                     const char *path, struct http_req *req, int *method_mismatch)
{
  struct match best = {.nrank = 0}, cur;
  const struct route *found = NULL;
  bool path_matched = false;
  if (method_mismatch)
    *method_mismatch = 0;
  if (!path || !method)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    const struct route *r = &routes[i];
    if (!r->pattern || !r->method || !match_one(r->pattern, path, &cur))
      continue;
    path_matched = true;
    if (!method_ok(r->method, method))
      continue;
    int c = found ? compare_rank(&cur, &best) : -1;
    /* An exact method beats GET serving HEAD when both are equally specific. */
    if (c == 0 && strcmp(r->method, method) == 0 && strcmp(found->method, method) != 0)
      c = -1;
    if (c < 0) {
      found = r;
      best = cur;
    }
  }
  if (!found) {
    if (method_mismatch && path_matched)
      *method_mismatch = 1;
    return NULL;
  }
  if (req) {
    req->nparams = 0;
    for (int i = 0; i < best.ncaps; i++) {
      req->param_names[i] = arena_strndup(req->a, best.caps[i].name, best.caps[i].name_len);
      req->param_values[i] = arena_strndup(req->a, best.caps[i].val, best.caps[i].val_len);
      req->nparams++;
    }
  }
  return found;
}

const char *http_route_allow(struct arena *a, const struct route *routes, size_t n,
                             const char *path)
{
  static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  enum { NORDER = sizeof order / sizeof order[0] };
  bool have[NORDER] = {false};
  const char *other[16];
  int nother = 0;
  bool any = false;
  struct match m;
  for (size_t i = 0; i < n; i++) {
    const struct route *r = &routes[i];
    if (!r->pattern || !r->method || !match_one(r->pattern, path, &m))
      continue;
    any = true;
    bool known = false;
    for (int k = 0; k < NORDER; k++)
      if (strcmp(r->method, order[k]) == 0) {
        have[k] = known = true;
        if (k == 0)
          have[1] = true; /* GET routes answer HEAD */
      }
    if (!known && nother < 16) {
      bool dup = false;
      for (int k = 0; k < nother; k++)
        dup |= strcmp(other[k], r->method) == 0;
      if (!dup)
        other[nother++] = r->method;
    }
  }
  if (!any)
    return NULL;
  have[NORDER - 1] = true; /* OPTIONS is always answered */
  size_t len = 0;
  for (int k = 0; k < NORDER; k++)
    if (have[k])
      len += strlen(order[k]) + 2;
  for (int k = 0; k < nother; k++)
    len += strlen(other[k]) + 2;
  char *s = arena_alloc(a, len + 1), *p = s;
  for (int k = 0; k < NORDER + nother; k++) {
    const char *name = k < NORDER ? (have[k] ? order[k] : NULL) : other[k - NORDER];
    if (!name)
      continue;
    if (p != s) {
      *p++ = ',';
      *p++ = ' ';
    }
    size_t l = strlen(name);
    memcpy(p, name, l);
    p += l;
  }
  *p = 0;
  return s;
}
