/* image.h — image processing on libvips for the photo pipeline and the CDN: the type
 * of a file from its bytes, a header probe with a pixel limit, the standard variants
 * of a photo (decoded once), a tiny placeholder, on-the-fly renders for URL options,
 * and SVG logos rasterised from memory.
 *
 * Everything written is rotated upright by EXIF orientation, in sRGB (embedded
 * profiles honoured, CMYK converted) and stripped of every metadata block (EXIF with
 * GPS, XMP, IPTC, ICC). Only the loaders for JPEG, PNG, WebP, HEIF/AVIF (and SVG from
 * memory) may run: libvips' other loaders (ImageMagick, PDF, ...) are blocked at init,
 * so a file that sniffs as one thing cannot be decoded as another. */
#ifndef CC24_MEDIA_IMAGE_H
#define CC24_MEDIA_IMAGE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct imgurl_opts;

enum media_fmt {
  MEDIA_FMT_NONE,
  MEDIA_FMT_JPEG,
  MEDIA_FMT_PNG,
  MEDIA_FMT_WEBP,
  MEDIA_FMT_HEIF,
  MEDIA_FMT_AVIF,
  MEDIA_FMT_SVG
};

/* How many leading bytes media_sniff looks at (an SVG may start with a long prolog). */
#define MEDIA_SNIFF_BYTES 1024

/* The type from the first bytes only, never from a name or a Content-Type: JPEG
 * (FF D8 FF), PNG (its 8-byte signature), WebP (RIFF....WEBP), HEIF/AVIF (an ISO-BMFF
 * "ftyp" box: major or compatible brand avif/avis → AVIF, heic/heix/hevc/hevx/heim/heis/
 * mif1/msf1 → HEIF), SVG (optional BOM, whitespace, XML declaration, comments and a
 * DOCTYPE, then "<svg"). MEDIA_FMT_NONE for anything else. */
enum media_fmt media_sniff(const void *p, size_t n);

/* "image/jpeg", ... ("application/octet-stream" for NONE). */
const char *media_fmt_mime(enum media_fmt f);
/* File extension: "jpg", "png", "webp", "heic", "avif", "svg" ("bin" for NONE). */
const char *media_fmt_ext(enum media_fmt f);

/* Once per process, before any other call: VIPS_INIT, untrusted loaders blocked, no
 * operation cache (a server must not keep decoded images), two threads per pipeline.
 * Safe to call again. 0 or -1. */
int media_image_init(const char *argv0, struct err *e);
void media_image_shutdown(void);

/* Whether this libvips writes AVIF (heifsave with AV1), probed once. */
bool media_can_avif(void);

struct media_probe {
  enum media_fmt fmt;
  int width, height; /* as displayed: after EXIF orientation (5..8 swap the sides) */
  int orientation;   /* EXIF 1..8, 1 when none */
  bool has_alpha;
};

/* Read the header of the file at path (no pixels are decoded): its type must be JPEG,
 * PNG, WebP, HEIF or AVIF (-1 CC24_E_UNSUPPORTED_MEDIA_TYPE), width × height at most
 * max_pixels (-1 CC24_E_IMAGE_TOO_LARGE: a PNG declaring 100000 × 100000 is refused
 * here, before anything is allocated for its pixels), and a JPEG, PNG or WebP must not
 * be cut off (its end marker / declared size present) — otherwise and for anything
 * libvips cannot read -1 CC24_E_IMAGE_INVALID with the reason. */
int media_probe_file(const char *path, int64_t max_pixels, struct media_probe *out, struct err *e);

/* Drop the EXIF and XMP chunks of the WebP in b[0..n) in place (and their VP8X flags);
 * returns the new length (n when b is not a well-formed WebP). */
size_t media_webp_strip(unsigned char *b, size_t n);

/* One file written by media_make_variants. */
struct media_variant {
  int width, height;
  enum media_fmt fmt;
  int64_t bytes;
  char name[32]; /* "640.webp" — in out_dir, and the name in the store */
};

/* Longest list media_make_variants writes: (widths + 1) × formats. */
#define MEDIA_VARIANTS_MAX 32

/* The standard variants of the image at src_path into out_dir: for each width of
 * widths[] narrower than the image, and the image's own width capped at the largest of
 * widths[] (never upscaled), in each format of fmts[] (JPEG progressive with optimised
 * Huffman tables, flattened on white; PNG, WebP and AVIF keep transparency). Quality
 * per format: JPEG 82, WebP 80, AVIF 55 (similar visual quality; AVIF at effort 2).
 * The image is decoded once (shrink-on-load to the largest width, then kept in memory)
 * and the outputs are encoded on two threads. When placeholder is not NULL it receives
 * a data URI (see media_placeholder) in arena a. Fails on truncated or corrupt data
 * (CC24_E_IMAGE_INVALID) and over max_pixels (CC24_E_IMAGE_TOO_LARGE). *nout files
 * are described in out[] (at most MEDIA_VARIANTS_MAX), widest first per format. */
int media_make_variants(const char *src_path, int64_t max_pixels, const int *widths, int nw,
                        const enum media_fmt *fmts, int nf, const char *out_dir,
                        struct media_variant *out, int *nout, struct arena *a,
                        const char **placeholder, struct err *e);

/* A placeholder that pages paint before the photo arrives: a data URI
 * ("data:image/webp;base64,...") of a 20 px wide version (about 150-400 bytes; the page
 * blurs it with CSS). Chosen over BlurHash because the browser decodes it without a
 * script and CSP stays strict. In arena a. */
int media_placeholder(const char *src_path, int64_t max_pixels, struct arena *a,
                      const char **data_uri, struct err *e);

/* On-the-fly: src_path → out_path as the options say (imgurl.h: fit, fill, fill-down,
 * force, auto; gravity incl. smart; enlarge; extend; dpr; quality), in out_fmt (JPEG,
 * PNG, WebP or AVIF). The size written goes to *out_w, *out_h. */
int media_render(const char *src_path, int64_t max_pixels, const struct imgurl_opts *o,
                 enum media_fmt out_fmt, const char *out_path, int *out_w, int *out_h,
                 struct err *e);

/* A dealer logo in SVG, rasterised from memory (librsvg gets no base directory, so it
 * loads no other file or URL) to a PNG of the given width at out_path. SVGs over 1 MB,
 * or whose size is absurd, are refused (CC24_E_IMAGE_INVALID / _TOO_LARGE). */
int media_svg_rasterise(const void *svg, size_t n, int width, const char *out_path, struct err *e);

#endif
