/* image.c — the libvips side of the photo pipeline (image.h). */
#include "media/image.h"

#include "core/arena.h"
#include "media/imgurl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#define Q_JPEG   82
#define Q_WEBP   80
#define Q_AVIF   55
#define Q_PH     40
#define PH_WIDTH 20
/* "no limit" for the other side of a thumbnail box */
#define BIG 10000000

/* ---- sniffing ---- */

static bool brand_is(const unsigned char *b, const char *s)
{
  return memcmp(b, s, 4) == 0;
}

static enum media_fmt bmff(const unsigned char *p, size_t n)
{
  if (n < 16 || memcmp(p + 4, "ftyp", 4) != 0)
    return MEDIA_FMT_NONE;
  uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  if (size < 16 || size > 4096)
    return MEDIA_FMT_NONE;
  size_t end = size < n ? size : n;
  bool avif = false, heif = false;
  const unsigned char *major = p + 8;
  static const char *const heifs[] = {"heic", "heix", "hevc", "hevx",
                                      "heim", "heis", "mif1", "msf1"};
  for (size_t off = 8; off + 4 <= end; off += 4) {
    if (off == 12)
      continue; /* minor version */
    const unsigned char *b = p + off;
    if (brand_is(b, "avif") || brand_is(b, "avis"))
      avif = true;
    for (size_t i = 0; i < sizeof heifs / sizeof heifs[0]; i++)
      if (brand_is(b, heifs[i]))
        heif = true;
  }
  if (brand_is(major, "avif") || brand_is(major, "avis"))
    return MEDIA_FMT_AVIF;
  if (brand_is(major, "heic") || brand_is(major, "heix") || brand_is(major, "hevc") ||
      brand_is(major, "hevx"))
    return MEDIA_FMT_HEIF;
  if (avif)
    return MEDIA_FMT_AVIF;
  return heif ? MEDIA_FMT_HEIF : MEDIA_FMT_NONE;
}

static bool svg_start(const unsigned char *p, size_t n)
{
  size_t i = 0;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    i = 3;
  for (;;) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
      i++;
    if (i >= n)
      return false;
    const char *s = (const char *)p + i;
    size_t left = n - i;
    if (left >= 4 && !memcmp(s, "<svg", 4))
      return left == 4 || strchr(" \t\r\n>/", s[4]) != NULL;
    const char *close = NULL;
    if (left >= 5 && !memcmp(s, "<?xml", 5))
      close = "?>";
    else if (left >= 4 && !memcmp(s, "<!--", 4))
      close = "-->";
    else if (left >= 9 && !strncasecmp(s, "<!DOCTYPE", 9))
      close = ">";
    else
      return false;
    const unsigned char *end = memmem(s, left, close, strlen(close));
    if (!end)
      return false;
    i = (size_t)(end - p) + strlen(close);
  }
}

enum media_fmt media_sniff(const void *data, size_t n)
{
  const unsigned char *p = data;
  if (!p || n < 4)
    return MEDIA_FMT_NONE;
  if (p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return MEDIA_FMT_JPEG;
  if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
    return MEDIA_FMT_PNG;
  if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
    return MEDIA_FMT_WEBP;
  enum media_fmt b = bmff(p, n);
  if (b != MEDIA_FMT_NONE)
    return b;
  return svg_start(p, n) ? MEDIA_FMT_SVG : MEDIA_FMT_NONE;
}

const char *media_fmt_mime(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
    return "image/jpeg";
  case MEDIA_FMT_PNG:
    return "image/png";
  case MEDIA_FMT_WEBP:
    return "image/webp";
  case MEDIA_FMT_HEIF:
    return "image/heic";
  case MEDIA_FMT_AVIF:
    return "image/avif";
  case MEDIA_FMT_SVG:
    return "image/svg+xml";
  default:
    return "application/octet-stream";
  }
}

