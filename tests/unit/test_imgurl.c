/* test_imgurl.c — the image CDN URL grammar (imgurl.h): every option and alias the header
 * documents, the values each one refuses (with the field the error names), the source
 * segment and its format suffix, the length and count limits, the canonical form (exact
 * strings — they are cache keys — and parse → canonical → parse being a fixed point),
 * the target box after dpr and the 4096 px cap, and the signatures.
 *
 * The signature vectors were computed independently of libsodium when this file was
 * written, with OpenSSL:
 *
 *   { printf '%s' "$SALTHEX" | xxd -r -p; printf '%s' "$PATH"; } |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:"$KEYHEX" -binary |
 *     basenc --base64url | tr -d '='
 *
 * and are hard-coded below; nothing here recomputes them. */
#include "core/arena.h"
#include "core/err.h"
#include "media/imgurl.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena *A;

static void setup(void)
{
  cr_assert_geq(sodium_init(), 0);
  A = arena_new(0);
}

static void teardown(void)
{
  arena_free(A);
}

TestSuite(imgurl, .init = setup, .fini = teardown);

#define DEFAULTS "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto"

/* parse or fail the test, then the canonical string */
static const char *canon_of(const char *path, const char **source)
{
  struct imgurl_opts o;
  struct err e = {0};
  const char *src = NULL;
  int rc = imgurl_parse(A, path, &o, &src, &e);
  cr_assert_eq(rc, 0, "parse \"%s\": %s (field %s)", path, e.msg, e.field);
  cr_assert_not_null(src, "parse \"%s\": no source", path);
  if (source)
    *source = src;
  return imgurl_canonical(A, &o);
}

/* ---- defaults ---- */

Test(imgurl, defaults)
{
  struct imgurl_opts o;
  memset(&o, 0x5a, sizeof o);
  imgurl_defaults(&o);
  cr_assert_eq(o.type, IMGURL_FIT);
  cr_assert_eq(o.width, 0);
  cr_assert_eq(o.height, 0);
  cr_assert_not(o.enlarge);
  cr_assert_not(o.extend);
  cr_assert_eq(o.gravity, IMGURL_G_CE);
  cr_assert_eq(o.quality, 0);
  cr_assert_eq(o.fmt, MEDIA_FMT_NONE);
  cr_assert_float_eq(o.dpr, 1.0, 1e-12);
  cr_assert_str_eq(imgurl_canonical(A, &o), DEFAULTS);
}

Test(imgurl, source_only_gives_the_defaults)
{
  const char *src;
  cr_assert_str_eq(canon_of("abc", &src), DEFAULTS);
  cr_assert_str_eq(src, "abc");
}

/* ---- every accepted option, by its short and its long name ---- */

struct accept_case {
  const char *path;
  const char *canonical;
  const char *source;
};

