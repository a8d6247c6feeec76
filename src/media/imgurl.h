/* imgurl.h — the URL grammar of the image CDN and its signatures, in imgproxy's style:
 *
 *   /img/SIGNATURE/OPTION/OPTION/.../SOURCE
 *
 * Options (each "name:arg[:arg...]", short or long name):
 *   rs:TYPE:W:H[:ENLARGE[:EXTEND]]  resize   TYPE fit | fill | fill-down | force | auto
 *   s:W:H[:ENLARGE[:EXTEND]]        size     W, H 0..4096 (0 = from the other side)
 *   w:W                             width
 *   h:H                             height
 *   rt:TYPE                         resizing_type
 *   g:GRAVITY                       gravity  ce no so ea we noea nowe soea sowe sm
 *   q:Q                             quality  1..100 (0 = the format's default)
 *   f:FMT                           format   jpg jpeg png webp avif (absent: by Accept)
 *   dpr:X                           dpr      1..4, decimals allowed ("1.5")
 *   el:B                            enlarge  1/0, t/f, true/false
 *   ex:B                            extend
 * The source is the last segment: a photo id ([A-Za-z0-9_-]{1,64}), optionally with a
 * format suffix "ID.webp" or "ID@webp" (imgproxy's extension form) that sets f.
 * Later options override earlier ones. The result is capped at 4096 px per side after
 * dpr.
 *
 * Signature: base64url without padding of HMAC-SHA256(key, salt || path), where path
 * is everything after the signature, starting with "/" — the same as imgproxy's, so
 * its URL builders work. Full 32-byte signatures only (imgproxy's truncated signatures
 * are not accepted). */
#ifndef CC24_MEDIA_IMGURL_H
#define CC24_MEDIA_IMGURL_H

#include "core/err.h"
#include "media/image.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum imgurl_type { IMGURL_FIT, IMGURL_FILL, IMGURL_FILL_DOWN, IMGURL_FORCE, IMGURL_AUTO };
enum imgurl_gravity {
  IMGURL_G_CE,
  IMGURL_G_NO,
  IMGURL_G_SO,
  IMGURL_G_EA,
  IMGURL_G_WE,
  IMGURL_G_NOEA,
  IMGURL_G_NOWE,
  IMGURL_G_SOEA,
  IMGURL_G_SOWE,
  IMGURL_G_SM
};

#define IMGURL_MAX_SIDE 4096

struct imgurl_opts {
  int type;          /* enum imgurl_type */
  int width, height; /* 0 = unconstrained */
  bool enlarge, extend;
  int gravity;        /* enum imgurl_gravity */
  int quality;        /* 0 = default */
  enum media_fmt fmt; /* MEDIA_FMT_NONE = by Accept */
  double dpr;         /* 1..4 */
};

/* fit, 0x0, no enlarge/extend, centre, quality 0, format by Accept, dpr 1. */
void imgurl_defaults(struct imgurl_opts *o);

/* Parse "OPT/OPT/.../SOURCE" (the path after the signature, without the leading "/").
 * *source is the photo id (without a format suffix), in arena a. -1 with
 * CC24_E_BAD_PARAMETER and e->field naming the option when an option is unknown, has
 * the wrong number of arguments or a value out of range, or the source is missing. */
int imgurl_parse(struct arena *a, const char *path, struct imgurl_opts *o, const char **source,
                 struct err *e);

/* The canonical options string ("rs:fit:800:600:0:0/g:ce/q:0/dpr:1/f:webp"): equal for
 * every URL that gives the same image (cache keys). In arena a. */
const char *imgurl_canonical(struct arena *a, const struct imgurl_opts *o);

/* The target box after dpr and the cap: *w, *h (0 = unconstrained). */
void imgurl_target(const struct imgurl_opts *o, int *w, int *h);

/* Sign path ("/w:640/f:webp/ID"): 43 characters of base64url and a NUL into out. */
void imgurl_sign(const unsigned char *key, size_t klen, const unsigned char *salt, size_t slen,
                 const char *path, char out[48]);

/* True when signature is the signature of path (constant-time comparison). */
bool imgurl_verify(const unsigned char *key, size_t klen, const unsigned char *salt, size_t slen,
                   const char *signature, const char *path);

#endif
