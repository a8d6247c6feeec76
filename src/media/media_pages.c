/* media_pages.c — photos as pages and the API show them: signed CDN URLs, the
 * <picture> object of templates/partials/picture.mustache (srcset per format, width
 * and height against layout shift, the placeholder), cover descriptors and the API's
 * photo objects. */
#include "media/media_internal.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/str.h"
#include "media/imgurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int media_widths[MEDIA_WIDTHS_N] = {320, 640, 1280, 2048};

static const char *const state_names[] = {"processing", "ready", "failed"};

const char *media_state_name(int state)
{
  return state >= 0 && state <= MEDIA_FAILED ? state_names[state] : "processing";
}

int media_state_parse(const char *s)
{
  for (int i = 0; s && i <= MEDIA_FAILED; i++)
    if (!strcmp(s, state_names[i]))
      return i;
  return MEDIA_PROCESSING;
}

const char *media_signed_url(struct arena *a, const char *options, const char *source)
{
  const char *path = arena_printf(a, "/%s/%s", options, source);
  char sig[48];
  imgurl_sign(media_g.key, media_g.klen, media_g.salt, media_g.slen, path, sig);
  return arena_printf(a, "/img/%s%s", sig, path);
}

/* ---- the variants list "WxH:fmt,..." ---- */

struct variant {
  int w, h;
  char fmt[8];
};

/* Parse up to max entries; returns the count. */
static int variants_parse(const char *s, struct variant *out, int max)
{
  int n = 0;
  while (s && *s && n < max) {
    struct variant v = {0};
    int used = 0;
    if (sscanf(s, "%dx%d:%7[a-z]%n", &v.w, &v.h, v.fmt, &used) != 3 || used <= 0)
      break;
    if (v.w > 0 && v.h > 0)
      out[n++] = v;
    s += used;
    if (*s != ',')
      break;
    s++;
  }
  return n;
}

#define MAX_VARIANTS 24

static const char *variant_options(struct arena *a, int w, const char *fmt)
{
  return arena_printf(a, "w:%d/f:%s", w, strcmp(fmt, "jpeg") ? fmt : "jpg");
}

/* "URL 320w, URL 640w" for one format; NULL when the format has no variant. */
static const char *srcset(struct arena *a, const char *id, const struct variant *v, int n,
                          const char *fmt)
{
  struct buf b;
  buf_init(&b, a);
  for (int i = 0; i < n; i++) {
    if (strcmp(v[i].fmt, fmt))
      continue;
    if (b.len)
      buf_puts(&b, ", ");
    buf_puts(&b, media_signed_url(a, variant_options(a, v[i].w, fmt), id));
    buf_printf(&b, " %dw", v[i].w);
  }
  return b.len ? buf_cstr(&b) : NULL;
}

/* The variant of fmt whose width is the smallest >= w (else the largest). */
static const struct variant *pick(const struct variant *v, int n, int w, const char *fmt)
{
  const struct variant *best = NULL;
  for (int i = 0; i < n; i++) {
    if (strcmp(v[i].fmt, fmt))
      continue;
    if (!best || (best->w < w && v[i].w > best->w) || (v[i].w >= w && v[i].w < best->w))
      best = &v[i];
  }
  return best;
}

static json_t *picture(struct arena *a, const char *id, int w, int h, const char *variants,
                       const char *placeholder, const char *alt, const char *sizes)
{
  struct variant v[MAX_VARIANTS];
  int n = variants_parse(variants, v, MAX_VARIANTS);
  const struct variant *fallback = pick(v, n, 640, "jpeg");
  if (!fallback)
    fallback = pick(v, n, 640, "png");
  if (!fallback || w <= 0 || h <= 0)
    return NULL;
  json_t *j = json_object();
  json_object_set_new(
      j, "src",
      json_string(media_signed_url(a, variant_options(a, fallback->w, fallback->fmt), id)));
  const char *s;
  if ((s = srcset(a, id, v, n, strcmp(fallback->fmt, "png") ? "jpeg" : "png")))
    json_object_set_new(j, "srcset_jpeg", json_string(s));
  if ((s = srcset(a, id, v, n, "webp")))
    json_object_set_new(j, "srcset_webp", json_string(s));
  if ((s = srcset(a, id, v, n, "avif")))
    json_object_set_new(j, "srcset_avif", json_string(s));
  json_object_set_new(j, "width", json_integer(w));
  json_object_set_new(j, "height", json_integer(h));
  if (placeholder && *placeholder)
    json_object_set_new(j, "placeholder", json_string(placeholder));
  json_object_set_new(j, "alt", json_string(alt ? alt : ""));
  json_object_set_new(j, "sizes", json_string(sizes ? sizes : "100vw"));
  return j;
}

