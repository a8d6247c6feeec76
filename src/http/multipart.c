/* multipart.c — the incremental multipart/form-data parser (see multipart.h).
 *
 * The body is a stream of states: the preamble, then for each part a delimiter
 * line, a header block and the part's data, then the closing delimiter and the
 * epilogue. The only buffered bytes are a part's header block; everything else is
 * decided byte by byte, so chunk boundaries can fall anywhere.
 *
 * Finding the delimiter D = CRLF "--" boundary in part data: the boundary has no CR
 * (RFC 2046 bchars), so CR occurs in D only at position 0. A candidate therefore
 * starts at a CR, and when it fails after k bytes no later start can hide inside
 * those k bytes: the only possible restart is the failing byte itself, when it is a
 * CR. That gives a linear scan with memchr between candidates and no backtracking.
 * The k bytes of a failed candidate equal D[0..k), so when a candidate straddles
 * chunks nothing needs to be kept: the bytes from earlier chunks are replayed from D
 * itself. The body is parsed as if preceded by a CRLF, so that a delimiter at the
 * very start (no preamble) is found like any other. */
#include "http/multipart.h"

#include "core/arena.h"
#include "core/str.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

enum mp_state {
  ST_PREAMBLE,    /* before the first delimiter: bytes are ignored */
  ST_AFTER_DELIM, /* a delimiter was matched: "--", padding or CRLF must follow */
  ST_DASH,        /* one '-' after the delimiter: the second makes it the closing one */
  ST_PADDING,     /* spaces/tabs after the delimiter, then CRLF */
  ST_PADDING_LF,  /* the CR of the delimiter line's CRLF was seen */
  ST_HEADERS,     /* collecting a part's header block */
  ST_BODY,        /* a part's data */
  ST_EPILOGUE,    /* after the closing delimiter: bytes are ignored */
  ST_FAILED
};

struct mp_parser {
  struct arena *a;
  struct mp_callbacks cb;
  void *arg;
  enum mp_state state;
  char delim[4 + MP_MAX_BOUNDARY + 1]; /* CRLF "--" boundary */
  size_t dlen;
  size_t m;     /* bytes of delim matched so far (a candidate in progress) */
  bool in_part; /* part_begin ran and part_end has not */
  int nparts;   /* parts begun so far */
  char *hbuf;   /* the current header block (allocated on first use) */
  size_t hlen;
  char err[240];
};

static int fail(struct mp_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct mp_parser *p, const char *fmt, ...)
{
  if (p->state != ST_FAILED) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    p->state = ST_FAILED;
  }
  return -1;
}

static int stopped(struct mp_parser *p)
{
  return fail(p, "stopped by the application");
}

/* ---- character classes ---- */

static bool is_ows(char c)
{
  return c == ' ' || c == '\t';
}