static const struct accept_case accepted[] = {
    /* width / height */
    {"w:640/abc", "rs:fit:640:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"width:640/abc", "rs:fit:640:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"w:0/abc", DEFAULTS, "abc"},
    {"w:4096/abc", "rs:fit:4096:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"w:0640/abc", "rs:fit:640:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"h:480/abc", "rs:fit:0:480:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"height:480/abc", "rs:fit:0:480:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"h:4096/abc", "rs:fit:0:4096:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    /* size */
    {"s:800:600/abc", "rs:fit:800:600:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"size:800:600/abc", "rs:fit:800:600:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:800:600:1/abc", "rs:fit:800:600:1:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:800:600:1:1/abc", "rs:fit:800:600:1:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:800:600:t:true/abc", "rs:fit:800:600:1:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:0:600:false:f/abc", "rs:fit:0:600:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    /* resize, every type */
    {"rs:fit:800:600/abc", "rs:fit:800:600:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:fill:300:400:0/abc", "rs:fill:300:400:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:fill-down:300:400:1:1/abc", "rs:fill-down:300:400:1:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:force:10:20:0:1/abc", "rs:force:10:20:0:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:auto:10:20/abc", "rs:auto:10:20:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"resize:fill:300:400/abc", "rs:fill:300:400:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:force/abc", "rs:force:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:fill:300/abc", "rs:fill:300:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    /* resizing_type */
    {"rt:fill/abc", "rs:fill:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"resizing_type:force/abc", "rs:force:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rt:fill-down/abc", "rs:fill-down:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rt:auto/abc", "rs:auto:0:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rt:fit/abc", DEFAULTS, "abc"},
    /* gravity, all ten */
    {"g:ce/abc", DEFAULTS, "abc"},
    {"g:no/abc", "rs:fit:0:0:0:0/g:no/q:0/dpr:1.00/f:auto", "abc"},
    {"g:so/abc", "rs:fit:0:0:0:0/g:so/q:0/dpr:1.00/f:auto", "abc"},
    {"g:ea/abc", "rs:fit:0:0:0:0/g:ea/q:0/dpr:1.00/f:auto", "abc"},
    {"g:we/abc", "rs:fit:0:0:0:0/g:we/q:0/dpr:1.00/f:auto", "abc"},
    {"g:noea/abc", "rs:fit:0:0:0:0/g:noea/q:0/dpr:1.00/f:auto", "abc"},
    {"g:nowe/abc", "rs:fit:0:0:0:0/g:nowe/q:0/dpr:1.00/f:auto", "abc"},
    {"g:soea/abc", "rs:fit:0:0:0:0/g:soea/q:0/dpr:1.00/f:auto", "abc"},
    {"g:sowe/abc", "rs:fit:0:0:0:0/g:sowe/q:0/dpr:1.00/f:auto", "abc"},
    {"g:sm/abc", "rs:fit:0:0:0:0/g:sm/q:0/dpr:1.00/f:auto", "abc"},
    {"gravity:sm/abc", "rs:fit:0:0:0:0/g:sm/q:0/dpr:1.00/f:auto", "abc"},
    /* quality */
    {"q:0/abc", DEFAULTS, "abc"},
    {"q:1/abc", "rs:fit:0:0:0:0/g:ce/q:1/dpr:1.00/f:auto", "abc"},
    {"q:100/abc", "rs:fit:0:0:0:0/g:ce/q:100/dpr:1.00/f:auto", "abc"},
    {"quality:55/abc", "rs:fit:0:0:0:0/g:ce/q:55/dpr:1.00/f:auto", "abc"},
    /* format */
    {"f:jpg/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:jpg", "abc"},
    {"f:jpeg/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:jpg", "abc"},
    {"f:png/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:png", "abc"},
    {"f:webp/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:webp", "abc"},
    {"f:avif/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:avif", "abc"},
    {"format:webp/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:webp", "abc"},
    {"f:webp/f:auto/abc", DEFAULTS, "abc"},
    /* dpr */
    {"dpr:1/abc", DEFAULTS, "abc"},
    {"dpr:2/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:2.00/f:auto", "abc"},
    {"dpr:4/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:4.00/f:auto", "abc"},
    {"dpr:1.5/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.50/f:auto", "abc"},
    {"dpr:1.25/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.25/f:auto", "abc"},
    {"dpr:3.05/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:3.05/f:auto", "abc"},
    {"dpr:1.15/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.15/f:auto", "abc"},
    {"dpr:2.0/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:2.00/f:auto", "abc"},
    {"dpr:4.00/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:4.00/f:auto", "abc"},
    {"dpr:01.5/abc", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.50/f:auto", "abc"},
    /* enlarge / extend, every spelling of a boolean */
    {"el:1/abc", "rs:fit:0:0:1:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"el:t/abc", "rs:fit:0:0:1:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"el:true/abc", "rs:fit:0:0:1:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"enlarge:1/abc", "rs:fit:0:0:1:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"el:1/el:0/abc", DEFAULTS, "abc"},
    {"el:1/el:f/abc", DEFAULTS, "abc"},
    {"el:1/el:false/abc", DEFAULTS, "abc"},
    {"ex:1/abc", "rs:fit:0:0:0:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"ex:t/abc", "rs:fit:0:0:0:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"extend:true/abc", "rs:fit:0:0:0:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"ex:1/extend:0/abc", DEFAULTS, "abc"},
    /* the source and its format suffix */
    {"abc.webp", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:webp", "abc"},
    {"abc@webp", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:webp", "abc"},
    {"abc.jpg", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:jpg", "abc"},
    {"abc.jpeg", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:jpg", "abc"},
    {"abc@png", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:png", "abc"},
    {"abc.avif", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:avif", "abc"},
    {"w:10/Xy_9-id", "rs:fit:10:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "Xy_9-id"},
    {"w:10/-", "rs:fit:10:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "-"},
    {"w:10/_", "rs:fit:10:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "_"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", DEFAULTS,
     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"},
    /* later options override earlier ones; the suffix comes last */
    {"w:100/w:200/abc", "rs:fit:200:0:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"f:png/abc.webp", "rs:fit:0:0:0:0/g:ce/q:0/dpr:1.00/f:webp", "abc"},
    {"rs:fill:100:100/rt:fit/abc", "rs:fit:100:100:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:100:100:1:1/el:0/abc", "rs:fit:100:100:0:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"rs:fill:100:100:1:1/s:0:50/abc", "rs:fill:0:50:1:1/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"s:100:100/w:300/abc", "rs:fit:300:100:0:0/g:ce/q:0/dpr:1.00/f:auto", "abc"},
    {"g:no/g:sm/abc", "rs:fit:0:0:0:0/g:sm/q:0/dpr:1.00/f:auto", "abc"},
    /* everything at once */
    {"rs:fill:800:600:1:0/g:soea/q:90/dpr:2/f:png/car-42",
     "rs:fill:800:600:1:0/g:soea/q:90/dpr:2.00/f:png", "car-42"},
    {"resize:auto:1:2:t:t/gravity:nowe/quality:5/dpr:3.5/format:jpeg/P_1@avif",
     "rs:auto:1:2:1:1/g:nowe/q:5/dpr:3.50/f:avif", "P_1"},
};

Test(imgurl, every_documented_option_and_alias)
{
  for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
    const struct accept_case *c = &accepted[i];
    const char *src;
    const char *got = canon_of(c->path, &src);
    cr_expect_str_eq(got, c->canonical, "\"%s\": canonical %s, want %s", c->path, got,
                     c->canonical);
    cr_expect_str_eq(src, c->source, "\"%s\": source %s, want %s", c->path, src, c->source);
  }
}

Test(imgurl, parsed_fields)
{
  struct imgurl_opts o;
  struct err e = {0};
  const char *src;
  cr_assert_eq(imgurl_parse(A, "rs:fill-down:300:400:t:1/g:sm/q:77/dpr:1.25/abc.png", &o, &src, &e),
               0, "%s", e.msg);
  cr_assert_eq(o.type, IMGURL_FILL_DOWN);
  cr_assert_eq(o.width, 300);
  cr_assert_eq(o.height, 400);
  cr_assert(o.enlarge);
  cr_assert(o.extend);
  cr_assert_eq(o.gravity, IMGURL_G_SM);
  cr_assert_eq(o.quality, 77);
  cr_assert_eq(o.fmt, MEDIA_FMT_PNG);
  cr_assert_float_eq(o.dpr, 1.25, 1e-12);
  cr_assert_str_eq(src, "abc");
}

Test(imgurl, parse_does_not_modify_its_input)
{
  char path[] = "rs:fill:300:400/g:no/abc.webp";
  char copy[sizeof path];
  memcpy(copy, path, sizeof path);
  const char *src;
  canon_of(path, &src);
  cr_assert_str_eq(path, copy);
  cr_assert(src < path || src >= path + sizeof path, "the source must live in the arena");
}

/* ---- refusals: CC24_E_BAD_PARAMETER naming the option ---- */

struct reject_case {
  const char *path;
  const char *field;
};

static const struct reject_case rejected[] = {
    /* widths and heights: negative, too big, not a decimal */
    {"w:-1/abc", "w"},
    {"w:4097/abc", "w"},
    {"w:65536/abc", "w"},
    {"w:99999999999/abc", "w"},
    {"w:2147483648/abc", "w"},
    {"width:1e3/abc", "width"},
    {"w:/abc", "w"},
    {"w: 5/abc", "w"},
    {"w:5 /abc", "w"},
    {"w:+5/abc", "w"},
    {"w:0x10/abc", "w"},
    {"w:1.5/abc", "w"},
    {"w:10:20/abc", "w"},
    {"h:5000/abc", "h"},
    {"height:-480/abc", "height"},
    {"s:4097:10/abc", "s"},
    {"s:10:-1/abc", "s"},
    {"s:10:4097/abc", "s"},
    {"s:1:2:3:4:5/abc", "s"},
    {"s:10:10:yes/abc", "s"},
    {"s:10:10:1:maybe/abc", "s"},
    {"size:a:b/abc", "size"},
    /* resize types */
    {"rs:zoom:1:1/abc", "rs"},
    {"rs:FIT:1:1/abc", "rs"},
    {"rs:/abc", "rs"},
    {"rs:fit:/abc", "rs"},
    {"rs:fit:1:2:1:1:1/abc", "rs"},
    {"rs:fit:1:2:1:1:1:1:1:1/abc", "rs"},
    {"resize:fill:-5:5/abc", "resize"},
    {"rs:fill:5:5:2/abc", "rs"},
    {"rt:crop/abc", "rt"},
    {"resizing_type:fill:1/abc", "resizing_type"},
    /* gravity */
    {"g:center/abc", "g"},
    {"g:nw/abc", "g"},
    {"g:CE/abc", "g"},
    {"g:/abc", "g"},
    {"g:ce:10:10/abc", "g"},
    {"gravity:xx/abc", "gravity"},
    /* quality */
    {"q:101/abc", "q"},
    {"q:-1/abc", "q"},
    {"q:high/abc", "q"},
    {"quality:1000/abc", "quality"},
    /* format: nothing but jpg jpeg png webp avif auto */
    {"f:gif/abc", "f"},
    {"f:svg/abc", "f"},
    {"f:heic/abc", "f"},
    {"f:JPG/abc", "f"},
    {"format:tiff/abc", "format"},
    {"f:/abc", "f"},
    /* dpr */
    {"dpr:0/abc", "dpr"},
    {"dpr:0.5/abc", "dpr"},
    {"dpr:0.99/abc", "dpr"},
    {"dpr:5/abc", "dpr"},
    {"dpr:4.01/abc", "dpr"},
    {"dpr:1./abc", "dpr"},
    {"dpr:.5/abc", "dpr"},
    {"dpr:1.555/abc", "dpr"},
    {"dpr:-1/abc", "dpr"},
    {"dpr:1e0/abc", "dpr"},
    {"dpr:nan/abc", "dpr"},
    {"dpr:inf/abc", "dpr"},
    {"dpr:1,5/abc", "dpr"},
    {"dpr:10000000000000000000/abc", "dpr"},
    {"dpr:/abc", "dpr"},
    /* booleans */
    {"el:yes/abc", "el"},
    {"el:2/abc", "el"},
    {"el:TRUE/abc", "el"},
    {"enlarge:/abc", "enlarge"},
    {"ex:2/abc", "ex"},
    {"extend:no/abc", "extend"},
    /* unknown options and options without an argument */
    {"foo:1/abc", "foo"},
    {"blur:5/abc", "blur"},
    {"crop:10:10/abc", "crop"},
    {"W:640/abc", "W"},
    {"w/abc", "w"},
    {":5/abc", ""},
    /* the source */
    {"", "source"},
    {"w:640/", "source"},
    {"abc.gif", "source"},
    {"abc.svg", "source"},
    {"abc.auto", "source"},
    {"abc@auto", "source"},
    {"abc.", "source"},
    {"abc@", "source"},
    {".webp", "source"},
    {"@webp", "source"},
    {"a.b.webp", "source"},
    {"abc.webp.png", "source"},
    {"abc def", "source"},
    {"abc?x=1", "source"},
    {"abc#x", "source"},
    {"a%2e%2e", "source"},
    {"w:640/\xc3\xa4"
     "bc",
     "source"},
    {"abc\\def", "source"},
    {"abc:def", "source"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-x", "source"},
    /* path traversal and empty segments */
    {"..", "source"},
    {"w:640/..", "source"},
    {"w:640/abc..", "source"},
    {"../abc", ".."},
    {"w:640/../abc", ".."},
    {"w:640/../../etc/passwd", ".."},
    {"./abc", "."},
    {"w:640//abc", "path"},
    {"/w:640/abc", "path"},
    {"//abc", "path"},
    {"/abc", "path"},
};

Test(imgurl, rejects_bad_values_naming_the_option)
{
  for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
    const struct reject_case *c = &rejected[i];
    struct imgurl_opts o;
    struct err e = {0};
    const char *src = "unset";
    int rc = imgurl_parse(A, c->path, &o, &src, &e);
    cr_expect_eq(rc, -1, "\"%s\" was accepted", c->path);
    if (rc != -1)
      continue;
    cr_expect_eq(e.code, CC24_E_BAD_PARAMETER, "\"%s\": code %d", c->path, e.code);
    cr_expect_str_eq(e.field, c->field, "\"%s\": field \"%s\", want \"%s\" (%s)", c->path, e.field,
                     c->field, e.msg);
    cr_expect_neq(e.msg[0], 0, "\"%s\": no message", c->path);
    cr_expect_null(src, "\"%s\": *source must be NULL on error", c->path);
  }
}

Test(imgurl, null_path_is_a_missing_source)
{
  struct imgurl_opts o;
  struct err e = {0};
  const char *src = "unset";
  cr_assert_eq(imgurl_parse(A, NULL, &o, &src, &e), -1);
  cr_assert_eq(e.code, CC24_E_BAD_PARAMETER);
  cr_assert_str_eq(e.field, "source");
  cr_assert_null(src);
}

Test(imgurl, error_message_quotes_the_bad_value)
{
  struct imgurl_opts o;
  struct err e = {0};
  const char *src;
  cr_assert_eq(imgurl_parse(A, "w:5000/abc", &o, &src, &e), -1);
  cr_assert(strstr(e.msg, "5000"), "%s", e.msg);
  cr_assert_eq(imgurl_parse(A, "g:middle/abc", &o, &src, &e), -1);
  cr_assert(strstr(e.msg, "middle"), "%s", e.msg);
  cr_assert_eq(imgurl_parse(A, "sharpen:1/abc", &o, &src, &e), -1);
  cr_assert(strstr(e.msg, "sharpen"), "%s", e.msg);
}

Test(imgurl, a_long_unknown_option_name_is_truncated_in_the_field)
{
  char path[300];
  memset(path, 'x', 200);
  memcpy(path + 200, ":1/abc", 7);
  struct imgurl_opts o;
  struct err e = {0};
  const char *src;
  cr_assert_eq(imgurl_parse(A, path, &o, &src, &e), -1);
  cr_assert_eq(e.code, CC24_E_BAD_PARAMETER);
  cr_assert_lt(strlen(e.field), sizeof e.field);
  cr_assert_gt(strlen(e.field), 0);
  cr_assert_eq(strspn(e.field, "x"), strlen(e.field));
}

/* ---- length and count limits ---- */

/* n options of 34 characters each ("rs:fill-down:4096:4096:true:false/"), then a source of
 * srclen characters */
static char *long_path(int n, size_t srclen)
{
  static const char opt[] = "rs:fill-down:4096:4096:true:false/";
  size_t ol = sizeof opt - 1;
  char *p = arena_alloc(A, (size_t)n * ol + srclen + 1);
  for (int i = 0; i < n; i++)
    memcpy(p + (size_t)i * ol, opt, ol);
  memset(p + (size_t)n * ol, 'a', srclen);
  p[(size_t)n * ol + srclen] = 0;
  return p;
}

Test(imgurl, a_path_of_1024_characters_is_accepted)
{
  char *p = long_path(29, 38);
  cr_assert_eq(strlen(p), 1024);
  const char *src;
  cr_assert_str_eq(canon_of(p, &src), "rs:fill-down:4096:4096:1:0/g:ce/q:0/dpr:1.00/f:auto");
  cr_assert_eq(strlen(src), 38);
}

Test(imgurl, a_path_over_1024_characters_is_refused)
{
  struct imgurl_opts o;
  struct err e = {0};
  const char *src;
  char *p = long_path(29, 39);
  cr_assert_eq(strlen(p), 1025);
  cr_assert_eq(imgurl_parse(A, p, &o, &src, &e), -1);
  cr_assert_eq(e.code, CC24_E_BAD_PARAMETER);
  cr_assert_str_eq(e.field, "path");
  cr_assert(strstr(e.msg, "too long"), "%s", e.msg);

  /* a 100 kB URL: refused the same way, quickly */
  char *big = long_path(3000, 10);
  cr_assert_eq(imgurl_parse(A, big, &o, &src, &e), -1);
  cr_assert_str_eq(e.field, "path");
}

Test(imgurl, at_most_32_options)
{
  char p32[32 * 4 + 4], p33[33 * 4 + 4];
  p32[0] = p33[0] = 0;
  for (int i = 0; i < 32; i++)
    strcat(p32, "q:1/");
  strcat(p32, "abc");
  for (int i = 0; i < 33; i++)
    strcat(p33, "q:1/");
  strcat(p33, "abc");
  canon_of(p32, NULL);
  struct imgurl_opts o;
  struct err e = {0};
  const char *src;
  cr_assert_eq(imgurl_parse(A, p33, &o, &src, &e), -1);
  cr_assert_eq(e.code, CC24_E_BAD_PARAMETER);
  cr_assert_str_eq(e.field, "path");
  cr_assert(strstr(e.msg, "too many"), "%s", e.msg);
}

/* ---- canonical form ---- */

/* The exact cache key format. (imgurl.h's example writes "dpr:1"; the implementation
 * writes two decimals, "dpr:1.00" — these strings pin what is in the caches.) */
Test(imgurl, canonical_is_the_documented_order)
{
  cr_assert_str_eq(canon_of("rs:fit:800:600:0:0/g:ce/q:0/dpr:1/f:webp/abc", NULL),
                   "rs:fit:800:600:0:0/g:ce/q:0/dpr:1.00/f:webp");
}

/* Groups of URLs that give the same image: one canonical string per group. */
static const char *const same[][6] = {
    {"w:640/h:480/abc", "s:640:480/abc", "rs:fit:640:480/abc", "size:640:480:0:0/abc",
     "h:480/w:640/g:ce/q:0/dpr:1/el:f/ex:false/abc", "rs:fit:640:480:false:f/f:auto/abc"},
    {"f:webp/w:640/abc", "w:640/f:webp/abc", "w:640/abc.webp", "w:640/abc@webp",
     "format:webp/width:640/abc", "f:jpg/w:640/abc@webp"},
    {"dpr:1.5/abc", "dpr:1.50/abc", "dpr:01.5/abc", "dpr:4/dpr:1.5/abc", NULL, NULL},
    {"rs:fill:10:20:1:1/abc", "rt:fill/s:10:20:1:1/abc", "s:10:20/el:1/ex:1/rt:fill/abc",
     "rs:fit:10:20:1:1/resizing_type:fill/abc", NULL, NULL},
    {"q:80/f:jpeg/abc", "quality:80/abc.jpg", "f:jpg/q:80/abc", NULL, NULL, NULL},
};

Test(imgurl, equivalent_urls_have_one_canonical_form)
{
  for (size_t g = 0; g < sizeof same / sizeof same[0]; g++) {
    const char *first = canon_of(same[g][0], NULL);
    for (int i = 1; i < 6 && same[g][i]; i++) {
      const char *c = canon_of(same[g][i], NULL);
      cr_expect_str_eq(c, first, "\"%s\" → %s, but \"%s\" → %s", same[g][i], c, same[g][0], first);
    }
  }
}

Test(imgurl, different_images_have_different_canonical_forms)
{
  static const char *const differ[] = {
      "abc",
      "w:640/abc",
      "w:641/abc",
      "h:640/abc",
      "s:640:640/abc",
      "rs:fill:640:640/abc",
      "rs:fill-down:640:640/abc",
      "rs:force:640:640/abc",
      "rs:auto:640:640/abc",
      "s:640:640:1/abc",
      "s:640:640:0:1/abc",
      "g:no/abc",
      "g:so/abc",
      "g:sm/abc",
      "q:50/abc",
      "q:51/abc",
      "dpr:2/abc",
      "dpr:2.01/abc",
      "f:png/abc",
      "f:webp/abc",
      "f:avif/abc",
      "f:jpg/abc",
  };
  size_t n = sizeof differ / sizeof differ[0];
  const char *c[sizeof differ / sizeof differ[0]];
  for (size_t i = 0; i < n; i++)
    c[i] = canon_of(differ[i], NULL);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      cr_expect_str_neq(c[i], c[j], "\"%s\" and \"%s\" share %s", differ[i], differ[j], c[i]);
}

static void expect_same_opts(const struct imgurl_opts *a, const struct imgurl_opts *b,
                             const char *what)
{
  cr_expect_eq(a->type, b->type, "%s: type", what);
  cr_expect_eq(a->width, b->width, "%s: width", what);
  cr_expect_eq(a->height, b->height, "%s: height", what);
  cr_expect_eq(a->enlarge, b->enlarge, "%s: enlarge", what);
  cr_expect_eq(a->extend, b->extend, "%s: extend", what);
  cr_expect_eq(a->gravity, b->gravity, "%s: gravity", what);
  cr_expect_eq(a->quality, b->quality, "%s: quality", what);
  cr_expect_eq(a->fmt, b->fmt, "%s: fmt", what);
  cr_expect_float_eq(a->dpr, b->dpr, 1e-9, "%s: dpr", what);
}

/* parse → canonical → parse gives the same options and the same canonical string, for
 * every accepted case above */
Test(imgurl, canonical_reparses_to_itself)
{
  for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
    const char *path = accepted[i].path;
    struct imgurl_opts o1, o2;
    struct err e = {0};
    const char *src1, *src2;
    cr_assert_eq(imgurl_parse(A, path, &o1, &src1, &e), 0, "%s: %s", path, e.msg);
    const char *c1 = imgurl_canonical(A, &o1);
    const char *again = arena_printf(A, "%s/%s", c1, src1);
    cr_assert_eq(imgurl_parse(A, again, &o2, &src2, &e), 0, "%s → %s: %s", path, again, e.msg);
    expect_same_opts(&o1, &o2, path);
    cr_expect_str_eq(imgurl_canonical(A, &o2), c1, "%s", path);
    cr_expect_str_eq(src2, src1, "%s", path);
  }
}

/* every dpr with at most two decimals survives the round trip exactly */
Test(imgurl, every_two_decimal_dpr_round_trips)
{
  for (int v = 100; v <= 400; v++) {
    char path[64], want[16];
    snprintf(path, sizeof path, "dpr:%d.%02d/abc", v / 100, v % 100);
    snprintf(want, sizeof want, "dpr:%d.%02d/", v / 100, v % 100);
    const char *c = canon_of(path, NULL);
    cr_expect(strstr(c, want), "%s → %s", path, c);
    const char *again = canon_of(arena_printf(A, "%s/abc", c), NULL);
    cr_expect_str_eq(again, c);
  }
}

/* ---- the target box ---- */

struct target_case {
  const char *path;
  int w, h;
};

static const struct target_case targets[] = {
    {"abc", 0, 0},
    {"w:640/abc", 640, 0},
    {"h:480/abc", 0, 480},
    {"s:1000:500/dpr:2/abc", 2000, 1000},
    {"s:100:100/dpr:1.5/abc", 150, 150},
    {"s:101:33/dpr:1.5/abc", 152, 50}, /* 151.5 and 49.5 round half away from zero */
    {"s:4096:2048/abc", 4096, 2048},
    {"s:4096:2048/dpr:2/abc", 4096, 2048},
    {"s:3000:1000/dpr:1.5/abc", 4096, 1365}, /* 4500 × 1500 scaled to the cap */
    {"s:1000:3000/dpr:1.5/abc", 1365, 4096},
    {"w:4096/dpr:4/abc", 4096, 0},
    {"h:4096/dpr:4/abc", 0, 4096},
    {"s:4096:1/dpr:4/abc", 4096, 1},
    {"s:4096:4096/dpr:4/abc", 4096, 4096},
    {"s:2048:2048/dpr:2/abc", 4096, 4096},
    {"s:2049:10/dpr:2/abc", 4096, 20},
};

Test(imgurl, target_box_after_dpr_and_cap)
{
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
    struct imgurl_opts o;
    struct err e = {0};
    const char *src;
    cr_assert_eq(imgurl_parse(A, targets[i].path, &o, &src, &e), 0, "%s", e.msg);
    int w = -1, h = -1;
    imgurl_target(&o, &w, &h);
    cr_expect_eq(w, targets[i].w, "%s: w %d, want %d", targets[i].path, w, targets[i].w);
    cr_expect_eq(h, targets[i].h, "%s: h %d, want %d", targets[i].path, h, targets[i].h);
    cr_expect_leq(w, IMGURL_MAX_SIDE);
    cr_expect_leq(h, IMGURL_MAX_SIDE);
  }
}

/* the cap holds for every size and dpr the grammar accepts (sampled) */
Test(imgurl, target_never_exceeds_the_cap)
{
  for (int w = 0; w <= 4096; w += 127)
    for (int h = 0; h <= 4096; h += 131)
      for (int d = 100; d <= 400; d += 37) {
        struct imgurl_opts o;
        imgurl_defaults(&o);
        o.width = w;
        o.height = h;
        o.dpr = d / 100.0;
        int tw, th;
        imgurl_target(&o, &tw, &th);
        cr_assert(tw >= 0 && tw <= IMGURL_MAX_SIDE && th >= 0 && th <= IMGURL_MAX_SIDE,
                  "%dx%d@%d → %dx%d", w, h, d, tw, th);
        cr_assert_eq(tw == 0, w == 0, "%dx%d@%d → %dx%d", w, h, d, tw, th);
        cr_assert_eq(th == 0, h == 0, "%dx%d@%d → %dx%d", w, h, d, tw, th);
      }
}

/* ---- signatures ---- */

struct sig_vector {
  const char *key_hex;
  const char *salt_hex;
  const char *path;
  const char *signature; /* from openssl, see the top of this file */
};

#define K_IMGPROXY "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881"
#define S_IMGPROXY "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5"

static const struct sig_vector vectors[] = {
    /* the key and salt of imgproxy's documentation, its example path shape */
    {K_IMGPROXY, S_IMGPROXY,
     "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png",
     "90UxdwGRAI2bpLSHKkZculJau5ahfxfS0h3fMuQAf40"},
    {K_IMGPROXY, S_IMGPROXY, "/w:640/f:webp/abc", "yVfO7rfHKqslFdc4nGWhXfRv9GcM5i4psaW1ApUiLgk"},
    /* the signature uses both URL-safe characters */
    {K_IMGPROXY, S_IMGPROXY, "/rs:fill:800:600/g:no/photo2.webp",
     "WXW1p_BUGaRzs59QKUI7woPDt9vKFmuHkVHEE0cEX-o"},
    {K_IMGPROXY, S_IMGPROXY, "/rs:fill:800:600/g:no/photo7.webp",
     "u9HrmYRJPNonwPm_ZNZNDu2GrACQFtTo4v-Qy19Wmdg"},
    /* no salt */
    {K_IMGPROXY, "", "/w:640/f:webp/abc", "0g8-ZZZuHoiQolme8-RakYJmAE7s4EAYe4FM1fE9pT4"},
    /* a text salt ("cc24-salt") */
    {K_IMGPROXY, "636332342d73616c74", "/w:640/f:webp/abc",
     "nq4LNBQHd1plwVlCsfVMYJwYhl1ew_fyhTYfI5DoLwA"},
    /* a text key ("secret") */
    {"736563726574", "", "/rs:fit:800:600/Xy_9-id.jpg",
     "p-jCab7PsxZWtakJuRUthd4OCcyKzSFbH1W9k4jcIao"},
    /* NUL bytes in key and salt: lengths, not strings */
    {"00ff00ff", "0000", "/g:sm/q:90/car-1", "nTyc0Nu6YI09kNT2rbn6h2PTEzbaDspH9uttZ0Vevsc"},
    /* a one-byte key, the shortest path */
    {"01", "", "/", "fNkWDBucZwA0v1EoGYCt7miU6BwbpZt0H-8mhbfqZWE"},
    /* keys of exactly one SHA-256 block (64 bytes) and one byte more (hashed first) */
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
     "", "/w:320/h:240/car", "27FQ1xaDaEPkosSiHLSspHrFXrzrw2jnhAFU4BqZwCg"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40",
     "", "/w:320/h:240/car", "rjOespDWIRpS33KLZoya4sVNlfT2mIuX-o70O9aJNEA"},
    /* a 100-byte key */
    {"abababababababababababababababababababababababababababababababab"
     "abababababababababababababababababababababababababababababababab"
     "abababababababababababababababababababababababababababababababab"
     "abababab",
     "73616c74", "/s:1920:1080:1:1/dpr:2/photo_42@avif",
     "Uyi7i3Rop0g1FjGSkeyDgZ7Jdk2qI6W5L8y6Y3AemPo"},
};

struct bytes {
  unsigned char b[128];
  size_t n;
};

static struct bytes unhex(const char *hex)
{
  struct bytes r = {.n = 0};
  size_t bin_len = 0;
  cr_assert_eq(sodium_hex2bin(r.b, sizeof r.b, hex, strlen(hex), NULL, &bin_len, NULL), 0);
  r.n = bin_len;
  return r;
}

Test(imgurl, signatures_match_openssl)
{
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    const struct sig_vector *v = &vectors[i];
    struct bytes k = unhex(v->key_hex), s = unhex(v->salt_hex);
    char out[48];
    memset(out, '#', sizeof out);
    imgurl_sign(k.b, k.n, s.b, s.n, v->path, out);
    cr_expect_str_eq(out, v->signature, "vector %zu (%s)", i, v->path);
    cr_expect_eq(strlen(out), 43);
    cr_expect(imgurl_verify(k.b, k.n, s.b, s.n, v->signature, v->path), "vector %zu", i);
  }
}

Test(imgurl, signature_alphabet_is_base64url_without_padding)
{
  struct bytes k = unhex(K_IMGPROXY), s = unhex(S_IMGPROXY);
  for (int i = 0; i < 200; i++) {
    char path[64], out[48];
    snprintf(path, sizeof path, "/w:%d/car-%d", i, i * 7);
    imgurl_sign(k.b, k.n, s.b, s.n, path, out);
    cr_assert_eq(strlen(out), 43);
    cr_assert_eq(strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 43, "%s", out);
    cr_assert(imgurl_verify(k.b, k.n, s.b, s.n, out, path));
  }
}

#define V_PATH "/w:640/f:webp/abc"
#define V_SIG  "yVfO7rfHKqslFdc4nGWhXfRv9GcM5i4psaW1ApUiLgk"

Test(imgurl, verify_rejects_a_tampered_path)
{
  struct bytes k = unhex(K_IMGPROXY), s = unhex(S_IMGPROXY);
  static const char *const paths[] = {
      "/w:641/f:webp/abc",      "/w:640/f:webp/abd",  "/w:640/f:png/abc",   "/w:640/f:webp/abc/",
      "w:640/f:webp/abc",       "//w:640/f:webp/abc", "/W:640/f:webp/abc",  "/w:640/f:webp/ab",
      "/w:640/f:webp/abc.webp", "/f:webp/w:640/abc",  "/w:640/f:webp/abc ", "",
  };
  cr_assert(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG, V_PATH));
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG, paths[i]), "\"%s\" verified", paths[i]);
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG, NULL));
}

Test(imgurl, verify_rejects_a_tampered_signature_at_every_position)
{
  struct bytes k = unhex(K_IMGPROXY), s = unhex(S_IMGPROXY);
  for (int i = 0; i < 43; i++) {
    char bad[48];
    memcpy(bad, V_SIG, 44);
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, bad, V_PATH), "changed at %d: %s", i, bad);
  }
  /* case flipped; standard base64 alphabet instead of URL-safe */
  char bad[48];
  memcpy(bad, V_SIG, 44);
  bad[0] = 'Y';
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, bad, V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, "WXW1p/BUGaRzs59QKUI7woPDt9vKFmuHkVHEE0cEX+o",
                              "/rs:fill:800:600/g:no/photo2.webp"));
  cr_expect(imgurl_verify(k.b, k.n, s.b, s.n, "WXW1p_BUGaRzs59QKUI7woPDt9vKFmuHkVHEE0cEX-o",
                          "/rs:fill:800:600/g:no/photo2.webp"));
  /* another path's valid signature */
  cr_expect_not(
      imgurl_verify(k.b, k.n, s.b, s.n, "90UxdwGRAI2bpLSHKkZculJau5ahfxfS0h3fMuQAf40", V_PATH));
}

Test(imgurl, verify_rejects_truncated_and_padded_signatures)
{
  struct bytes k = unhex(K_IMGPROXY), s = unhex(S_IMGPROXY);
  for (size_t n = 0; n < 43; n++) {
    char cut[48];
    memcpy(cut, V_SIG, n);
    cut[n] = 0;
    cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, cut, V_PATH), "%zu characters", n);
  }
  /* imgproxy's truncated signatures (IMGPROXY_SIGNATURE_SIZE=8 → 11 characters) */
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, "yVfO7rfHKqs", V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG "=", V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG "A", V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG "yVfO7rfHKqsl", V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, NULL, V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n, "", V_PATH));
}

