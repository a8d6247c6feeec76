/* test_multipart.c — the incremental multipart/form-data parser: real browser-shaped
 * bodies, every split of the input (two chunks at every offset, byte by byte), the
 * strictness rules, header parameters (quoted, unquoted, filename*), limits, and that
 * memory stays constant in the body size. */
#include "core/arena.h"
#include "http/multipart.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a recorder: what the callbacks saw ---- */

#define MAX_PARTS 1100

struct rec_part {
  char name[128];
  char filename[256];
  bool has_filename;
  bool filename_bad;
  char ctype[128];
  int index;
  char *data; /* heap */
  size_t len, cap;
  bool ended;
};

struct rec {
  struct rec_part *parts;
  int n;
  int data_calls;
  int stop_at_begin; /* part_begin of this index returns -1 (0 = never) */
  int stop_at_data;  /* part_data while in this part returns -1 */
  bool after_stop;   /* a callback ran after one returned -1 */
  bool stopped;
};

static void rec_init(struct rec *r)
{
  memset(r, 0, sizeof *r);
  r->parts = calloc(MAX_PARTS, sizeof *r->parts);
}

static void rec_free(struct rec *r)
{
  for (int i = 0; i < r->n; i++)
    free(r->parts[i].data);
  free(r->parts);
}

static int on_begin(void *arg, const struct mp_part *p)
{
  struct rec *r = arg;
  if (r->stopped)
    r->after_stop = true;
  cr_assert_lt(r->n, MAX_PARTS);
  struct rec_part *x = &r->parts[r->n++];
  snprintf(x->name, sizeof x->name, "%s", p->name);
  x->has_filename = p->filename != NULL;
  if (p->filename)
    snprintf(x->filename, sizeof x->filename, "%s", p->filename);
  x->filename_bad = p->filename_bad;
  snprintf(x->ctype, sizeof x->ctype, "%s", p->content_type);
  x->index = p->index;
  if (r->stop_at_begin == r->n) {
    r->stopped = true;
    return -1;
  }
  return 0;
}

static int on_data(void *arg, const char *d, size_t n)
{
  struct rec *r = arg;
  if (r->stopped)
    r->after_stop = true;
  cr_assert_gt(n, 0, "part_data with 0 bytes");
  cr_assert_gt(r->n, 0, "data before any part");
  struct rec_part *x = &r->parts[r->n - 1];
  cr_assert(!x->ended, "data after part_end");
  if (x->len + n > x->cap) {
    x->cap = (x->len + n) * 2;
    x->data = realloc(x->data, x->cap);
  }
  memcpy(x->data + x->len, d, n);
  x->len += n;
  r->data_calls++;
  if (r->stop_at_data == r->n) {
    r->stopped = true;
    return -1;
  }
  return 0;
}

static int on_end(void *arg)
{
  struct rec *r = arg;
  if (r->stopped)
    r->after_stop = true;
  cr_assert_gt(r->n, 0);
  struct rec_part *x = &r->parts[r->n - 1];
  cr_assert(!x->ended, "part_end twice");
  x->ended = true;
  return 0;
}

static const struct mp_callbacks CB = {on_begin, on_data, on_end};

struct result {
  int feed_rc;   /* -1 when any mp_feed failed */
  int finish_rc; /* mp_finish */
  char err[256];
  struct rec rec;
};

/* Parse body in chunks of the given sizes (cycled); step 0 = whole. */
static void parse_steps(const char *boundary, const char *body, size_t len, const size_t *steps,
                        int nsteps, struct result *res)
{
  struct arena *a = arena_new(0);
  rec_init(&res->rec);
  struct mp_parser *p = mp_new(a, boundary, &CB, &res->rec);
  cr_assert_not_null(p);
  res->feed_rc = 0;
  size_t off = 0;
  int k = 0;
  while (off < len) {
    size_t step = nsteps ? steps[k++ % nsteps] : len;
    if (step > len - off)
      step = len - off;
    if (mp_feed(p, body + off, step) < 0)
      res->feed_rc = -1;
    off += step;
  }
  res->finish_rc = mp_finish(p);
  snprintf(res->err, sizeof res->err, "%s", mp_error(p));
  arena_free(a);
}

static void parse_whole(const char *boundary, const char *body, size_t len, struct result *res)
{
  parse_steps(boundary, body, len, NULL, 0, res);
}

