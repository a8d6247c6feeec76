/* imgurl.c — parsing, canonical form and signatures of image CDN URLs (imgurl.h). */
#include "media/imgurl.h"

#include "core/arena.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void imgurl_defaults(struct imgurl_opts *o)
{
  memset(o, 0, sizeof *o);
  o->type = IMGURL_FIT;
  o->gravity = IMGURL_G_CE;
  o->fmt = MEDIA_FMT_NONE;
  o->dpr = 1.0;
}

static const char *const type_names[] = {"fit", "fill", "fill-down", "force", "auto"};
static const char *const gravity_names[] = {"ce",   "no",   "so",   "ea",   "we",
                                            "noea", "nowe", "soea", "sowe", "sm"};

#define MAX_ARGS 6

static int bad(struct err *e, const char *opt, const char *fmt, const char *arg)
{
  err_set_field(e, CC24_E_BAD_PARAMETER, opt, fmt, arg ? arg : "");
  return -1;
}

/* A decimal integer in [lo, hi]; the whole string. */
static bool int_arg(const char *s, int lo, int hi, int *out)
{
  if (!*s || strlen(s) > 9)
    return false;
  for (const char *p = s; *p; p++)
    if (!isdigit((unsigned char)*p))
      return false;
  long v = strtol(s, NULL, 10);
  if (v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

static bool bool_arg(const char *s, bool *out)
{
  if (!strcmp(s, "1") || !strcmp(s, "t") || !strcmp(s, "true")) {
    *out = true;
    return true;
  }
  if (!strcmp(s, "0") || !strcmp(s, "f") || !strcmp(s, "false")) {
    *out = false;
    return true;
  }
  return false;
}

static int name_index(const char *const *names, int n, const char *s)
{
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], s))
      return i;
  return -1;
}

static bool fmt_arg(const char *s, enum media_fmt *f)
{
  if (!strcmp(s, "jpg") || !strcmp(s, "jpeg"))
    *f = MEDIA_FMT_JPEG;
  else if (!strcmp(s, "png"))
    *f = MEDIA_FMT_PNG;
  else if (!strcmp(s, "webp"))
    *f = MEDIA_FMT_WEBP;
  else if (!strcmp(s, "avif"))
    *f = MEDIA_FMT_AVIF;
  else if (!strcmp(s, "auto"))
    *f = MEDIA_FMT_NONE;
  else
    return false;
  return true;
}

/* "1", "2", "1.5", "1.25": at most two decimals, 1..4. */
static bool dpr_arg(const char *s, double *out)
{
  int whole = 0, frac = 0, fd = 0;
  const char *p = s;
  if (!isdigit((unsigned char)*p))
    return false;
  while (isdigit((unsigned char)*p) && whole < 100)
    whole = whole * 10 + (*p++ - '0');
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p) && fd < 2) {
      frac = frac * 10 + (*p++ - '0');
      fd++;
    }
    if (fd == 0)
      return false;
  }
  if (*p)
    return false;
  double v = whole + frac / (fd == 2 ? 100.0 : fd == 1 ? 10.0 : 1.0);
  if (v < 1.0 || v > 4.0)
    return false;
  *out = v;
  return true;
}

/* Size arguments W:H[:ENLARGE[:EXTEND]] from argv[first]. */
static int size_args(struct imgurl_opts *o, const char *opt, char **argv, int argc, int first,
                     struct err *e)
{
  int n = argc - first;
  if (n < 1 || n > 4)
    return bad(e, opt, "option %s needs width:height[:enlarge[:extend]]", opt);
  if (!int_arg(argv[first], 0, IMGURL_MAX_SIDE, &o->width))
    return bad(e, opt, "width must be 0..4096 (%s)", argv[first]);
  if (n >= 2 && !int_arg(argv[first + 1], 0, IMGURL_MAX_SIDE, &o->height))
    return bad(e, opt, "height must be 0..4096 (%s)", argv[first + 1]);
  if (n >= 3 && !bool_arg(argv[first + 2], &o->enlarge))
    return bad(e, opt, "enlarge must be 1/0, t/f or true/false (%s)", argv[first + 2]);
  if (n >= 4 && !bool_arg(argv[first + 3], &o->extend))
    return bad(e, opt, "extend must be 1/0, t/f or true/false (%s)", argv[first + 3]);
  return 0;
}