/* RFC 7230 tchar */
static bool is_tchar(unsigned char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bchars (space allowed, but not as the last one) */
static bool is_bchar(unsigned char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return c && strchr("'()+_,-./:=? ", c) != NULL;
}

/* RFC 5987 attr-char */
static bool is_attr_char(unsigned char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return c && strchr("!#$&+-.^_`|~", c) != NULL;
}

static int hexval(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool span_ieq(const char *s, size_t n, const char *lit)
{
  return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* ---- header parameters: `; name=value` with token or quoted values ---- */

struct span {
  const char *s;
  size_t n;
};

struct params {
  const char *s;
  size_t n, i;
};

/* The next parameter of a header value, after the leading type. A quoted value
 * runs to the next '"' (a backslash is an ordinary byte, see multipart.h); an
 * unquoted one to ';' or whitespace. Returns 1 with name and value, 0 at the end,
 * -1 on a syntax error. */
static int param_next(struct params *it, struct span *name, struct span *val, bool *quoted)
{
  const char *s = it->s;
  size_t n = it->n, i = it->i;
  for (;;) {
    while (i < n && is_ows(s[i]))
      i++;
    if (i == n) {
      it->i = i;
      return 0;
    }
    if (s[i] != ';')
      return -1;
    i++;
    while (i < n && is_ows(s[i]))
      i++;
    if (i < n && s[i] != ';')
      break;
    /* an empty parameter (";;" or a trailing ';') is tolerated */
  }
  if (i == n) {
    it->i = i;
    return 0;
  }
  size_t ns = i;
  while (i < n && is_tchar((unsigned char)s[i]))
    i++;
  if (i == ns)
    return -1;
  name->s = s + ns;
  name->n = i - ns;
  while (i < n && is_ows(s[i]))
    i++;
  if (i == n || s[i] != '=')
    return -1;
  i++;
  while (i < n && is_ows(s[i]))
    i++;
  if (i < n && s[i] == '"') {
    size_t vs = ++i;
    while (i < n && s[i] != '"')
      i++;
    if (i == n)
      return -1;
    val->s = s + vs;
    val->n = i - vs;
    i++;
    *quoted = true;
  } else {
    size_t vs = i;
    while (i < n && s[i] != ';' && !is_ows(s[i])) {
      unsigned char c = (unsigned char)s[i];
      if (c < 0x21 || c == 0x7f || c == '"')
        return -1;
      i++;
    }
    if (i == vs)
      return -1;
    val->s = s + vs;
    val->n = i - vs;
    *quoted = false;
  }
  it->i = i;
  return 1;
}

/* The media type before the parameters, trimmed; the iterator starts after it. */
static struct span media_type(const char *s, size_t n, struct params *it)
{
  size_t i = 0;
  while (i < n && is_ows(s[i]))
    i++;
  size_t b = i;
  while (i < n && s[i] != ';')
    i++;
  size_t e = i;
  while (e > b && is_ows(s[e - 1]))
    e--;
  it->s = s;
  it->n = n;
  it->i = i;
  return (struct span){s + b, e - b};
}

/* ---- strings ---- */

/* A NUL-terminated copy of s; NUL bytes and invalid UTF-8 become U+FFFD and set *bad. */
static char *sanitized_copy(struct arena *a, const char *s, size_t n, bool *bad)
{
  *bad = false;
  char *out = arena_alloc(a, n * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t k = s[i] ? utf8_valid_prefix(s + i, n - i) : 0;
    if (k == 0) {
      memcpy(out + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
      *bad = true;
    } else {
      memcpy(out + o, s + i, k);
      o += k;
      i += k;
    }
  }
  out[o] = 0;
  return out;
}

/* RFC 5987 ext-value "charset'lang'pct-encoded" → UTF-8 bytes in the arena (not yet
 * checked), or NULL when unusable (unknown charset, malformed encoding). */
static char *ext_value_decode(struct arena *a, const char *s, size_t n, size_t *out_n)
{
  const char *q1 = memchr(s, '\'', n);
  if (!q1)
    return NULL;
  const char *q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s));
  if (!q2)
    return NULL;
  bool latin1;
  if (span_ieq(s, (size_t)(q1 - s), "UTF-8"))
    latin1 = false;
  else if (span_ieq(s, (size_t)(q1 - s), "ISO-8859-1"))
    latin1 = true;
  else
    return NULL;
  const char *v = q2 + 1, *end = s + n;
  char *out = arena_alloc(a, (size_t)(end - v) * 2 + 1);
  size_t o = 0;
  while (v < end) {
    unsigned char c = (unsigned char)*v;
    if (c == '%') {
      if (end - v < 3 || hexval((unsigned char)v[1]) < 0 || hexval((unsigned char)v[2]) < 0)
        return NULL;
      c = (unsigned char)(hexval((unsigned char)v[1]) * 16 + hexval((unsigned char)v[2]));
      v += 3;
    } else if (is_attr_char(c)) {
      v++;
    } else {
      return NULL;
    }
    if (latin1 && c >= 0x80) {
      out[o++] = (char)(0xC0 | (c >> 6));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = 0;
  *out_n = o;
  return out;
}

/* ---- one part's headers ---- */

static int parse_disposition(struct mp_parser *p, const char *v, size_t n, struct mp_part *part)
{
  int k = p->nparts + 1;
  struct params it;
  struct span type = media_type(v, n, &it);
  if (!span_ieq(type.s, type.n, "form-data"))
    return fail(p, "part %d: the Content-Disposition is not form-data", k);
  struct span name = {0}, fname = {0}, fstar = {0};
  bool have_name = false, have_fname = false, have_fstar = false;
  struct span pn, pv;
  bool quoted;
  int rc;
  while ((rc = param_next(&it, &pn, &pv, &quoted)) == 1) {
    struct span *dst = NULL;
    bool *seen = NULL;
    if (span_ieq(pn.s, pn.n, "name")) {
      dst = &name;
      seen = &have_name;
    } else if (span_ieq(pn.s, pn.n, "filename")) {
      dst = &fname;
      seen = &have_fname;
    } else if (span_ieq(pn.s, pn.n, "filename*")) {
      dst = &fstar;
      seen = &have_fstar;
    }
    if (!dst)
      continue;
    if (*seen)
      return fail(p, "part %d: the Content-Disposition has the parameter %.*s twice", k, (int)pn.n,
                  pn.s);
    *seen = true;
    *dst = pv;
  }
  if (rc < 0)
    return fail(p, "part %d: the Content-Disposition is malformed", k);
  if (have_name) {
    if (!utf8_valid(name.s, name.n))
      return fail(p, "part %d: the field name is not valid UTF-8 or has a NUL byte", k);
    part->name = arena_strndup(p->a, name.s, name.n);
  }
  const char *fs = NULL;
  size_t fn = 0;
  if (have_fstar)
    fs = ext_value_decode(p->a, fstar.s, fstar.n, &fn);
  if (!fs && have_fname) {
    fs = fname.s;
    fn = fname.n;
  }
  if (fs)
    part->filename = sanitized_copy(p->a, fs, fn, &part->filename_bad);
  return 0;
}

static int parse_content_type(struct mp_parser *p, const char *v, size_t n, struct mp_part *part)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if ((c < 0x20 && c != '\t') || c >= 0x7f)
      return fail(p, "part %d: the Content-Type has bytes that are not printable ASCII",
                  p->nparts + 1);
  }
  if (n == 0)
    return fail(p, "part %d: the Content-Type is empty", p->nparts + 1);
  part->content_type = arena_strndup(p->a, v, n);
  return 0;
}

/* One unfolded header line "Name: value". */
static int header_line(struct mp_parser *p, const char *s, size_t n, struct mp_part *part,
                       bool *have_cd, bool *have_ct)
{
  int k = p->nparts + 1;
  const char *colon = memchr(s, ':', n);
  if (!colon)
    return fail(p, "part %d: a header line has no colon", k);
  size_t nl = (size_t)(colon - s);
  if (nl == 0)
    return fail(p, "part %d: a header line has an empty name", k);
  for (size_t i = 0; i < nl; i++)
    if (!is_tchar((unsigned char)s[i]))
      return fail(p, "part %d: a header name has characters a name cannot have", k);
  const char *v = colon + 1;
  size_t vn = n - nl - 1;
  while (vn && is_ows(*v)) {
    v++;
    vn--;
  }
  while (vn && is_ows(v[vn - 1]))
    vn--;
  if (span_ieq(s, nl, "Content-Disposition")) {
    if (*have_cd)
      return fail(p, "part %d has two Content-Disposition headers", k);
    *have_cd = true;
    return parse_disposition(p, v, vn, part);
  }
  if (span_ieq(s, nl, "Content-Type")) {
    if (*have_ct)
      return fail(p, "part %d has two Content-Type headers", k);
    *have_ct = true;
    return parse_content_type(p, v, vn, part);
  }
  return 0; /* other headers (Content-Transfer-Encoding, ...) are ignored */
}

/* The header block in hbuf is complete (it ends with the empty line): parse it and
 * begin the part. */
static int begin_part(struct mp_parser *p)
{
  int k = p->nparts + 1;
  char *b = p->hbuf;
  size_t n = p->hlen;
  for (size_t i = 0; i < n; i++) {
    if (b[i] == '\r' && (i + 1 == n || b[i + 1] != '\n'))
      return fail(p, "part %d: a header line ends in a bare CR", k);
    if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
      return fail(p, "part %d: a header line ends in a bare LF", k);
  }
  struct mp_part part = {.name = "", .content_type = "text/plain", .index = k};
  bool have_cd = false, have_ct = false;
  /* Unfold in place: a line starting with SP/HT continues the previous one, so the
   * CRLF before it is dropped. cur..w is the logical line being built. */
  size_t r = 0, w = 0, cur = 0;
  bool open = false;
  while (r < n) {
    const char *eol = memmem(b + r, n - r, "\r\n", 2);
    size_t ll = (size_t)(eol - (b + r));
    if (ll == 0)
      break; /* the empty line ending the block */
    if (is_ows(b[r])) {
      if (!open)
        return fail(p, "part %d: the header block starts with a folded line", k);
    } else {
      if (open && header_line(p, b + cur, w - cur, &part, &have_cd, &have_ct) < 0)
        return -1;
      cur = w;
      open = true;
    }
    memmove(b + w, b + r, ll);
    w += ll;
    r += ll + 2;
  }
  if (open && header_line(p, b + cur, w - cur, &part, &have_cd, &have_ct) < 0)
    return -1;
  if (!have_cd)
    return fail(p, "part %d has no Content-Disposition header", k);
  p->nparts++;
  p->hlen = 0;
  if (p->cb.part_begin && p->cb.part_begin(p->arg, &part) < 0)
    return stopped(p);
  p->in_part = true;
  p->state = ST_BODY;
  p->m = 0;
  return 0;
}

/* Collect header bytes until the empty line; returns the bytes used or -1. */
static ssize_t feed_headers(struct mp_parser *p, const char *s, size_t n)
{
  if (!p->hbuf)
    p->hbuf = arena_alloc(p->a, MP_MAX_HEADER_BYTES);
  size_t i = 0;
  while (i < n) {
    if (p->hlen == MP_MAX_HEADER_BYTES)
      return fail(p, "part %d: the header block is larger than %d bytes", p->nparts + 1,
                  MP_MAX_HEADER_BYTES);
    char c = s[i++];
    p->hbuf[p->hlen++] = c;
    if (c != '\n')
      continue;
    const char *h = p->hbuf;
    size_t l = p->hlen;
    if ((l == 2 && h[0] == '\r') || (l >= 4 && memcmp(h + l - 4, "\r\n\r\n", 4) == 0)) {
      if (begin_part(p) < 0)
        return -1;
      return (ssize_t)i;
    }
  }
  return (ssize_t)i;
}

/* ---- part data ---- */

static int emit(struct mp_parser *p, const char *s, size_t n)
{
  if (p->state != ST_BODY || n == 0 || !p->cb.part_data)
    return 0;
  return p->cb.part_data(p->arg, s, n) < 0 ? stopped(p) : 0;
}

/* Pass data through until the delimiter; returns the bytes used (the delimiter
 * included when *found) or -1. */
static ssize_t feed_data(struct mp_parser *p, const char *s, size_t n, bool *found)
{
  const char *d = p->delim, *end = s + n, *q = s, *run = s, *cand = NULL;
  size_t dl = p->dlen, m = p->m;
  *found = false;
  if (m > 0) {
    /* a candidate from an earlier chunk */
    size_t held = m;
    while (q < end && m < dl && *q == d[m]) {
      q++;
      m++;
    }
    if (m == dl) {
      p->m = 0;
      *found = true;
      return q - s;
    }
    if (q == end) {
      p->m = m;
      return (ssize_t)n;
    }
    /* It was data: replay the bytes of earlier chunks from d; those of this chunk
     * stay in the run, and *q is looked at again below (it may be a CR). */
    if (emit(p, d, held) < 0)
      return -1;
    m = 0;
  }
  while (q < end) {
    if (m == 0) {
      const char *cr = memchr(q, '\r', (size_t)(end - q));
      if (!cr) {
        q = end;
        break;
      }
      cand = cr;
      m = 1;
      q = cr + 1;
    } else if (*q == d[m]) {
      q++;
      if (++m == dl) {
        if (emit(p, run, (size_t)(cand - run)) < 0)
          return -1;
        p->m = 0;
        *found = true;
        return q - s;
      }
    } else {
      m = 0;
    }
  }
  if (emit(p, run, (size_t)((m > 0 ? cand : end) - run)) < 0)
    return -1;
  p->m = m;
  return (ssize_t)n;
}

/* ---- the state machine ---- */

/* The delimiter line ended (CRLF, or "--" for the closing one). */
static int delimiter_done(struct mp_parser *p, bool closing)
{
  if (p->in_part) {
    p->in_part = false;
    if (p->cb.part_end && p->cb.part_end(p->arg) < 0)
      return stopped(p);
  }
  p->state = closing ? ST_EPILOGUE : ST_HEADERS;
  p->hlen = 0;
  return 0;
}

struct mp_parser *mp_new(struct arena *a, const char *boundary, const struct mp_callbacks *cb,
                         void *arg)
{
  size_t bl = boundary ? strlen(boundary) : 0;
  if (bl == 0 || bl > MP_MAX_BOUNDARY)
    return NULL;
  struct mp_parser *p = arena_zalloc(a, sizeof *p);
  p->a = a;
  if (cb)
    p->cb = *cb;
  p->arg = arg;
  memcpy(p->delim, "\r\n--", 4);
  memcpy(p->delim + 4, boundary, bl);
  p->dlen = 4 + bl;
  p->state = ST_PREAMBLE;
  p->m = 2; /* as if the body were preceded by CRLF */
  return p;
}

int mp_feed(struct mp_parser *p, const char *data, size_t n)
{
  size_t i = 0;
  while (i < n) {
    ssize_t used;
    bool found;
    char c;
    switch (p->state) {
    case ST_PREAMBLE:
    case ST_BODY:
      used = feed_data(p, data + i, n - i, &found);
      if (used < 0)
        return -1;
      i += (size_t)used;
      if (found)
        p->state = ST_AFTER_DELIM;
      break;
    case ST_HEADERS:
      used = feed_headers(p, data + i, n - i);
      if (used < 0)
        return -1;
      i += (size_t)used;
      break;
    case ST_AFTER_DELIM:
      c = data[i++];
      if (c == '-')
        p->state = ST_DASH;
      else if (is_ows(c))
        p->state = ST_PADDING;
      else if (c == '\r')
        p->state = ST_PADDING_LF;
      else
        return fail(p, "a boundary line is followed by unexpected bytes (after part %d)",
                    p->nparts);
      break;
    case ST_DASH:
      if (data[i++] != '-')
        return fail(p, "a boundary line is followed by unexpected bytes (after part %d)",
                    p->nparts);
      if (delimiter_done(p, true) < 0)
        return -1;
      break;
    case ST_PADDING:
      c = data[i++];
      if (c == '\r')
        p->state = ST_PADDING_LF;
      else if (!is_ows(c))
        return fail(p, "a boundary line is followed by unexpected bytes (after part %d)",
                    p->nparts);
      break;
    case ST_PADDING_LF:
      if (data[i++] != '\n')
        return fail(p, "a boundary line ends in a bare CR (after part %d)", p->nparts);
      if (delimiter_done(p, false) < 0)
        return -1;
      break;
    case ST_EPILOGUE:
      return 0;
    case ST_FAILED:
      return -1;
    }
  }
  return p->state == ST_FAILED ? -1 : 0;
}

int mp_finish(struct mp_parser *p)
{
  switch (p->state) {
  case ST_EPILOGUE:
    return 0;
  case ST_FAILED:
    return -1;
  case ST_PREAMBLE:
    return fail(p, "the body has no multipart boundary line");
  case ST_HEADERS:
    return fail(p, "the body ended in the headers of part %d", p->nparts + 1);
  default:
    return fail(p, "the body ended before the closing boundary (in part %d)", p->nparts);
  }
}

const char *mp_error(const struct mp_parser *p)
{
  return p->state == ST_FAILED ? p->err : "";
}

const char *mp_boundary(struct arena *a, const char *ct)
{
  if (!ct)
    return NULL;
  struct params it;
  struct span type = media_type(ct, strlen(ct), &it);
  if (!span_ieq(type.s, type.n, "multipart/form-data"))
    return NULL;
  struct span pn, pv, b = {0};
  bool quoted, have = false;
  int rc;
  while ((rc = param_next(&it, &pn, &pv, &quoted)) == 1) {
    if (!span_ieq(pn.s, pn.n, "boundary"))
      continue;
    if (have)
      return NULL;
    have = true;
    b = pv;
  }
  if (rc < 0 || !have || b.n == 0 || b.n > MP_MAX_BOUNDARY || b.s[b.n - 1] == ' ')
    return NULL;
  for (size_t i = 0; i < b.n; i++)
    if (!is_bchar((unsigned char)b.s[i]))
      return NULL;
  return arena_strndup(a, b.s, b.n);
}