/* Two chunks split at `at`. */
static void parse_split(const char *boundary, const char *body, size_t len, size_t at,
                        struct result *res)
{
  size_t steps[2] = {at ? at : 1, len};
  parse_steps(boundary, body, len, steps, 2, res);
}

static void result_free(struct result *r)
{
  rec_free(&r->rec);
}

static void assert_same(const struct result *a, const struct result *b, const char *what)
{
  cr_assert_eq(a->feed_rc, b->feed_rc, "%s: feed rc differs", what);
  cr_assert_eq(a->finish_rc, b->finish_rc, "%s: finish rc differs", what);
  cr_assert_str_eq(a->err, b->err, "%s: error differs", what);
  cr_assert_eq(a->rec.n, b->rec.n, "%s: %d parts vs %d", what, a->rec.n, b->rec.n);
  for (int i = 0; i < a->rec.n; i++) {
    const struct rec_part *x = &a->rec.parts[i], *y = &b->rec.parts[i];
    cr_assert_str_eq(x->name, y->name, "%s: part %d name", what, i);
    cr_assert_eq(x->has_filename, y->has_filename, "%s: part %d filename presence", what, i);
    cr_assert_str_eq(x->filename, y->filename, "%s: part %d filename", what, i);
    cr_assert_eq(x->filename_bad, y->filename_bad);
    cr_assert_str_eq(x->ctype, y->ctype);
    cr_assert_eq(x->ended, y->ended, "%s: part %d ended", what, i);
    cr_assert_eq(x->len, y->len, "%s: part %d: %zu data bytes vs %zu", what, i, x->len, y->len);
    cr_assert(x->len == 0 || memcmp(x->data, y->data, x->len) == 0, "%s: part %d data", what, i);
  }
}

/* Every two-chunk split, byte by byte, and a few odd chunk patterns give the whole
 * parse's result. */
static void assert_split_invariant(const char *boundary, const char *body, size_t len)
{
  struct result whole;
  parse_whole(boundary, body, len, &whole);
  for (size_t at = 1; at < len; at++) {
    struct result r;
    parse_split(boundary, body, len, at, &r);
    char what[64];
    snprintf(what, sizeof what, "split at %zu", at);
    assert_same(&whole, &r, what);
    result_free(&r);
  }
  static const size_t one[] = {1}, odd[] = {3, 1, 7, 2, 13}, dl[] = {5, 9, 1, 1, 31};
  const size_t *pat[] = {one, odd, dl};
  const int npat[] = {1, 5, 5};
  for (int i = 0; i < 3; i++) {
    struct result r;
    parse_steps(boundary, body, len, pat[i], npat[i], &r);
    assert_same(&whole, &r, "chunk pattern");
    result_free(&r);
  }
  result_free(&whole);
}

/* ---- bodies ---- */

#define B "----WebKitFormBoundary7MA4YWxkTrZu0gW"

static const char BROWSER[] =
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"vehicle\"\r\n"
    "\r\n"
    "wbc1234\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"photos\"; filename=\"IMG_0001.JPG\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xff\xd8\xff\xe0\r\n--\r\n--" B "x\r\r\n\r\n-\r\n--" B "-\xff\xd9"
    "\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"photos\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n"
    "--" B "--\r\n";

/* BROWSER has "\r\n--" B "x" in the file's data: per RFC 2046 that is a delimiter
 * (the boundary appears in its entirety after a CRLF) followed by garbage, so the
 * body is malformed. BROWSER_OK has only near misses: "\r\n--", the boundary after
 * "-" or a bare LF, a CRLF and a prefix of the boundary. */
static const char BROWSER_OK[] =
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"vehicle\"\r\n"
    "\r\n"
    "wbc1234\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"photos\"; filename=\"IMG_0001.JPG\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xff\xd8\xff\xe0\r\n--\r\n-" B "\r\r\n\r\n-\n--" B "\r\n----WebKitFormBoundary7MA4\r\r\xff\xd9"
    "\r\r"
    "\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"photos\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n"
    "--" B "--\r\n";