const char *media_fmt_ext(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
    return "jpg";
  case MEDIA_FMT_PNG:
    return "png";
  case MEDIA_FMT_WEBP:
    return "webp";
  case MEDIA_FMT_HEIF:
    return "heic";
  case MEDIA_FMT_AVIF:
    return "avif";
  case MEDIA_FMT_SVG:
    return "svg";
  default:
    return "bin";
  }
}

/* ---- set-up ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;
static char init_msg[256];
static int can_avif = -1;
static pthread_mutex_t avif_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *init_argv0 = "cc24";

static void init_once(void)
{
  if (VIPS_INIT(init_argv0) != 0) {
    snprintf(init_msg, sizeof init_msg, "libvips: %s", vips_error_buffer());
    vips_error_clear();
    init_rc = -1;
    return;
  }
  /* a server must not keep decoded images around between requests */
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_concurrency_set(2);
  /* only the loaders cc24 sniffs for may run (no ImageMagick, PDF, ...) */
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  static const char *const allowed[] = {
      "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadSpng", "VipsForeignLoadWebp",
      "VipsForeignLoadHeif", "VipsForeignLoadSvg", "VipsForeignLoadVips"};
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    vips_operation_block_set(allowed[i], FALSE);
}

int media_image_init(const char *argv0, struct err *e)
{
  if (argv0)
    init_argv0 = argv0;
  pthread_once(&once, init_once);
  if (init_rc < 0)
    return err_set(e, CC24_E_INTERNAL, "%s", init_msg);
  return 0;
}

void media_image_shutdown(void)
{
  /* libvips cannot be initialised again after vips_shutdown; the process keeps it */
  vips_thread_shutdown();
}