static int option(struct imgurl_opts *o, char *seg, struct err *e)
{
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  for (char *p = seg; argc <= MAX_ARGS;) {
    argv[argc++] = p;
    char *c = strchr(p, ':');
    if (!c)
      break;
    *c = 0;
    p = c + 1;
  }
  const char *name = argv[0];
  if (argc > MAX_ARGS)
    return bad(e, name, "option %s has too many arguments", name);
  if (argc < 2)
    return bad(e, name, "option %s has no argument", name);
  if (!strcmp(name, "rs") || !strcmp(name, "resize")) {
    int t = name_index(type_names, 5, argv[1]);
    if (t < 0)
      return bad(e, name, "resize type must be fit, fill, fill-down, force or auto (%s)", argv[1]);
    o->type = t;
    if (argc == 2)
      return 0;
    return size_args(o, name, argv, argc, 2, e);
  }
  if (!strcmp(name, "s") || !strcmp(name, "size"))
    return size_args(o, name, argv, argc, 1, e);
  if (argc != 2)
    return bad(e, name, "option %s takes one argument", name);
  const char *v = argv[1];
  if (!strcmp(name, "w") || !strcmp(name, "width")) {
    if (!int_arg(v, 0, IMGURL_MAX_SIDE, &o->width))
      return bad(e, name, "width must be 0..4096 (%s)", v);
  } else if (!strcmp(name, "h") || !strcmp(name, "height")) {
    if (!int_arg(v, 0, IMGURL_MAX_SIDE, &o->height))
      return bad(e, name, "height must be 0..4096 (%s)", v);
  } else if (!strcmp(name, "rt") || !strcmp(name, "resizing_type")) {
    int t = name_index(type_names, 5, v);
    if (t < 0)
      return bad(e, name, "resize type must be fit, fill, fill-down, force or auto (%s)", v);
    o->type = t;
  } else if (!strcmp(name, "g") || !strcmp(name, "gravity")) {
    int g = name_index(gravity_names, 10, v);
    if (g < 0)
      return bad(e, name, "gravity must be ce, no, so, ea, we, noea, nowe, soea, sowe or sm (%s)",
                 v);
    o->gravity = g;
  } else if (!strcmp(name, "q") || !strcmp(name, "quality")) {
    if (!int_arg(v, 0, 100, &o->quality))
      return bad(e, name, "quality must be 1..100 (0 = default) (%s)", v);
  } else if (!strcmp(name, "f") || !strcmp(name, "format") || !strcmp(name, "ext")) {
    if (!fmt_arg(v, &o->fmt))
      return bad(e, name, "format must be jpg, png, webp, avif or auto (%s)", v);
  } else if (!strcmp(name, "dpr")) {
    if (!dpr_arg(v, &o->dpr))
      return bad(e, name, "dpr must be a number from 1 to 4 (%s)", v);
  } else if (!strcmp(name, "el") || !strcmp(name, "enlarge")) {
    if (!bool_arg(v, &o->enlarge))
      return bad(e, name, "enlarge must be 1/0, t/f or true/false (%s)", v);
  } else if (!strcmp(name, "ex") || !strcmp(name, "extend")) {
    if (!bool_arg(v, &o->extend))
      return bad(e, name, "extend must be 1/0, t/f or true/false (%s)", v);
  } else {
    return bad(e, name, "unknown option %s", name);
  }
  return 0;
}

static bool source_char(char c)
{
  return isalnum((unsigned char)c) || c == '_' || c == '-';
}

int imgurl_parse(struct arena *a, const char *path, struct imgurl_opts *o, const char **source,
                 struct err *e)
{
  imgurl_defaults(o);
  *source = NULL;
  if (!path || !*path)
    return bad(e, "source", "the image URL has no source%s", "");
  if (strlen(path) > 1024)
    return bad(e, "path", "the image URL is too long%s", "");
  char *copy = arena_strdup(a, path);
  char *last = strrchr(copy, '/');
  char *src = last ? last + 1 : copy;
  if (last)
    *last = 0;
  /* options */
  if (last) {
    char *p = copy;
    int n = 0;
    for (;;) {
      char *slash = strchr(p, '/');
      if (slash)
        *slash = 0;
      if (!*p)
        return bad(e, "path", "the image URL has an empty segment%s", "");
      if (++n > 32)
        return bad(e, "path", "the image URL has too many options%s", "");
      if (option(o, p, e) < 0)
        return -1;
      if (!slash)
        break;
      p = slash + 1;
    }
  }
  /* source, with an optional ".ext" / "@ext" format */
  char *suffix = strpbrk(src, ".@");
  if (suffix) {
    enum media_fmt f;
    if (!fmt_arg(suffix + 1, &f) || f == MEDIA_FMT_NONE)
      return bad(e, "source", "unknown format suffix %s", suffix);
    o->fmt = f;
    *suffix = 0;
  }
  size_t n = strlen(src);
  if (n == 0 || n > 64)
    return bad(e, "source", "the image source must be an id of 1 to 64 characters%s", "");
  for (size_t i = 0; i < n; i++)
    if (!source_char(src[i]))
      return bad(e, "source", "the image source has a character that is not allowed%s", "");
  *source = src;
  return 0;
}

static const char *fmt_name(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
    return "jpg";
  case MEDIA_FMT_PNG:
    return "png";
  case MEDIA_FMT_WEBP:
    return "webp";
  case MEDIA_FMT_AVIF:
    return "avif";
  default:
    return "auto";
  }
}

const char *imgurl_canonical(struct arena *a, const struct imgurl_opts *o)
{
  /* dpr printed with two decimals exactly as parsed (at most two) */
  int dpr100 = (int)lround(o->dpr * 100);
  return arena_printf(a, "rs:%s:%d:%d:%d:%d/g:%s/q:%d/dpr:%d.%02d/f:%s", type_names[o->type],
                      o->width, o->height, o->enlarge, o->extend, gravity_names[o->gravity],
                      o->quality, dpr100 / 100, dpr100 % 100, fmt_name(o->fmt));
}

void imgurl_target(const struct imgurl_opts *o, int *w, int *h)
{
  long tw = lround(o->width * o->dpr), th = lround(o->height * o->dpr);
  if (tw > IMGURL_MAX_SIDE || th > IMGURL_MAX_SIDE) {
    /* keep the box's proportions under the cap */
    double k = (double)IMGURL_MAX_SIDE / (double)(tw > th ? tw : th);
    tw = lround(tw * k);
    th = lround(th * k);
  }
  *w = (int)tw;
  *h = (int)th;
}

void imgurl_sign(const unsigned char *key, size_t klen, const unsigned char *salt, size_t slen,
                 const char *path, char out[48])
{
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, key, klen);
  crypto_auth_hmacsha256_update(&st, salt, slen);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)path, strlen(path));
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_bin2base64(out, 48, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool imgurl_verify(const unsigned char *key, size_t klen, const unsigned char *salt, size_t slen,
                   const char *signature, const char *path)
{
  if (!signature || strlen(signature) != 43 || !path)
    return false;
  char want[48];
  imgurl_sign(key, klen, salt, slen, path, want);
  return sodium_memcmp(want, signature, 43) == 0;
}