Test(multipart, browser_body)
{
  struct result r;
  parse_whole(B, BROWSER_OK, sizeof BROWSER_OK - 1, &r);
  cr_assert_eq(r.feed_rc, 0, "%s", r.err);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_str_eq(r.err, "");
  cr_assert_eq(r.rec.n, 3);
  struct rec_part *p = r.rec.parts;
  cr_assert_str_eq(p[0].name, "vehicle");
  cr_assert(!p[0].has_filename);
  cr_assert_str_eq(p[0].ctype, "text/plain");
  cr_assert_eq(p[0].len, 7);
  cr_assert(memcmp(p[0].data, "wbc1234", 7) == 0);
  cr_assert_eq(p[0].index, 1);
  cr_assert_str_eq(p[1].name, "photos");
  cr_assert_str_eq(p[1].filename, "IMG_0001.JPG");
  cr_assert_str_eq(p[1].ctype, "image/jpeg");
  cr_assert_eq(p[1].index, 2);
  static const char want[] = "\xff\xd8\xff\xe0\r\n--\r\n-" B "\r\r\n\r\n-\n--" B
                             "\r\n----WebKitFormBoundary7MA4\r\r\xff\xd9\r\r";
  cr_assert_eq(p[1].len, sizeof want - 1, "len %zu", p[1].len);
  cr_assert(memcmp(p[1].data, want, sizeof want - 1) == 0);
  cr_assert(p[2].has_filename);
  cr_assert_str_eq(p[2].filename, "");
  cr_assert_eq(p[2].len, 0);
  for (int i = 0; i < 3; i++)
    cr_assert(p[i].ended);
  result_free(&r);
}

Test(multipart, every_split_gives_the_same_parts)
{
  assert_split_invariant(B, BROWSER_OK, sizeof BROWSER_OK - 1);
}

Test(multipart, boundary_followed_by_garbage_is_malformed_at_every_split)
{
  struct result r;
  parse_whole(B, BROWSER, sizeof BROWSER - 1, &r);
  cr_assert_eq(r.feed_rc, -1);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "followed by unexpected bytes"), "%s", r.err);
  cr_assert_eq(r.rec.n, 2);
  cr_assert(!r.rec.parts[1].ended);
  result_free(&r);
  assert_split_invariant(B, BROWSER, sizeof BROWSER - 1);
}

Test(multipart, preamble_epilogue_and_padding)
{
  static const char body[] = "This is the preamble. --xyz is not at a line start.\r\n"
                             "--xyz-not-either\r\n"
                             "\r\n--xyz \t \r\n"
                             "content-disposition: FORM-DATA; NAME=a\r\n"
                             "\r\n"
                             "1\r\n"
                             "--xyz--  \r\n"
                             "epilogue --xyz\r\n--xyz\r\ngarbage";
  /* "--xyz-not-either" starts a line but is "--xyz" followed by '-' then 'n': malformed */
  struct result r;
  parse_whole("xyz", body, sizeof body - 1, &r);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "unexpected bytes"), "%s", r.err);
  result_free(&r);

  static const char ok[] = "preamble --xyz here\r\nmore\r\r\n"
                           "--xyz \t \r\n"
                           "content-disposition: FORM-DATA; NAME=a\r\n"
                           "\r\n"
                           "1\r\n"
                           "--xyz--  \r\n"
                           "epilogue --xyz\r\n--xyz\r\ngarbage\xff";
  parse_whole("xyz", ok, sizeof ok - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 1);
  cr_assert_str_eq(r.rec.parts[0].name, "a");
  cr_assert_eq(r.rec.parts[0].len, 1);
  result_free(&r);
  assert_split_invariant("xyz", ok, sizeof ok - 1);
}

Test(multipart, body_starting_with_crlf_and_empty_parts)
{
  static const char body[] = "\r\n--b\r\n"
                             "Content-Disposition: form-data; name=e\r\n"
                             "\r\n"
                             "\r\n--b\r\n"
                             "Content-Disposition: form-data; name=cr\r\n"
                             "\r\n"
                             "\r"
                             "\r\n--b\r\n"
                             "Content-Disposition: form-data; name=crlf\r\n"
                             "\r\n"
                             "\r\n"
                             "\r\n--b--";
  struct result r;
  parse_whole("b", body, sizeof body - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 3);
  cr_assert_eq(r.rec.parts[0].len, 0);
  cr_assert_eq(r.rec.parts[1].len, 1);
  cr_assert_eq(r.rec.parts[1].data[0], '\r');
  cr_assert_eq(r.rec.parts[2].len, 2);
  cr_assert(memcmp(r.rec.parts[2].data, "\r\n", 2) == 0);
  result_free(&r);
  assert_split_invariant("b", body, sizeof body - 1);
}