bool media_can_avif(void)
{
  pthread_mutex_lock(&avif_mu);
  if (can_avif < 0) {
    VipsImage *im = vips_image_new_from_memory_copy("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
                                                    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
                                                    "\x80\x80\x80\x80",
                                                    24, 4, 2, 3, VIPS_FORMAT_UCHAR);
    void *buf = NULL;
    size_t len = 0;
    can_avif = im &&
               vips_heifsave_buffer(im, &buf, &len, "compression",
                                    VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", 0, NULL) == 0 &&
               len > 0;
    g_free(buf);
    if (im)
      g_object_unref(im);
    vips_error_clear();
  }
  bool r = can_avif == 1;
  pthread_mutex_unlock(&avif_mu);
  return r;
}

/* ---- helpers ---- */

/* libvips' error buffer into e (first line, trimmed), then cleared. */
static int vips_fail(struct err *e, int code, const char *what)
{
  char msg[200];
  const char *b = vips_error_buffer();
  size_t n = strcspn(b, "\n");
  if (n >= sizeof msg)
    n = sizeof msg - 1;
  memcpy(msg, b, n);
  msg[n] = 0;
  vips_error_clear();
  return err_set(e, code, "%s%s%s", what, *msg ? ": " : "", msg);
}

static ssize_t read_at(int fd, void *buf, size_t n, off_t off)
{
  ssize_t r;
  do
    r = pread(fd, buf, n, off);
  while (r < 0 && errno == EINTR);
  return r;
}

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A JPEG, PNG or WebP must not be cut off. JPEG: its entropy-coded data is read by a
 * 1/8-scale decode that fails on truncation (cheap: no IDCT at full size). The decode
 * runs strip by strip in this thread: through a threaded sink (vips_avg) libvips 8.14
 * sometimes loses the loader's truncation error and a cut-off file passed. PNG: the
 * IEND chunk ends the file. WebP: the RIFF size covers the file. */
static int check_complete(const char *path, int fd, off_t size, enum media_fmt fmt, int64_t w,
                          int64_t h, struct err *e)
{
  unsigned char b[16];
  if (fmt == MEDIA_FMT_PNG) {
    if (size < 12 + 8 || read_at(fd, b, 12, size - 12) != 12 || memcmp(b + 4, "IEND", 4) != 0)
      return err_set(e, CC24_E_IMAGE_INVALID, "the PNG file is cut off (no IEND chunk)");
    return 0;
  }
  if (fmt == MEDIA_FMT_WEBP) {
    if (read_at(fd, b, 12, 0) != 12)
      return err_set(e, CC24_E_IMAGE_INVALID, "the WebP file is cut off");
    uint32_t riff =
        (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    if ((off_t)riff + 8 > size)
      return err_set(e, CC24_E_IMAGE_INVALID, "the WebP file is cut off");
    return 0;
  }
  if (fmt == MEDIA_FMT_JPEG) {
    /* the shrink must leave a row and a column: libvips 8.14 asserts (aborts the
     * process) on a JPEG of 2 px height loaded at 1/8 (found by fuzz_sniff) */
    int shrink = 8;
    while (shrink > 1 && (w < shrink || h < shrink))
      shrink /= 2;
    VipsImage *im =
        vips_image_new_from_file(path, "shrink", shrink, "fail_on", VIPS_FAIL_ON_TRUNCATED,
                                 "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    int rc = -1;
    if (im) {
      VipsRegion *reg = vips_region_new(im);
      rc = 0;
      for (int y = 0; rc == 0 && y < im->Ysize; y += 64) {
        VipsRect strip = {0, y, im->Xsize, im->Ysize - y < 64 ? im->Ysize - y : 64};
        rc = vips_region_prepare(reg, &strip);
      }
      g_object_unref(reg);
      g_object_unref(im);
    }
    if (rc != 0)
      return vips_fail(e, CC24_E_IMAGE_INVALID, "the JPEG data is cut off or damaged");
  }
  return 0;
}

int media_probe_file(const char *path, int64_t max_pixels, struct media_probe *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(e, CC24_E_IO, "cannot open the file: %s", strerror(errno));
  struct stat st;
  unsigned char head[MEDIA_SNIFF_BYTES];
  ssize_t n = fstat(fd, &st) == 0 ? read_at(fd, head, sizeof head, 0) : -1;
  if (n <= 0) {
    close(fd);
    return err_set(e, CC24_E_IMAGE_INVALID, "the file is empty");
  }
  out->fmt = media_sniff(head, (size_t)n);
  if (out->fmt == MEDIA_FMT_NONE || out->fmt == MEDIA_FMT_SVG) {
    close(fd);
    return err_set(e, CC24_E_UNSUPPORTED_MEDIA_TYPE, "not a JPEG, PNG, WebP, HEIF or AVIF image");
  }
  /* a PNG's size is in its first chunk: refuse a bomb before libpng sees it */
  if (out->fmt == MEDIA_FMT_PNG && n >= 24 && !memcmp(head + 12, "IHDR", 4)) {
    uint64_t w = be32(head + 16), h = be32(head + 20);
    if (w == 0 || h == 0) {
      close(fd);
      return err_set(e, CC24_E_IMAGE_INVALID, "the PNG header declares no pixels");
    }
    if (w * h > (uint64_t)max_pixels) {
      close(fd);
      return err_set(e, CC24_E_IMAGE_TOO_LARGE,
                     "the image declares %llu x %llu pixels, more than %lld megapixels",
                     (unsigned long long)w, (unsigned long long)h,
                     (long long)(max_pixels / 1000000));
    }
  }
  VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
  if (!im) {
    close(fd);
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be read");
  }
  int64_t w = im->Xsize, h = im->Ysize;
  int orient = 1;
  if (vips_image_get_typeof(im, VIPS_META_ORIENTATION) &&
      vips_image_get_int(im, VIPS_META_ORIENTATION, &orient) != 0)
    orient = 1;
  if (orient < 1 || orient > 8)
    orient = 1;
  out->has_alpha = vips_image_hasalpha(im);
  g_object_unref(im);
  vips_error_clear();
  if (w * h > max_pixels) {
    close(fd);
    return err_set(e, CC24_E_IMAGE_TOO_LARGE,
                   "the image has %lld x %lld pixels, more than %lld megapixels", (long long)w,
                   (long long)h, (long long)(max_pixels / 1000000));
  }
  out->orientation = orient;
  out->width = (int)(orient >= 5 ? h : w);
  out->height = (int)(orient >= 5 ? w : h);
  int rc = check_complete(path, fd, st.st_size, out->fmt, w, h, e);
  close(fd);
  return rc;
}

/* Save im as fmt at path (q = 0: the format's default). */
size_t media_webp_strip(unsigned char *b, size_t n)
{
  if (n < 20 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WEBP", 4))
    return n;
  size_t in = 12, out = 12;
  unsigned char *vp8x = NULL;
  while (in + 8 <= n) {
    uint32_t sz = (uint32_t)b[in + 4] | (uint32_t)b[in + 5] << 8 | (uint32_t)b[in + 6] << 16 |
                  (uint32_t)b[in + 7] << 24;
    size_t whole = 8 + (size_t)sz + (sz & 1);
    if (whole > n - in)
      return n; /* malformed: leave it to the reader */
    bool meta = !memcmp(b + in, "EXIF", 4) || !memcmp(b + in, "XMP ", 4);
    if (!meta) {
      memmove(b + out, b + in, whole);
      if (!memcmp(b + out, "VP8X", 4) && sz >= 1)
        vp8x = b + out;
      out += whole;
    }
    in += whole;
  }
  if (vp8x)
    vp8x[8] &= (unsigned char)~(0x08 | 0x04); /* the EXIF and XMP flags */
  uint32_t riff = (uint32_t)(out - 8);
  b[4] = (unsigned char)riff;
  b[5] = (unsigned char)(riff >> 8);
  b[6] = (unsigned char)(riff >> 16);
  b[7] = (unsigned char)(riff >> 24);
  return out;
}

/* WebP through memory: libvips 8.14 writes an EXIF chunk even with "strip", so the
 * metadata chunks are dropped before the file is written. */
static int save_webp(VipsImage *im, int q, int effort, const char *path, void **bufp, size_t *lenp)
{
  void *buf = NULL;
  size_t len = 0;
  if (vips_webpsave_buffer(im, &buf, &len, "Q", q, "effort", effort, "strip", TRUE, NULL) != 0)
    return -1;
  len = media_webp_strip(buf, len);
  if (bufp) {
    *bufp = buf;
    *lenp = len;
    return 0;
  }
  FILE *f = fopen(path, "wb");
  int rc = f && fwrite(buf, 1, len, f) == len ? 0 : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  g_free(buf);
  if (rc != 0)
    vips_error("cc24", "cannot write %s", path);
  return rc;
}

struct meta_names {
  char *v[256];
  int n;
};

static void *collect_meta(VipsImage *im, const char *name, GValue *value, void *arg)
{
  (void)im;
  (void)value;
  struct meta_names *m = arg;
  static const char *const personal[] = {"exif-",        "xmp-",        "iptc-", "ipct-",
                                         "png-comment-", "gif-comment", "heif-", "jpeg-"};
  for (size_t i = 0; i < sizeof personal / sizeof *personal; i++)
    if (!strncmp(name, personal[i], strlen(personal[i])) && m->n < 256)
      m->v[m->n++] = g_strdup(name);
  return NULL;
}

/* Written files carry no metadata of the camera: EXIF (GPS position, serial numbers, time),
 * XMP, IPTC and comments are removed from a copy before saving. libvips 8.14's "strip"
 * alone still writes a minimal EXIF block into WebP. The colour profile stays. */
static VipsImage *without_meta(VipsImage *im)
{
  VipsImage *c = NULL;
  if (vips_copy(im, &c, NULL) != 0)
    return NULL;
  struct meta_names m = {.n = 0};
  vips_image_map(c, collect_meta, &m);
  for (int i = 0; i < m.n; i++) {
    vips_image_remove(c, m.v[i]);
    g_free(m.v[i]);
  }
  vips_image_remove(c, VIPS_META_ORIENTATION);
  return c;
}

static int save_clean(VipsImage *im, enum media_fmt fmt, int q, const char *path);

static int save(VipsImage *im, enum media_fmt fmt, int q, const char *path)
{
  VipsImage *c = without_meta(im);
  if (!c)
    return -1;
  int rc = save_clean(c, fmt, q, path);
  g_object_unref(c);
  return rc;
}

static int save_clean(VipsImage *im, enum media_fmt fmt, int q, const char *path)
{
  switch (fmt) {
  case MEDIA_FMT_JPEG: {
    VipsImage *flat = NULL;
    int rc;
    if (vips_image_hasalpha(im)) {
      VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
      rc = vips_flatten(im, &flat, "background", white, NULL);
      vips_area_unref(VIPS_AREA(white));
      if (rc != 0)
        return -1;
      im = flat;
    }
    rc = vips_jpegsave(im, path, "Q", q ? q : Q_JPEG, "interlace", TRUE, "optimize_coding", TRUE,
                       "strip", TRUE, NULL);
    if (flat)
      g_object_unref(flat);
    return rc;
  }
  case MEDIA_FMT_WEBP:
    return save_webp(im, q ? q : Q_WEBP, 4, path, NULL, NULL);
  case MEDIA_FMT_AVIF:
    return vips_heifsave(im, path, "Q", q ? q : Q_AVIF, "compression",
                         VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", 2, "strip", TRUE, NULL);
  case MEDIA_FMT_PNG:
    return vips_pngsave(im, path, "compression", 6, "strip", TRUE, NULL);
  default:
    vips_error("cc24", "cannot write this format");
    return -1;
  }
}

/* ---- variants ---- */

struct task {
  VipsImage *im;
  enum media_fmt fmt;
  char path[4096];
  int rc;
  char msg[200];
};

struct pool {
  struct task *t;
  int n;
  atomic_int next;
};

static void *worker(void *arg)
{
  struct pool *p = arg;
  for (;;) {
    int i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n)
      break;
    struct task *t = &p->t[i];
    t->rc = save(t->im, t->fmt, 0, t->path);
    if (t->rc != 0) {
      snprintf(t->msg, sizeof t->msg, "%s", vips_error_buffer());
      vips_error_clear();
    }
  }
  vips_thread_shutdown();
  return NULL;
}

static int cmp_int(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

static int placeholder_of(VipsImage *src, struct arena *a, const char **data_uri, struct err *e)
{
  VipsImage *small = NULL;
  if (vips_thumbnail_image(src, &small, PH_WIDTH, "height", BIG, NULL) != 0)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "no placeholder");
  VipsImage *clean = without_meta(small);
  g_object_unref(small);
  if (!clean)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "no placeholder");
  /* a colour profile (3 KB for sRGB) would outweigh the 20 px picture many times */
  vips_image_remove(clean, VIPS_META_ICC_NAME);
  void *buf = NULL;
  size_t len = 0;
  int rc = save_webp(clean, Q_PH, 6, NULL, &buf, &len);
  g_object_unref(clean);
  if (rc != 0)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "no placeholder");
  size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
  char *out = arena_alloc(a, b64 + 32);
  int k = snprintf(out, 32, "data:image/webp;base64,");
  sodium_bin2base64(out + k, b64, buf, len, sodium_base64_VARIANT_ORIGINAL);
  g_free(buf);
  *data_uri = out;
  return 0;
}

int media_make_variants(const char *src, int64_t max_pixels, const int *widths, int nw,
                        const enum media_fmt *fmts, int nf, const char *out_dir,
                        struct media_variant *out, int *nout, struct arena *a,
                        const char **placeholder, struct err *e)
{
  *nout = 0;
  struct media_probe pr;
  if (media_probe_file(src, max_pixels, &pr, e) < 0)
    return -1;
  if (nw <= 0 || nf <= 0 || nw > 16 || nf > 4)
    return err_set(e, CC24_E_INTERNAL, "bad variant list");
  int ws[17], n = 0, maxw = 0;
  for (int i = 0; i < nw; i++)
    if (widths[i] > maxw)
      maxw = widths[i];
  for (int i = 0; i < nw; i++)
    if (widths[i] > 0 && widths[i] < pr.width)
      ws[n++] = widths[i];
  int top = pr.width < maxw ? pr.width : maxw;
  bool have = false;
  for (int i = 0; i < n; i++)
    have |= ws[i] == top;
  if (!have)
    ws[n++] = top;
  qsort(ws, (size_t)n, sizeof ws[0], cmp_int);
  if (n * nf > MEDIA_VARIANTS_MAX)
    return err_set(e, CC24_E_INTERNAL, "too many variants");

  /* decode once: shrink-on-load to the widest, rotated upright, sRGB */
  VipsImage *thumb = NULL;
  if (vips_thumbnail(src, &thumb, top, "height", BIG, "size", VIPS_SIZE_DOWN, "fail_on",
                     VIPS_FAIL_ON_TRUNCATED, NULL) != 0)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be decoded");
  VipsImage *mem = vips_image_copy_memory(thumb);
  g_object_unref(thumb);
  if (!mem)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be decoded");

  int rc = -1;
  VipsImage *sized[17] = {0};
  struct task *tasks = calloc((size_t)(n * nf), sizeof *tasks);
  if (!tasks) {
    g_object_unref(mem);
    return err_set(e, CC24_E_NOMEM, "out of memory");
  }
  int nt = 0;
  for (int i = n - 1; i >= 0; i--) {
    if (ws[i] >= mem->Xsize) {
      sized[i] = mem;
      g_object_ref(mem);
    } else if (vips_thumbnail_image(mem, &sized[i], ws[i], "height", BIG, "size", VIPS_SIZE_DOWN,
                                    NULL) != 0) {
      vips_fail(e, CC24_E_IMAGE_INVALID, "cannot resize");
      goto out;
    }
  }
  for (int f = 0; f < nf; f++)
    for (int i = n - 1; i >= 0; i--) {
      struct task *t = &tasks[nt++];
      t->im = sized[i];
      t->fmt = fmts[f];
      snprintf(t->path, sizeof t->path, "%s/%d.%s", out_dir, ws[i], media_fmt_ext(fmts[f]));
    }
  struct pool pool = {tasks, nt, 0};
  pthread_t th;
  bool threaded = pthread_create(&th, NULL, worker, &pool) == 0;
  worker(&pool);
  if (threaded)
    pthread_join(th, NULL);
  for (int i = 0; i < nt; i++) {
    struct task *t = &tasks[i];
    if (t->rc != 0) {
      size_t l = strcspn(t->msg, "\n");
      t->msg[l] = 0;
      err_set(e, CC24_E_IMAGE_INVALID, "cannot write %s: %s", media_fmt_ext(t->fmt), t->msg);
      goto out;
    }
    struct stat st;
    if (stat(t->path, &st) != 0) {
      err_set(e, CC24_E_IO, "variant missing: %s", t->path);
      goto out;
    }
    struct media_variant *v = &out[(*nout)++];
    v->width = t->im->Xsize;
    v->height = t->im->Ysize;
    v->fmt = t->fmt;
    v->bytes = st.st_size;
    const char *slash = strrchr(t->path, '/');
    snprintf(v->name, sizeof v->name, "%s", slash ? slash + 1 : t->path);
  }
  if (placeholder && a && placeholder_of(mem, a, placeholder, e) < 0)
    goto out;
  rc = 0;
out:
  for (int i = 0; i < n; i++)
    if (sized[i])
      g_object_unref(sized[i]);
  g_object_unref(mem);
  free(tasks);
  if (rc < 0)
    *nout = 0;
  return rc;
}

int media_placeholder(const char *src, int64_t max_pixels, struct arena *a, const char **data_uri,
                      struct err *e)
{
  struct media_probe pr;
  if (media_probe_file(src, max_pixels, &pr, e) < 0)
    return -1;
  VipsImage *t = NULL;
  if (vips_thumbnail(src, &t, 64, "height", BIG, "size", VIPS_SIZE_DOWN, NULL) != 0)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be decoded");
  int rc = placeholder_of(t, a, data_uri, e);
  g_object_unref(t);
  return rc;
}

/* ---- on-the-fly renders ---- */

/* Offsets of a w x h window in an iw x ih image for a gravity. */
static void gravity_offset(int g, int iw, int ih, int w, int h, int *x, int *y)
{
  int cx = (iw - w) / 2, cy = (ih - h) / 2;
  *x = cx;
  *y = cy;
  switch (g) {
  case IMGURL_G_NO:
    *y = 0;
    break;
  case IMGURL_G_SO:
    *y = ih - h;
    break;
  case IMGURL_G_EA:
    *x = iw - w;
    break;
  case IMGURL_G_WE:
    *x = 0;
    break;
  case IMGURL_G_NOEA:
    *x = iw - w;
    *y = 0;
    break;
  case IMGURL_G_NOWE:
    *x = 0;
    *y = 0;
    break;
  case IMGURL_G_SOEA:
    *x = iw - w;
    *y = ih - h;
    break;
  case IMGURL_G_SOWE:
    *x = 0;
    *y = ih - h;
    break;
  default:
    break;
  }
}

static VipsCompassDirection compass(int g)
{
  switch (g) {
  case IMGURL_G_NO:
    return VIPS_COMPASS_DIRECTION_NORTH;
  case IMGURL_G_SO:
    return VIPS_COMPASS_DIRECTION_SOUTH;
  case IMGURL_G_EA:
    return VIPS_COMPASS_DIRECTION_EAST;
  case IMGURL_G_WE:
    return VIPS_COMPASS_DIRECTION_WEST;
  case IMGURL_G_NOEA:
    return VIPS_COMPASS_DIRECTION_NORTH_EAST;
  case IMGURL_G_NOWE:
    return VIPS_COMPASS_DIRECTION_NORTH_WEST;
  case IMGURL_G_SOEA:
    return VIPS_COMPASS_DIRECTION_SOUTH_EAST;
  case IMGURL_G_SOWE:
    return VIPS_COMPASS_DIRECTION_SOUTH_WEST;
  default:
    return VIPS_COMPASS_DIRECTION_CENTRE;
  }
}

int media_render(const char *src, int64_t max_pixels, const struct imgurl_opts *o,
                 enum media_fmt fmt, const char *out_path, int *out_w, int *out_h, struct err *e)
{
  struct media_probe pr;
  if (media_probe_file(src, max_pixels, &pr, e) < 0)
    return -1;
  int tw, th;
  imgurl_target(o, &tw, &th);
  int type = o->type;
  if (type == IMGURL_AUTO)
    type = tw && th && ((pr.width >= pr.height) == (tw >= th)) ? IMGURL_FILL : IMGURL_FIT;
  if ((type == IMGURL_FILL || type == IMGURL_FILL_DOWN || type == IMGURL_FORCE) && !(tw && th))
    type = IMGURL_FIT;
  VipsSize size = o->enlarge ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN;
  VipsImage *im = NULL, *tmp = NULL;
  int rc = -1;

  if (type == IMGURL_FIT) {
    int bw = tw ? tw : BIG, bh = th ? th : BIG;
    if (!tw && !th) /* as it is, within the cap */
      bw = bh = IMGURL_MAX_SIDE;
    if (vips_thumbnail(src, &im, bw, "height", bh, "size", tw || th ? size : VIPS_SIZE_DOWN,
                       "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL) != 0)
      return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be rendered");
    if (o->extend && tw && th && (im->Xsize < tw || im->Ysize < th)) {
      VipsArrayDouble *bg = vips_image_hasalpha(im)
                                ? vips_array_double_newv(4, 255.0, 255.0, 255.0, 0.0)
                                : vips_array_double_newv(3, 255.0, 255.0, 255.0);
      int r = vips_gravity(im, &tmp, compass(o->gravity), tw > im->Xsize ? tw : im->Xsize,
                           th > im->Ysize ? th : im->Ysize, "extend", VIPS_EXTEND_BACKGROUND,
                           "background", bg, NULL);
      vips_area_unref(VIPS_AREA(bg));
      if (r != 0)
        goto fail;
      g_object_unref(im);
      im = tmp;
      tmp = NULL;
    }
  } else if (type == IMGURL_FORCE) {
    if (vips_thumbnail(src, &im, tw, "height", th, "size", VIPS_SIZE_FORCE, "fail_on",
                       VIPS_FAIL_ON_TRUNCATED, NULL) != 0)
      return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be rendered");
  } else {
    /* fill / fill-down: cover the box, then cut it out at the gravity */
    if (type == IMGURL_FILL_DOWN && !o->enlarge && (tw > pr.width || th > pr.height)) {
      double k = fmin((double)pr.width / tw, (double)pr.height / th);
      tw = (int)fmax(1, floor(tw * k));
      th = (int)fmax(1, floor(th * k));
    }
    double s = fmax((double)tw / pr.width, (double)th / pr.height);
    if (!o->enlarge && s > 1.0)
      s = 1.0;
    int sw = (int)fmax(1, ceil(pr.width * s)), sh = (int)fmax(1, ceil(pr.height * s));
    if (vips_thumbnail(src, &im, sw, "height", sh, "size", VIPS_SIZE_FORCE, "fail_on",
                       VIPS_FAIL_ON_TRUNCATED, NULL) != 0)
      return vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be rendered");
    int cw = tw < im->Xsize ? tw : im->Xsize, ch = th < im->Ysize ? th : im->Ysize;
    if (o->gravity == IMGURL_G_SM) {
      if (vips_smartcrop(im, &tmp, cw, ch, "interesting", VIPS_INTERESTING_ATTENTION, NULL) != 0)
        goto fail;
    } else {
      int x, y;
      gravity_offset(o->gravity, im->Xsize, im->Ysize, cw, ch, &x, &y);
      if (vips_extract_area(im, &tmp, x, y, cw, ch, NULL) != 0)
        goto fail;
    }
    g_object_unref(im);
    im = tmp;
    tmp = NULL;
  }
  if (save(im, fmt, o->quality, out_path) != 0)
    goto fail;
  *out_w = im->Xsize;
  *out_h = im->Ysize;
  rc = 0;
  g_object_unref(im);
  return rc;
fail:
  vips_fail(e, CC24_E_IMAGE_INVALID, "the image cannot be rendered");
  if (im)
    g_object_unref(im);
  if (tmp)
    g_object_unref(tmp);
  unlink(out_path);
  return -1;
}

/* ---- SVG logos ---- */

int media_svg_rasterise(const void *svg, size_t n, int width, const char *out_path, struct err *e)
{
  if (n == 0 || n > 1024 * 1024)
    return err_set(e, CC24_E_IMAGE_INVALID, "an SVG logo may have at most 1 MB");
  if (width < 16 || width > 4096)
    return err_set(e, CC24_E_INTERNAL, "bad logo width");
  VipsImage *im = NULL;
  if (vips_svgload_buffer((void *)svg, n, &im, NULL) != 0 || !im)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the SVG cannot be read");
  int w = im->Xsize, h = im->Ysize;
  g_object_unref(im);
  if (w <= 0 || h <= 0 || (double)h / w > 20 || (double)w / h > 20)
    return err_set(e, CC24_E_IMAGE_INVALID, "the SVG has an unusable size (%d x %d)", w, h);
  double scale = (double)width / w;
  if ((double)h * scale > 4096)
    scale = 4096.0 / h;
  if (vips_svgload_buffer((void *)svg, n, &im, "scale", scale, NULL) != 0)
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the SVG cannot be read");
  int rc = vips_pngsave(im, out_path, "compression", 6, "strip", TRUE, NULL);
  g_object_unref(im);
  if (rc != 0) {
    unlink(out_path);
    return vips_fail(e, CC24_E_IMAGE_INVALID, "the SVG cannot be rasterised");
  }
  return 0;
}