json_t *media_picture_json(struct arena *a, const struct media_photo *p, const char *sizes)
{
  if (!p || p->state != MEDIA_READY)
    return NULL;
  return picture(a, p->public_id, p->width, p->height, p->variants, p->placeholder, p->alt, sizes);
}

const char *media_cover_descriptor(struct arena *a, const struct media_photo *p)
{
  if (!p || p->state != MEDIA_READY || !p->variants || !*p->variants)
    return "";
  return arena_printf(a, "%s|%d|%d|%s|%s", p->public_id, p->width, p->height, p->variants,
                      p->placeholder ? p->placeholder : "");
}

json_t *media_cover_json(struct arena *a, const char *d, const char *alt, const char *sizes)
{
  if (!d || !*d)
    return NULL;
  const char *bar[4];
  const char *s = d;
  for (int i = 0; i < 4; i++) {
    bar[i] = strchr(s, '|');
    if (!bar[i])
      return NULL;
    s = bar[i] + 1;
  }
  const char *id = arena_strndup(a, d, (size_t)(bar[0] - d));
  int w = atoi(bar[0] + 1), h = atoi(bar[1] + 1);
  const char *variants = arena_strndup(a, bar[2] + 1, (size_t)(bar[3] - bar[2] - 1));
  return picture(a, id, w, h, variants, bar[3] + 1, alt, sizes);
}

const char *media_photo_url(struct arena *a, const struct media_photo *p, int w, const char *fmt)
{
  if (!p || p->state != MEDIA_READY)
    return NULL;
  struct variant v[MAX_VARIANTS];
  int n = variants_parse(p->variants, v, MAX_VARIANTS);
  const struct variant *x = pick(v, n, w, fmt);
  if (!x)
    return NULL;
  return media_signed_url(a, variant_options(a, x->w, x->fmt), p->public_id);
}

json_t *media_logo_json(struct arena *a, const struct media_photo *logo, int box_h)
{
  if (!logo || logo->state != MEDIA_READY || logo->width <= 0 || logo->height <= 0 || box_h <= 0)
    return NULL;
  int w = (int)((int64_t)logo->width * box_h / logo->height);
  if (w < 1)
    w = 1;
  const char *url = media_photo_url(a, logo, 2 * w, "png");
  if (!url)
    return NULL;
  json_t *j = json_object();
  json_object_set_new(j, "url", json_string(url));
  json_object_set_new(j, "width", json_integer(w));
  json_object_set_new(j, "height", json_integer(box_h));
  return j;
}

json_t *media_photo_json(struct arena *a, const struct media_photo *p)
{
  json_t *j = json_object();
  json_object_set_new(j, "id", json_string(p->public_id));
  json_object_set_new(j, "position", json_integer(p->position));
  json_object_set_new(j, "state", json_string(media_state_name(p->state)));
  json_object_set_new(j, "error", p->error && *p->error ? json_string(p->error) : json_null());
  json_object_set_new(j, "width", json_integer(p->width));
  json_object_set_new(j, "height", json_integer(p->height));
  json_object_set_new(j, "placeholder",
                      p->placeholder && *p->placeholder ? json_string(p->placeholder)
                                                        : json_null());
  json_object_set_new(j, "alt", json_string(p->alt ? p->alt : ""));
  json_t *vs = json_array();
  struct variant v[MAX_VARIANTS];
  int n = p->state == MEDIA_READY ? variants_parse(p->variants, v, MAX_VARIANTS) : 0;
  for (int i = 0; i < n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "width", json_integer(v[i].w));
    json_object_set_new(o, "height", json_integer(v[i].h));
    json_object_set_new(o, "format", json_string(v[i].fmt));
    json_object_set_new(
        o, "url",
        json_string(
            arena_printf(a, "%s%s", cfg.base_url,
                         media_signed_url(a, variant_options(a, v[i].w, v[i].fmt), p->public_id))));
    json_array_append_new(vs, o);
  }
  json_object_set_new(j, "variants", vs);
  return j;
}

json_t *media_vehicle_photos_json(db_conn *c, struct arena *a, int64_t vehicle_id, bool ready_only,
                                  struct err *e)
{
  struct media_photo *ps;
  int n;
  if (media_photos_of_vehicle(c, a, vehicle_id, &ps, &n, e) < 0)
    return NULL;
  json_t *arr = json_array();
  for (int i = 0; i < n; i++)
    if (!ready_only || ps[i].state == MEDIA_READY)
      json_array_append_new(arr, media_photo_json(a, &ps[i]));
  return arr;
}