Test(multipart, no_parts_and_no_boundary)
{
  struct result r;
  parse_whole("b", "--b--\r\n", 7, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 0);
  result_free(&r);

  parse_whole("b", "just text", 9, &r);
  cr_assert_eq(r.feed_rc, 0);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "no multipart boundary"), "%s", r.err);
  result_free(&r);

  parse_whole("b", "", 0, &r);
  cr_assert_eq(r.finish_rc, -1);
  result_free(&r);
}

Test(multipart, missing_closing_boundary)
{
  static const char body[] = "--b\r\n"
                             "Content-Disposition: form-data; name=\"f\"; filename=\"a.jpg\"\r\n"
                             "\r\n"
                             "partial data\r\n--b";
  struct result r;
  parse_whole("b", body, sizeof body - 1, &r);
  cr_assert_eq(r.feed_rc, 0);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "before the closing boundary"), "%s", r.err);
  cr_assert_eq(r.rec.n, 1);
  cr_assert(!r.rec.parts[0].ended, "an unfinished part gets no part_end");
  result_free(&r);
  assert_split_invariant("b", body, sizeof body - 1);

  /* cut inside the headers */
  parse_whole("b", "--b\r\nContent-Disposition: form", 31, &r);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "in the headers of part 1"), "%s", r.err);
  result_free(&r);
  /* cut on the delimiter line */
  parse_whole("b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b-", 45, &r);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "closing boundary"), "%s", r.err);
  result_free(&r);
}

/* A body with n parts of the given data. */
static char *make_body(const char *boundary, int nparts, const char *data, size_t dlen,
                       size_t *out_len)
{
  size_t cap = (size_t)nparts * (dlen + 200 + 2 * strlen(boundary)) + 100;
  char *b = malloc(cap);
  size_t o = 0;
  for (int i = 0; i < nparts; i++) {
    o += (size_t)snprintf(b + o, cap - o,
                          "--%s\r\nContent-Disposition: form-data; name=\"p%d\"; "
                          "filename=\"f%d.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                          boundary, i, i);
    memcpy(b + o, data, dlen);
    o += dlen;
    o += (size_t)snprintf(b + o, cap - o, "\r\n");
  }
  o += (size_t)snprintf(b + o, cap - o, "--%s--\r\n", boundary);
  *out_len = o;
  return b;
}

Test(multipart, data_is_passed_through_in_one_piece)
{
  /* 256 KiB of bytes full of CRs, LFs and dashes: fed whole, each part arrives in
   * one part_data call (failed delimiter candidates are not split out) */
  size_t n = 256 * 1024;
  char *data = malloc(n);
  unsigned x = 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    static const char pick[] = "\r\n-b\r\r-\n";
    data[i] = (x >> 16) % 4 == 0 ? pick[(x >> 8) % 8] : (char)(x >> 24);
  }
  size_t len;
  char *body = make_body("bound", 2, data, n, &len);
  /* make sure the data does not contain the delimiter by chance */
  cr_assert_null(memmem(data, n, "\r\n--bound", 9));
  struct result r;
  parse_whole("bound", body, len, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 2);
  cr_assert_eq(r.rec.data_calls, 2);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(r.rec.parts[i].len, n);
    cr_assert(memcmp(r.rec.parts[i].data, data, n) == 0);
  }
  result_free(&r);
  /* in 1000-byte chunks: the same bytes */
  size_t steps[] = {1000};
  parse_steps("bound", body, len, steps, 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.parts[1].len, n);
  cr_assert(memcmp(r.rec.parts[1].data, data, n) == 0);
  result_free(&r);
  free(body);
  free(data);
}

Test(multipart, candidates_straddling_chunks)
{
  /* the data ends in every prefix of the delimiter, cut at every point */
  const char *bd = "AaB03x";
  const char delim[] = "\r\n--AaB03x";
  for (size_t k = 1; k < sizeof delim - 1; k++) {
    char data[64];
    memcpy(data, "payload", 7);
    memcpy(data + 7, delim, k);
    data[7 + k] = 'Z';
    size_t len;
    char *body = make_body(bd, 2, data, 8 + k, &len);
    struct result r;
    parse_whole(bd, body, len, &r);
    cr_assert_eq(r.finish_rc, 0, "k=%zu: %s", k, r.err);
    cr_assert_eq(r.rec.n, 2);
    cr_assert_eq(r.rec.parts[0].len, 8 + k);
    cr_assert(memcmp(r.rec.parts[0].data, data, 8 + k) == 0);
    result_free(&r);
    assert_split_invariant(bd, body, len);
    free(body);
  }
}