Test(imgurl, verify_rejects_a_wrong_key_or_salt)
{
  struct bytes k = unhex(K_IMGPROXY), s = unhex(S_IMGPROXY);
  cr_assert(imgurl_verify(k.b, k.n, s.b, s.n, V_SIG, V_PATH));
  /* every single bit of the key flipped */
  for (size_t i = 0; i < k.n * 8; i++) {
    struct bytes w = k;
    w.b[i / 8] ^= (unsigned char)(1u << (i % 8));
    cr_expect_not(imgurl_verify(w.b, w.n, s.b, s.n, V_SIG, V_PATH), "key bit %zu", i);
  }
  /* a key one byte shorter, or longer by a non-zero byte (HMAC pads a short key with
   * zeros, so key || 0x00 is the same key: that one must verify) */
  cr_expect_not(imgurl_verify(k.b, k.n - 1, s.b, s.n, V_SIG, V_PATH));
  struct bytes longer = k;
  longer.b[k.n] = 0x01;
  cr_expect_not(imgurl_verify(longer.b, k.n + 1, s.b, s.n, V_SIG, V_PATH));
  longer.b[k.n] = 0;
  cr_expect(imgurl_verify(longer.b, k.n + 1, s.b, s.n, V_SIG, V_PATH));
  /* the salt wrong, missing, or swapped with the key */
  struct bytes ws = s;
  ws.b[0] ^= 1;
  cr_expect_not(imgurl_verify(k.b, k.n, ws.b, ws.n, V_SIG, V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, 0, V_SIG, V_PATH));
  cr_expect_not(imgurl_verify(k.b, k.n, s.b, s.n - 1, V_SIG, V_PATH));
  cr_expect_not(imgurl_verify(s.b, s.n, k.b, k.n, V_SIG, V_PATH));
}

/* signing and parsing fit together: sign the path of a URL, verify, then parse the rest */
Test(imgurl, sign_then_verify_then_parse)
{
  struct bytes k = unhex("736563726574");
  const char *path = "/rs:fit:800:600/Xy_9-id.jpg";
  char sig[48];
  imgurl_sign(k.b, k.n, NULL, 0, path, sig);
  cr_assert_str_eq(sig, "p-jCab7PsxZWtakJuRUthd4OCcyKzSFbH1W9k4jcIao");
  char url[128];
  snprintf(url, sizeof url, "/img/%s%s", sig, path);
  /* what the CDN does: split off the signature, verify the rest, parse it */
  const char *p = url + strlen("/img/");
  const char *slash = strchr(p, '/');
  char got[48];
  memcpy(got, p, (size_t)(slash - p));
  got[slash - p] = 0;
  cr_assert(imgurl_verify(k.b, k.n, NULL, 0, got, slash));
  const char *src;
  cr_assert_str_eq(canon_of(slash + 1, &src), "rs:fit:800:600:0:0/g:ce/q:0/dpr:1.00/f:jpg");
  cr_assert_str_eq(src, "Xy_9-id");
}