Test(multipart, header_names_case_insensitive_and_params)
{
  static const char body[] =
      "--b\r\n"
      "CONTENT-DISPOSITION:form-data;name=\"a;b=c\" ; FileName = \"C:\\Users\\x\\..\\a b.jpg\"\r\n"
      "content-type:   image/heic  \r\n"
      "X-Other: ignored\r\n"
      "Content-Transfer-Encoding: binary\r\n"
      "\r\n"
      "x\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=plain; filename=../../etc/passwd\r\n"
      "\r\n"
      "y\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; filename=\"a.jpg\"; name=\"late\"\r\n"
      "Content-Disposition-X: whatever\r\n"
      "\r\n"
      "z\r\n"
      "--b--";
  struct result r;
  parse_whole("b", body, sizeof body - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 3);
  struct rec_part *p = r.rec.parts;
  cr_assert_str_eq(p[0].name, "a;b=c");
  cr_assert_str_eq(p[0].filename, "C:\\Users\\x\\..\\a b.jpg");
  cr_assert(!p[0].filename_bad);
  cr_assert_str_eq(p[0].ctype, "image/heic");
  cr_assert_str_eq(p[1].name, "plain");
  cr_assert_str_eq(p[1].filename, "../../etc/passwd");
  cr_assert_str_eq(p[2].name, "late");
  cr_assert_str_eq(p[2].filename, "a.jpg");
  result_free(&r);
  assert_split_invariant("b", body, sizeof body - 1);
}

Test(multipart, folded_header_line)
{
  static const char body[] = "--b\r\n"
                             "Content-Disposition: form-data;\r\n"
                             "\tname=\"folded\"\r\n"
                             "\r\n"
                             "v\r\n--b--";
  struct result r;
  parse_whole("b", body, sizeof body - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_str_eq(r.rec.parts[0].name, "folded");
  result_free(&r);
  parse_whole("b", "--b\r\n folded first\r\n\r\nv\r\n--b--", 32, &r);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "folded"), "%s", r.err);
  result_free(&r);
}

/* One part with the given Content-Disposition value; returns the parse result. */
static void one_part(const char *cd, size_t cdlen, struct result *r)
{
  char body[1024];
  int n = snprintf(body, sizeof body, "--b\r\nContent-Disposition: ");
  memcpy(body + n, cd, cdlen);
  n += (int)cdlen;
  n += snprintf(body + n, sizeof body - (size_t)n, "\r\n\r\ndata\r\n--b--\r\n");
  parse_whole("b", body, (size_t)n, r);
}

Test(multipart, filename_star)
{
  struct {
    const char *cd;
    const char *filename;
    bool bad;
  } cases[] = {
      {"form-data; name=f; filename=\"a.jpg\"; filename*=UTF-8''%C3%A4rger%20%E2%82%AC.jpg",
       "\xC3\xA4rger \xE2\x82\xAC.jpg", false},
      {"form-data; filename*=utf-8'de'x%2Fy.jpg; name=f; filename=\"a.jpg\"", "x/y.jpg", false},
      {"form-data; name=f; filename*=ISO-8859-1''%E4.jpg", "\xC3\xA4.jpg", false},
      {"form-data; name=f; filename=\"fallback.jpg\"; filename*=KOI8-R''%E4.jpg", "fallback.jpg",
       false},
      {"form-data; name=f; filename=\"fallback.jpg\"; filename*=UTF-8''%E4%.jpg", "fallback.jpg",
       false},
      {"form-data; name=f; filename=\"fallback.jpg\"; filename*=UTF-8''a\"b", NULL, false},
      {"form-data; name=f; filename*=UTF-8''%FF.jpg", "\xEF\xBF\xBD.jpg", true},
      {"form-data; name=f; filename*=UTF-8''a%00b",
       "a\xEF\xBF\xBD"
       "b",
       true},
      {"form-data; name=f; filename*=UTF-8''%0D%0A..%2F..%2Fx", "\r\n../../x", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct result r;
    one_part(cases[i].cd, strlen(cases[i].cd), &r);
    if (!cases[i].filename) {
      cr_assert_eq(r.finish_rc, -1, "case %zu parsed", i);
      result_free(&r);
      continue;
    }
    cr_assert_eq(r.finish_rc, 0, "case %zu: %s", i, r.err);
    cr_assert_eq(r.rec.n, 1);
    cr_assert(r.rec.parts[0].has_filename, "case %zu", i);
    cr_assert_str_eq(r.rec.parts[0].filename, cases[i].filename, "case %zu", i);
    cr_assert_eq(r.rec.parts[0].filename_bad, cases[i].bad, "case %zu", i);
    result_free(&r);
  }
}

Test(multipart, filename_with_nul_or_bad_utf8_is_sanitized)
{
  static const char cd1[] = "form-data; name=f; filename=\"a\0b.jpg\"";
  struct result r;
  one_part(cd1, sizeof cd1 - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert(r.rec.parts[0].filename_bad);
  cr_assert_str_eq(r.rec.parts[0].filename, "a\xEF\xBF\xBD"
                                            "b.jpg");
  result_free(&r);

  static const char cd2[] = "form-data; name=f; filename=\"\xC3\x28\xF0\x9F\x98\x80.jpg\"";
  one_part(cd2, sizeof cd2 - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert(r.rec.parts[0].filename_bad);
  cr_assert_str_eq(r.rec.parts[0].filename, "\xEF\xBF\xBD(\xF0\x9F\x98\x80.jpg");
  result_free(&r);

  /* valid UTF-8 and control bytes pass as sent */
  static const char cd3[] = "form-data; name=f; filename=\"\xF0\x9F\x9A\x97\x01\x1f.jpg\"";
  one_part(cd3, sizeof cd3 - 1, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert(!r.rec.parts[0].filename_bad);
  cr_assert_str_eq(r.rec.parts[0].filename, "\xF0\x9F\x9A\x97\x01\x1f.jpg");
  result_free(&r);
}

Test(multipart, strict_headers)
{
  struct {
    const char *headers; /* the header block, without the final CRLF CRLF */
    const char *err;
  } cases[] = {
      {"Content-Type: text/plain", "no Content-Disposition"},
      {"Content-Disposition: attachment; name=a", "not form-data"},
      {"Content-Disposition: form-data; name=a; name=b", "parameter name twice"},
      {"Content-Disposition: form-data; filename=a; FILENAME=b", "parameter FILENAME twice"},
      {"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b",
       "two Content-Disposition"},
      {"Content-Disposition: form-data; name=a\r\nContent-Type: a\r\nContent-Type: b",
       "two Content-Type"},
      {"Content-Disposition: form-data; name=\"unterminated", "malformed"},
      {"Content-Disposition: form-data; name=a b", "malformed"},
      {"Content-Disposition: form-data; name", "malformed"},
      {"Content-Disposition: form-data; =a", "malformed"},
      {"Content-Disposition: form-data; name=\"\xff\"", "not valid UTF-8"},
      {"Content-Disposition: form-data; name=a\nContent-Type: x", "bare LF"},
      {"Content-Disposition: form-data; name=a\rContent-Type: x", "bare CR"},
      {"Content-Disposition form-data", "no colon"},
      {": form-data", "empty name"},
      {"Content Disposition: form-data", "cannot have"},
      {"Content-Disposition: form-data\r\nContent-Type: image/\xff", "printable ASCII"},
      {"Content-Disposition: form-data\r\nContent-Type:  ", "Content-Type is empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char body[512];
    int n = snprintf(body, sizeof body, "--b\r\n%s\r\n\r\ndata\r\n--b--", cases[i].headers);
    struct result r;
    parse_whole("b", body, (size_t)n, &r);
    cr_assert_eq(r.feed_rc, -1, "case %zu accepted", i);
    cr_assert_eq(r.finish_rc, -1);
    cr_assert(strstr(r.err, cases[i].err), "case %zu: \"%s\" lacks \"%s\"", i, r.err, cases[i].err);
    cr_assert(strncmp(r.err, "part 1", 6) == 0, "case %zu: %s", i, r.err);
    cr_assert_eq(r.rec.n, 0, "case %zu: part_begin ran", i);
    result_free(&r);
  }
  /* an empty header block (no headers at all) */
  struct result r;
  parse_whole("b", "--b\r\n\r\ndata\r\n--b--", 19, &r);
  cr_assert_eq(r.finish_rc, -1);
  cr_assert(strstr(r.err, "no Content-Disposition"), "%s", r.err);
  result_free(&r);
}

Test(multipart, header_block_limit)
{
  /* exactly MP_MAX_HEADER_BYTES is fine, one more is not */
  for (int extra = 0; extra <= 1; extra++) {
    const char *cd = "Content-Disposition: form-data; name=big\r\nX-Pad: ";
    size_t fixed = strlen(cd) + 4; /* + CRLF CRLF */
    size_t pad = MP_MAX_HEADER_BYTES - fixed + (size_t)extra;
    size_t cap = MP_MAX_HEADER_BYTES + 100;
    char *body = malloc(cap);
    int n = snprintf(body, cap, "--b\r\n%s", cd);
    memset(body + n, 'p', pad);
    n += (int)pad;
    n += snprintf(body + n, cap - (size_t)n, "\r\n\r\nv\r\n--b--");
    struct result r;
    parse_whole("b", body, (size_t)n, &r);
    if (extra == 0) {
      cr_assert_eq(r.finish_rc, 0, "%s", r.err);
      cr_assert_str_eq(r.rec.parts[0].name, "big");
    } else {
      cr_assert_eq(r.finish_rc, -1);
      cr_assert(strstr(r.err, "larger than 16384 bytes"), "%s", r.err);
    }
    result_free(&r);
    free(body);
  }
}

Test(multipart, callbacks_stop_the_parser)
{
  size_t len;
  char *body = make_body("b", 3, "0123456789", 10, &len);
  struct result r;
  struct arena *a = arena_new(0);
  rec_init(&r.rec);
  r.rec.stop_at_begin = 2;
  struct mp_parser *p = mp_new(a, "b", &CB, &r.rec);
  cr_assert_eq(mp_feed(p, body, len), -1);
  cr_assert_str_eq(mp_error(p), "stopped by the application");
  cr_assert_eq(mp_feed(p, body, len), -1, "a stopped parser stays stopped");
  cr_assert_eq(mp_finish(p), -1);
  cr_assert_eq(r.rec.n, 2);
  cr_assert(!r.rec.after_stop);
  rec_free(&r.rec);

  rec_init(&r.rec);
  r.rec.stop_at_data = 1;
  p = mp_new(a, "b", &CB, &r.rec);
  cr_assert_eq(mp_feed(p, body, len), -1);
  cr_assert_eq(r.rec.n, 1);
  cr_assert(!r.rec.after_stop);
  cr_assert(!r.rec.parts[0].ended);
  rec_free(&r.rec);
  arena_free(a);
  free(body);
}

Test(multipart, null_callbacks_are_fine)
{
  size_t len;
  char *body = make_body("b", 3, "xyz", 3, &len);
  struct arena *a = arena_new(0);
  struct mp_callbacks none = {0};
  struct mp_parser *p = mp_new(a, "b", &none, NULL);
  cr_assert_eq(mp_feed(p, body, len), 0);
  cr_assert_eq(mp_finish(p), 0);
  p = mp_new(a, "b", NULL, NULL);
  cr_assert_eq(mp_feed(p, body, len), 0);
  cr_assert_eq(mp_finish(p), 0);
  arena_free(a);
  free(body);
}

static int count_data(void *arg, const char *d, size_t n)
{
  (void)d;
  *(size_t *)arg += n;
  return 0;
}

Test(multipart, memory_is_constant_in_the_body_size)
{
  struct arena *a = arena_new(0);
  size_t total = 0;
  struct mp_callbacks cb = {.part_data = count_data};
  struct mp_parser *p = mp_new(a, "zz", &cb, &total);
  static const char head[] = "--zz\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n";
  cr_assert_eq(mp_feed(p, head, sizeof head - 1), 0);
  size_t used = arena_used(a);
  /* 64 MiB of data with a CR (a failed candidate) at every chunk end */
  static char chunk[65536];
  memset(chunk, 'd', sizeof chunk);
  chunk[sizeof chunk - 1] = '\r';
  chunk[0] = '\n';
  for (int i = 0; i < 1024; i++)
    cr_assert_eq(mp_feed(p, chunk, sizeof chunk), 0);
  cr_assert_eq(arena_used(a), used, "the arena grew while data passed: %zu -> %zu", used,
               arena_used(a));
  cr_assert_eq(mp_feed(p, "\r\n--zz--", 8), 0);
  cr_assert_eq(mp_finish(p), 0);
  /* the trailing CR of the last chunk is data (the delimiter's CRLF follows it) */
  cr_assert_eq(total, (size_t)1024 * sizeof chunk);
  arena_free(a);
}

Test(multipart, many_parts_cost_only_their_header_strings)
{
  size_t len;
  char *body = make_body("b", 1000, "v", 1, &len);
  struct arena *a = arena_new(0);
  size_t parts = 0;
  struct mp_callbacks cb = {.part_data = count_data};
  struct mp_parser *p = mp_new(a, "b", &cb, &parts);
  /* the first 10 parts (and the header buffer), then the other 990 */
  const char *tenth = strstr(body, "name=\"p10\"");
  size_t first = (size_t)(tenth - body);
  cr_assert_eq(mp_feed(p, body, first), 0);
  size_t used10 = arena_used(a);
  cr_assert_eq(mp_feed(p, body + first, len - first), 0);
  cr_assert_eq(mp_finish(p), 0);
  cr_assert_eq(parts, 1000);
  size_t per_part = (arena_used(a) - used10) / 990;
  /* name "pNNN", filename "fNNN.bin", content type: three small strings */
  cr_assert_leq(per_part, 128, "%zu arena bytes per part", per_part);
  arena_free(a);
  free(body);
}

Test(multipart, new_rejects_bad_boundaries)
{
  struct arena *a = arena_new(0);
  char b71[72];
  memset(b71, 'x', 71);
  b71[71] = 0;
  cr_assert_null(mp_new(a, "", &CB, NULL));
  cr_assert_null(mp_new(a, NULL, &CB, NULL));
  cr_assert_null(mp_new(a, b71, &CB, NULL));
  b71[70] = 0;
  cr_assert_not_null(mp_new(a, b71, &CB, NULL));
  arena_free(a);
}

Test(multipart, boundary_from_content_type)
{
  struct arena *a = arena_new(0);
  struct {
    const char *ct;
    const char *want;
  } cases[] = {
      {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
       "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
      {"Multipart/Form-Data;boundary=\"a b:c/d=e?f'g(h)i+j_k,l-m.n\"",
       "a b:c/d=e?f'g(h)i+j_k,l-m.n"},
      {"multipart/form-data; charset=utf-8; BOUNDARY=xyz", "xyz"},
      {"  multipart/form-data ; boundary = \"q\" ; x=y", "q"},
      {"multipart/form-data; boundary=------------------------d74496d66958873e",
       "------------------------d74496d66958873e"},
      {"multipart/form-data; boundary="
       "1234567890123456789012345678901234567890123456789012345678901234567890",
       "1234567890123456789012345678901234567890123456789012345678901234567890"},
      {"multipart/form-data; boundary="
       "12345678901234567890123456789012345678901234567890123456789012345678901",
       NULL},
      {"multipart/form-data; boundary=\"\"", NULL},
      {"multipart/form-data; boundary=", NULL},
      {"multipart/form-data", NULL},
      {"multipart/form-data; boundary=\"ends with space \"", NULL},
      {"multipart/form-data; boundary=a; boundary=b", NULL},
      {"multipart/form-data; boundary=\"a\\\"b\"", NULL},
      {"multipart/form-data; boundary=a*b", NULL},
      {"multipart/form-data; boundary=\"a\xc3\xa4\"", NULL},
      {"multipart/form-data; boundary=\"unterminated", NULL},
      {"multipart/mixed; boundary=abc", NULL},
      {"multipart/form-datax; boundary=abc", NULL},
      {"application/x-www-form-urlencoded", NULL},
      {"", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *got = mp_boundary(a, cases[i].ct);
    if (cases[i].want)
      cr_assert(got && strcmp(got, cases[i].want) == 0, "case %zu: got %s", i, got ? got : "NULL");
    else
      cr_assert_null(got, "case %zu: got %s", i, got);
  }
  cr_assert_null(mp_boundary(a, NULL));
  arena_free(a);
}

Test(multipart, boundary_with_spaces_and_specials_in_a_body)
{
  const char *bd = "a b:c/d=e?f'g(h)";
  char body[512];
  int n = snprintf(body, sizeof body,
                   "--%s\r\nContent-Disposition: form-data; name=x\r\n\r\n--%s \r\n\r\n--%s--", bd,
                   "a b:c/d=e?f'g(h", bd);
  struct result r;
  parse_whole(bd, body, (size_t)n, &r);
  cr_assert_eq(r.finish_rc, 0, "%s", r.err);
  cr_assert_eq(r.rec.n, 1);
  cr_assert_eq(r.rec.parts[0].len, strlen("--a b:c/d=e?f'g(h \r\n"));
  result_free(&r);
  assert_split_invariant(bd, body, (size_t)n);
}
