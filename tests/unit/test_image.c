/* test_image.c — the libvips side of the photo pipeline (image.h): the type of a file from
 * its bytes (every signature the header names, and the near misses that must not count),
 * the header probe (sizes after EXIF orientation, cut-off files, a PNG that declares
 * 100000 x 100000, the pixel limit), the standard variants of a photo (the exact list,
 * the files on disk, never upscaled, upright, no EXIF/XMP left — GPS above all), the
 * placeholder, the WebP metadata stripper on real and hand-built files and on garbage,
 * on-the-fly renders for URL options, and SVG logos (no external files loaded, the 1 MB
 * limit).
 *
 * Every image is made here with libvips itself into a temp directory; no binary file is
 * kept in the tree. The PNG bomb is assembled by hand (signature + IHDR with its CRC). */
#include "core/arena.h"
#include "core/err.h"
#include "media/image.h"
#include "media/imgurl.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>
#include <zlib.h>

/* ------------------------------------------------------------------------------------ */
/* Fixture                                                                                */
/* ------------------------------------------------------------------------------------ */

static char tmpdir[256];
static struct arena *A;

#define MAXPX 100000000LL /* 100 megapixels */

static void setup(void)
{
  cr_assert_geq(sodium_init(), 0);
  struct err e = {0};
  cr_assert_eq(media_image_init("test_image", &e), 0, "init: %s", e.msg);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/cc24-image-test-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  A = arena_new(0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void teardown(void)
{
  if (tmpdir[0])
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  arena_free(A);
}

TestSuite(sniff);
TestSuite(image, .init = setup, .fini = teardown, .timeout = 240);

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                                */
/* ------------------------------------------------------------------------------------ */

/* tmpdir/name, in the arena */
static const char *tpath(const char *name)
{
  return arena_printf(A, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  cr_assert_eq(fwrite(p, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

/* the whole file, malloc'ed with exactly its size (so ASan sees any overread) */
static unsigned char *read_bytes(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  cr_assert_eq(fseek(f, 0, SEEK_END), 0);
  long len = ftell(f);
  cr_assert_gt(len, 0, "%s is empty", path);
  rewind(f);
  unsigned char *b = malloc((size_t)len);
  cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

static bool exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

/* A w x h sRGB image (bands 3) or sRGB + alpha (bands 4): a horizontal ramp, dark on the
 * left, bright on the right, so orientation can be seen in the pixels. */
static VipsImage *ramp(int w, int h, int bands)
{
  VipsImage *g = NULL, *l = NULL, *u = NULL, *j = NULL, *out = NULL;
  cr_assert_eq(vips_grey(&g, w, h, NULL), 0);
  cr_assert_eq(vips_linear1(g, &l, 255.0, 0.0, NULL), 0);
  cr_assert_eq(vips_cast_uchar(l, &u, NULL), 0);
  VipsImage *in[4] = {u, u, u, u};
  cr_assert_eq(vips_bandjoin(in, &j, bands, NULL), 0);
  cr_assert_eq(vips_copy(j, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
  g_object_unref(g);
  g_object_unref(l);
  g_object_unref(u);
  g_object_unref(j);
  return out;
}

/* GPS position and an XMP packet on im: what a phone writes and what must not leave. */
static void add_private_meta(VipsImage *im)
{
  vips_image_set_string(im, "exif-ifd3-GPSLatitude", "52/1 31/1 12/1");
  vips_image_set_string(im, "exif-ifd3-GPSLatitudeRef", "N");
  vips_image_set_string(im, "exif-ifd3-GPSLongitude", "13/1 24/1 36/1");
  vips_image_set_string(im, "exif-ifd3-GPSLongitudeRef", "E");
  vips_image_set_string(im, "exif-ifd0-Make", "TestCam");
  static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                            "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                            "<rdf:Description rdf:about=\"\" secret=\"here\"/></rdf:RDF>"
                            "</x:xmpmeta>";
  vips_image_set_blob_copy(im, "xmp-data", xmp, sizeof xmp - 1);
}

/* A JPEG of w x h pixels as stored, with an EXIF orientation (0: none), optionally with
 * GPS/XMP metadata. */
static const char *make_jpeg(const char *name, int w, int h, int orientation, bool private_meta)
{
  const char *p = tpath(name);
  VipsImage *im = ramp(w, h, 3);
  if (orientation)
    vips_image_set_int(im, VIPS_META_ORIENTATION, orientation);
  if (private_meta)
    add_private_meta(im);
  cr_assert_eq(vips_jpegsave(im, p, "Q", 90, NULL), 0, "%s", vips_error_buffer());
  g_object_unref(im);
  return p;
}

static const char *make_png(const char *name, int w, int h, int bands)
{
  const char *p = tpath(name);
  VipsImage *im = ramp(w, h, bands);
  cr_assert_eq(vips_pngsave(im, p, NULL), 0, "%s", vips_error_buffer());
  g_object_unref(im);
  return p;
}

static const char *make_webp(const char *name, int w, int h)
{
  const char *p = tpath(name);
  VipsImage *im = ramp(w, h, 3);
  cr_assert_eq(vips_webpsave(im, p, NULL), 0, "%s", vips_error_buffer());
  g_object_unref(im);
  return p;
}

/* the first n bytes of src into dst (a cut-off file) */
static const char *truncated_copy(const char *src, const char *name, size_t keep)
{
  size_t n;
  unsigned char *b = read_bytes(src, &n);
  cr_assert_lt(keep, n);
  const char *p = tpath(name);
  write_bytes(p, b, keep);
  free(b);
  return p;
}

static void be32_put(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static void le32_put(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static uint32_t le32_get(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A PNG chunk at p: length, type, data, CRC over type and data. Returns its size. */
static size_t png_chunk(unsigned char *p, const char *type, const void *data, uint32_t len)
{
  be32_put(p, len);
  memcpy(p + 4, type, 4);
  if (len)
    memcpy(p + 8, data, len);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, p + 4, 4 + len);
  be32_put(p + 8 + len, (uint32_t)crc);
  return 12 + len;
}

/* A hand-built PNG: signature, IHDR declaring w x h 8-bit RGB, one IDAT (a zlib stream of
 * a single empty row — far too little data, as a bomb would have), IEND. */
static const char *make_png_header_only(const char *name, uint32_t w, uint32_t h)
{
  unsigned char b[128];
  size_t n = 0;
  memcpy(b, "\x89PNG\r\n\x1a\n", 8);
  n = 8;
  unsigned char ihdr[13];
  be32_put(ihdr, w);
  be32_put(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  n += png_chunk(b + n, "IHDR", ihdr, sizeof ihdr);
  unsigned char raw[1] = {0}, z[32];
  uLongf zl = sizeof z;
  cr_assert_eq(compress(z, &zl, raw, sizeof raw), Z_OK);
  n += png_chunk(b + n, "IDAT", z, (uint32_t)zl);
  n += png_chunk(b + n, "IEND", NULL, 0);
  const char *p = tpath(name);
  write_bytes(p, b, n);
  return p;
}

static VipsImage *load(const char *path)
{
  VipsImage *im = vips_image_new_from_file(path, NULL);
  cr_assert_not_null(im, "cannot read %s: %s", path, vips_error_buffer());
  return im;
}

/* Whether the RIFF chunk list of a WebP has a chunk with this fourcc. */
static bool webp_has_chunk(const unsigned char *b, size_t n, const char *fourcc)
{
  size_t off = 12;
  while (off + 8 <= n) {
    uint32_t sz = le32_get(b + off + 4);
    if (!memcmp(b + off, fourcc, 4))
      return true;
    off += 8 + (size_t)sz + (sz & 1);
  }
  return false;
}

/* A WebP's structure is consistent: RIFF size = file - 8, chunks tile the file exactly. */
static void expect_webp_well_formed(const unsigned char *b, size_t n)
{
  cr_assert_geq(n, 20);
  cr_assert(!memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4));
  cr_assert_eq(le32_get(b + 4), n - 8, "RIFF size %u for %zu bytes", le32_get(b + 4), n);
  size_t off = 12;
  while (off + 8 <= n) {
    uint32_t sz = le32_get(b + off + 4);
    off += 8 + (size_t)sz + (sz & 1);
  }
  cr_assert_eq(off, n, "chunks do not tile the file");
}

/* The average of a rectangle of band 0 of im. */
static double area_avg(VipsImage *im, int x, int y, int w, int h)
{
  VipsImage *c = NULL;
  cr_assert_eq(vips_extract_area(im, &c, x, y, w, h, NULL), 0, "%s", vips_error_buffer());
  VipsImage *b0 = NULL;
  cr_assert_eq(vips_extract_band(c, &b0, 0, NULL), 0);
  double avg = -1;
  cr_assert_eq(vips_avg(b0, &avg, NULL), 0);
  g_object_unref(b0);
  g_object_unref(c);
  return avg;
}

/* ------------------------------------------------------------------------------------ */
/* media_sniff                                                                            */
/* ------------------------------------------------------------------------------------ */

#define SNIFF(lit) media_sniff(lit, sizeof lit - 1)

Test(sniff, jpeg_png_webp_signatures)
{
  cr_assert_eq(SNIFF("\xFF\xD8\xFF\xE0\0\x10JFIF\0"), MEDIA_FMT_JPEG);
  cr_assert_eq(SNIFF("\xFF\xD8\xFF\xE1\0\x10"
                     "Exif"),
               MEDIA_FMT_JPEG);
  cr_assert_eq(SNIFF("\xFF\xD8\xFF\xDB"), MEDIA_FMT_JPEG);
  cr_assert_eq(SNIFF("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), MEDIA_FMT_PNG);
  cr_assert_eq(SNIFF("\x89PNG\r\n\x1a\n"), MEDIA_FMT_PNG);
  cr_assert_eq(SNIFF("RIFF\x24\0\0\0WEBPVP8 "), MEDIA_FMT_WEBP);
  cr_assert_eq(SNIFF("RIFF\0\0\0\0WEBP"), MEDIA_FMT_WEBP);
}

/* an ISO-BMFF ftyp box: size, "ftyp", major brand, minor version, compatible brands */
static size_t ftyp(unsigned char *b, const char *major, const char *minor,
                   const char *const *compat, int ncompat)
{
  size_t n = 16 + 4 * (size_t)ncompat;
  be32_put(b, (uint32_t)n);
  memcpy(b + 4, "ftyp", 4);
  memcpy(b + 8, major, 4);
  memcpy(b + 12, minor, 4);
  for (int i = 0; i < ncompat; i++)
    memcpy(b + 16 + 4 * i, compat[i], 4);
  /* what follows the box in a real file */
  memcpy(b + n, "\0\0\0\x21meta", 8);
  return n + 8;
}

Test(sniff, heif_brands)
{
  unsigned char b[128];
  static const char *const c_heic[] = {"mif1", "heic"};
  cr_assert_eq(media_sniff(b, ftyp(b, "heic", "\0\0\0\0", c_heic, 2)), MEDIA_FMT_HEIF);
  static const char *const c_mif1[] = {"mif1"};
  cr_assert_eq(media_sniff(b, ftyp(b, "mif1", "\0\0\0\0", c_mif1, 1)), MEDIA_FMT_HEIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "mif1", "\0\0\0\0", NULL, 0)), MEDIA_FMT_HEIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "heix", "\0\0\0\0", NULL, 0)), MEDIA_FMT_HEIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "hevc", "\0\0\0\0", NULL, 0)), MEDIA_FMT_HEIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "msf1", "\0\0\0\0", NULL, 0)), MEDIA_FMT_HEIF);
  /* a neutral major brand, HEIF only among the compatible ones */
  static const char *const c_heim[] = {"iso8", "heim"};
  cr_assert_eq(media_sniff(b, ftyp(b, "isom", "\0\0\0\0", c_heim, 2)), MEDIA_FMT_HEIF);
}

Test(sniff, avif_brands)
{
  unsigned char b[128];
  static const char *const c_avif[] = {"avif", "mif1", "miaf", "MA1B"};
  cr_assert_eq(media_sniff(b, ftyp(b, "avif", "\0\0\0\0", c_avif, 4)), MEDIA_FMT_AVIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "avis", "\0\0\0\0", NULL, 0)), MEDIA_FMT_AVIF);
  /* avif only as a compatible brand, behind a HEIF-family major brand */
  static const char *const c_only[] = {"miaf", "avif"};
  cr_assert_eq(media_sniff(b, ftyp(b, "mif1", "\0\0\0\0", c_only, 2)), MEDIA_FMT_AVIF);
  cr_assert_eq(media_sniff(b, ftyp(b, "miaf", "\0\0\0\0", c_only, 2)), MEDIA_FMT_AVIF);
  /* an explicit HEVC major brand wins over a compatible avif */
  static const char *const c_both[] = {"avif"};
  cr_assert_eq(media_sniff(b, ftyp(b, "heic", "\0\0\0\0", c_both, 1)), MEDIA_FMT_HEIF);
}

Test(sniff, ftyp_near_misses)
{
  unsigned char b[128];
  static const char *const c_unknown[] = {"isom", "iso2", "mp41"};
  cr_assert_eq(media_sniff(b, ftyp(b, "mp42", "\0\0\0\0", c_unknown, 3)), MEDIA_FMT_NONE,
               "an MP4 video");
  cr_assert_eq(media_sniff(b, ftyp(b, "qt  ", "\0\0\0\0", NULL, 0)), MEDIA_FMT_NONE);
  /* "avif" in the minor-version slot is not a brand */
  cr_assert_eq(media_sniff(b, ftyp(b, "isom", "avif", NULL, 0)), MEDIA_FMT_NONE);
  /* a brand beyond the box's declared size does not count */
  size_t n = ftyp(b, "isom", "\0\0\0\0", c_unknown, 3);
  memcpy(b + n, "avif", 4);
  cr_assert_eq(media_sniff(b, n + 4), MEDIA_FMT_NONE);
  /* truncated: 15 bytes of an avif box */
  n = ftyp(b, "avif", "\0\0\0\0", NULL, 0);
  cr_assert_eq(media_sniff(b, 16), MEDIA_FMT_AVIF);
  cr_assert_eq(media_sniff(b, 15), MEDIA_FMT_NONE);
  /* absurd box sizes */
  be32_put(b, 8);
  cr_assert_eq(media_sniff(b, n), MEDIA_FMT_NONE);
  be32_put(b, 0xFFFFFFFFu);
  cr_assert_eq(media_sniff(b, n), MEDIA_FMT_NONE);
  /* not "ftyp" */
  ftyp(b, "avif", "\0\0\0\0", NULL, 0);
  memcpy(b + 4, "moov", 4);
  cr_assert_eq(media_sniff(b, n), MEDIA_FMT_NONE);
}

Test(sniff, svg_forms)
{
  cr_assert_eq(SNIFF("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<svg>"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<svg\n width=\"1\">"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<svg/>"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("\xEF\xBB\xBF<svg>"), MEDIA_FMT_SVG, "UTF-8 BOM");
  cr_assert_eq(SNIFF("  \r\n\t<svg>"), MEDIA_FMT_SVG, "leading whitespace");
  cr_assert_eq(SNIFF("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg>"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<!-- Generator: Adobe Illustrator 24 -->\n<svg>"), MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
                     "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg>"),
               MEDIA_FMT_SVG);
  cr_assert_eq(SNIFF("<!doctype svg><svg>"), MEDIA_FMT_SVG, "doctype in lower case");
  cr_assert_eq(SNIFF("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a -->\n<!-- b -- c -->\n"
                     "<!DOCTYPE svg>\n<svg viewBox=\"0 0 1 1\"></svg>"),
               MEDIA_FMT_SVG, "everything at once");
}

Test(sniff, svg_near_misses)
{
  cr_assert_eq(SNIFF("<svgx>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("<SVG>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("<html><svg></svg></html>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("<?xml version=\"1.0\"?><html/>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("<?xml version=\"1.0\" <svg>"), MEDIA_FMT_NONE, "unterminated prolog");
  cr_assert_eq(SNIFF("<!-- <svg> "), MEDIA_FMT_NONE, "inside an unterminated comment");
  cr_assert_eq(SNIFF("<!-- x --> text <svg>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("hello <svg>"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("\xEF\xBB\xBF   "), MEDIA_FMT_NONE);
}

Test(sniff, not_an_image)
{
  cr_assert_eq(media_sniff(NULL, 0), MEDIA_FMT_NONE);
  cr_assert_eq(media_sniff("", 0), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("hello, world\n"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("%PDF-1.7\n"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("GIF89a\x01\0\x01\0"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("BM\x36\0\0\0\0\0"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("RIFF\x24\0\0\0WAVEfmt "), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("RIFF\x24\0\0\0AVI LIST"), MEDIA_FMT_NONE);
  /* the signature with a byte missing */
  cr_assert_eq(SNIFF("\xFF\xD8"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("\xFF\xD8\xFE\xE0"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("\x89PNG\r\n\x1a"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("\x89PNG\r\n\x1b\n"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("RIFF\0\0\0\0WEB"), MEDIA_FMT_NONE);
  cr_assert_eq(SNIFF("RIFX\0\0\0\0WEBP"), MEDIA_FMT_NONE);
  /* the length given is what counts, not what lies beyond it */
  cr_assert_eq(media_sniff("\x89PNG\r\n\x1a\n", 7), MEDIA_FMT_NONE);
  cr_assert_eq(media_sniff("<svg>", 3), MEDIA_FMT_NONE);
}

Test(sniff, mime_and_ext)
{
  static const struct {
    enum media_fmt f;
    const char *mime, *ext;
  } t[] = {
      {MEDIA_FMT_NONE, "application/octet-stream", "bin"},
      {MEDIA_FMT_JPEG, "image/jpeg", "jpg"},
      {MEDIA_FMT_PNG, "image/png", "png"},
      {MEDIA_FMT_WEBP, "image/webp", "webp"},
      {MEDIA_FMT_HEIF, "image/heic", "heic"},
      {MEDIA_FMT_AVIF, "image/avif", "avif"},
      {MEDIA_FMT_SVG, "image/svg+xml", "svg"},
      {(enum media_fmt)99, "application/octet-stream", "bin"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    cr_expect_str_eq(media_fmt_mime(t[i].f), t[i].mime, "fmt %d", (int)t[i].f);
    cr_expect_str_eq(media_fmt_ext(t[i].f), t[i].ext, "fmt %d", (int)t[i].f);
  }
}

/* files libvips writes sniff as what they are */
Test(image, sniff_files_written_by_libvips)
{
  static const struct {
    const char *name;
    enum media_fmt f;
  } t[] = {{"a.jpg", MEDIA_FMT_JPEG}, {"a.png", MEDIA_FMT_PNG}, {"a.webp", MEDIA_FMT_WEBP}};
  make_jpeg("a.jpg", 64, 48, 0, false);
  make_png("a.png", 64, 48, 3);
  make_webp("a.webp", 64, 48);
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    size_t n;
    unsigned char *b = read_bytes(tpath(t[i].name), &n);
    cr_expect_eq(media_sniff(b, n), t[i].f, "%s", t[i].name);
    cr_expect_eq(media_sniff(b, n < 64 ? n : 64), t[i].f, "%s, first 64 bytes", t[i].name);
    free(b);
  }
}

/* ------------------------------------------------------------------------------------ */
/* media_probe_file                                                                       */
/* ------------------------------------------------------------------------------------ */

static void expect_probe(const char *path, enum media_fmt fmt, int w, int h, int orient, bool alpha)
{
  struct media_probe pr;
  struct err e = {0};
  cr_assert_eq(media_probe_file(path, MAXPX, &pr, &e), 0, "%s: %s", path, e.msg);
  cr_expect_eq(pr.fmt, fmt, "%s", path);
  cr_expect_eq(pr.width, w, "%s: width %d", path, pr.width);
  cr_expect_eq(pr.height, h, "%s: height %d", path, pr.height);
  cr_expect_eq(pr.orientation, orient, "%s: orientation %d", path, pr.orientation);
  cr_expect_eq(pr.has_alpha, alpha, "%s", path);
}

static void expect_probe_fails(const char *path, int64_t max_pixels, int code)
{
  struct media_probe pr;
  struct err e = {0};
  cr_assert_eq(media_probe_file(path, max_pixels, &pr, &e), -1, "%s was accepted", path);
  cr_expect_eq(e.code, code, "%s: %s (%s)", path, err_name(e.code), e.msg);
  cr_expect_neq(e.msg[0], 0, "%s: no message", path);
}

Test(image, probe_sizes)
{
  expect_probe(make_jpeg("a.jpg", 300, 200, 0, false), MEDIA_FMT_JPEG, 300, 200, 1, false);
  expect_probe(make_png("a.png", 123, 45, 3), MEDIA_FMT_PNG, 123, 45, 1, false);
  expect_probe(make_png("b.png", 45, 123, 4), MEDIA_FMT_PNG, 45, 123, 1, true);
  expect_probe(make_webp("a.webp", 250, 170), MEDIA_FMT_WEBP, 250, 170, 1, false);
  expect_probe(make_jpeg("o1.jpg", 300, 200, 1, false), MEDIA_FMT_JPEG, 300, 200, 1, false);
}

Test(image, probe_exif_orientation_swaps_the_sides)
{
  const char *p = make_jpeg("o6.jpg", 300, 200, 6, false);
  /* the file really carries the tag */
  VipsImage *im = load(p);
  int o = 0;
  cr_assert_eq(vips_image_get_int(im, VIPS_META_ORIENTATION, &o), 0);
  cr_assert_eq(o, 6);
  cr_assert_eq(im->Xsize, 300);
  g_object_unref(im);
  expect_probe(p, MEDIA_FMT_JPEG, 200, 300, 6, false);
  expect_probe(make_jpeg("o8.jpg", 300, 200, 8, false), MEDIA_FMT_JPEG, 200, 300, 8, false);
  expect_probe(make_jpeg("o5.jpg", 300, 200, 5, false), MEDIA_FMT_JPEG, 200, 300, 5, false);
  /* 2..4 mirror or turn by 180 degrees: the sides stay */
  expect_probe(make_jpeg("o3.jpg", 300, 200, 3, false), MEDIA_FMT_JPEG, 300, 200, 3, false);
}

Test(image, probe_cut_off_files)
{
  size_t n;
  const char *jpg = make_jpeg("full.jpg", 600, 400, 0, false);
  free(read_bytes(jpg, &n));
  expect_probe_fails(truncated_copy(jpg, "half.jpg", n / 2), MAXPX, CC24_E_IMAGE_INVALID);
  /* without just the EOI marker it is still cut off */
  expect_probe_fails(truncated_copy(jpg, "noeoi.jpg", n - 2), MAXPX, CC24_E_IMAGE_INVALID);

  const char *png = make_png("full.png", 300, 200, 3);
  free(read_bytes(png, &n));
  expect_probe_fails(truncated_copy(png, "noiend.png", n - 12), MAXPX, CC24_E_IMAGE_INVALID);
  expect_probe_fails(truncated_copy(png, "half.png", n / 2), MAXPX, CC24_E_IMAGE_INVALID);

  const char *webp = make_webp("full.webp", 300, 200);
  free(read_bytes(webp, &n));
  expect_probe_fails(truncated_copy(webp, "half.webp", n / 2), MAXPX, CC24_E_IMAGE_INVALID);

  /* only the signature */
  write_bytes(tpath("sig.jpg"), "\xFF\xD8\xFF\xE0", 4);
  expect_probe_fails(tpath("sig.jpg"), MAXPX, CC24_E_IMAGE_INVALID);
}

Test(image, probe_not_an_image)
{
  static const char text[] = "Dies ist kein Bild, sondern Text.\n";
  write_bytes(tpath("a.txt"), text, sizeof text - 1);
  expect_probe_fails(tpath("a.txt"), MAXPX, CC24_E_UNSUPPORTED_MEDIA_TYPE);
  /* even named like a photo */
  write_bytes(tpath("text.jpg"), text, sizeof text - 1);
  expect_probe_fails(tpath("text.jpg"), MAXPX, CC24_E_UNSUPPORTED_MEDIA_TYPE);
  /* an SVG is not a photo */
  static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" "
                            "height=\"10\"/>";
  write_bytes(tpath("a.svg"), svg, sizeof svg - 1);
  expect_probe_fails(tpath("a.svg"), MAXPX, CC24_E_UNSUPPORTED_MEDIA_TYPE);
  write_bytes(tpath("empty.jpg"), "", 0);
  expect_probe_fails(tpath("empty.jpg"), MAXPX, CC24_E_IMAGE_INVALID);
  expect_probe_fails(tpath("missing.jpg"), MAXPX, CC24_E_IO);
}

Test(image, probe_refuses_a_png_bomb_from_its_header)
{
  const char *p = make_png_header_only("bomb.png", 100000, 100000);
  struct media_probe pr;
  struct err e = {0};
  cr_assert_eq(media_probe_file(p, MAXPX, &pr, &e), -1);
  cr_assert_eq(e.code, CC24_E_IMAGE_TOO_LARGE, "%s: %s", err_name(e.code), e.msg);
  cr_expect(strstr(e.msg, "100000") != NULL, "%s", e.msg);
  /* the largest sides a PNG can declare: their product does not wrap around */
  p = make_png_header_only("huge.png", 0xFFFFFFFFu, 0xFFFFFFFFu);
  expect_probe_fails(p, INT64_MAX, CC24_E_IMAGE_TOO_LARGE);
  /* a header with no pixels */
  p = make_png_header_only("zero.png", 0, 100);
  expect_probe_fails(p, MAXPX, CC24_E_IMAGE_INVALID);
  /* the same hand-built file with a sane size is taken (so the refusal above is about
   * the size, not about the hand-built bytes) */
  p = make_png_header_only("one.png", 1, 1);
  struct media_probe ok;
  cr_assert_eq(media_probe_file(p, MAXPX, &ok, &e), 0, "%s", e.msg);
  cr_expect_eq(ok.width, 1);
  cr_expect_eq(ok.height, 1);
  cr_expect_eq(ok.fmt, MEDIA_FMT_PNG);
}

Test(image, probe_respects_max_pixels)
{
  const char *jpg = make_jpeg("a.jpg", 300, 200, 0, false);
  const char *png = make_png("a.png", 300, 200, 3);
  const char *webp = make_webp("a.webp", 300, 200);
  const char *const all[] = {jpg, png, webp};
  for (size_t i = 0; i < 3; i++) {
    struct media_probe pr;
    struct err e = {0};
    cr_expect_eq(media_probe_file(all[i], 60000, &pr, &e), 0, "%s at the limit: %s", all[i], e.msg);
    expect_probe_fails(all[i], 59999, CC24_E_IMAGE_TOO_LARGE);
  }
}

/* ------------------------------------------------------------------------------------ */
/* media_make_variants                                                                    */
/* ------------------------------------------------------------------------------------ */

struct want {
  const char *name;
  int w, h;
  enum media_fmt fmt;
};

/* The variants are exactly want[] in this order, the files exist with those sizes and
 * formats and the sizes the list reports, and carry no EXIF or XMP. */
static void expect_variants(const char *dir, const struct media_variant *v, int nv,
                            const struct want *want, int nwant)
{
  cr_assert_eq(nv, nwant, "%d variants, expected %d", nv, nwant);
  for (int i = 0; i < nv; i++) {
    cr_expect_str_eq(v[i].name, want[i].name, "variant %d", i);
    cr_expect_eq(v[i].fmt, want[i].fmt, "%s", v[i].name);
    cr_expect_eq(v[i].width, want[i].w, "%s: width %d", v[i].name, v[i].width);
    cr_expect(abs(v[i].height - want[i].h) <= 1, "%s: height %d, expected %d", v[i].name,
              v[i].height, want[i].h);
    const char *p = arena_printf(A, "%s/%s", dir, v[i].name);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "%s missing", p);
    cr_expect_eq(v[i].bytes, (int64_t)st.st_size, "%s", v[i].name);
    size_t n;
    unsigned char *b = read_bytes(p, &n);
    cr_expect_eq(media_sniff(b, n), want[i].fmt, "%s has the wrong type", v[i].name);
    if (want[i].fmt == MEDIA_FMT_WEBP) {
      expect_webp_well_formed(b, n);
      cr_expect(!webp_has_chunk(b, n, "EXIF"), "%s has an EXIF chunk", v[i].name);
      cr_expect(!webp_has_chunk(b, n, "XMP "), "%s has an XMP chunk", v[i].name);
    }
    if (want[i].fmt == MEDIA_FMT_JPEG)
      cr_expect(!memmem(b, n, "Exif\0\0", 6), "%s has an EXIF segment", v[i].name);
    cr_expect(!memmem(b, n, "GPS", 3) && !memmem(b, n, "TestCam", 7) && !memmem(b, n, "xmpmeta", 7),
              "%s carries metadata", v[i].name);
    free(b);
    VipsImage *im = load(p);
    cr_expect_eq(im->Xsize, v[i].width, "%s", v[i].name);
    cr_expect_eq(im->Ysize, v[i].height, "%s", v[i].name);
    cr_expect_eq(vips_image_get_typeof(im, "exif-data"), 0, "%s has exif-data", v[i].name);
    cr_expect_eq(vips_image_get_typeof(im, "xmp-data"), 0, "%s has xmp-data", v[i].name);
    cr_expect_eq(vips_image_get_typeof(im, "exif-ifd3-GPSLatitude"), 0, "%s", v[i].name);
    int o = 1;
    if (vips_image_get_typeof(im, VIPS_META_ORIENTATION))
      vips_image_get_int(im, VIPS_META_ORIENTATION, &o);
    cr_expect_eq(o, 1, "%s is not upright: orientation %d", v[i].name, o);
    g_object_unref(im);
  }
}

static const int WIDTHS[] = {320, 640, 1280, 2048};
static const enum media_fmt JPEG_WEBP[] = {MEDIA_FMT_JPEG, MEDIA_FMT_WEBP};

Test(image, variants_of_a_large_photo)
{
  const char *src = make_jpeg("big.jpg", 3000, 2000, 0, false);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  const char *ph = NULL;
  struct err e = {0};
  cr_assert_eq(media_make_variants(src, MAXPX, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v, &nv, A, &ph, &e),
               0, "%s", e.msg);
  static const struct want want[] = {
      {"2048.jpg", 2048, 1365, MEDIA_FMT_JPEG},  {"1280.jpg", 1280, 853, MEDIA_FMT_JPEG},
      {"640.jpg", 640, 427, MEDIA_FMT_JPEG},     {"320.jpg", 320, 213, MEDIA_FMT_JPEG},
      {"2048.webp", 2048, 1365, MEDIA_FMT_WEBP}, {"1280.webp", 1280, 853, MEDIA_FMT_WEBP},
      {"640.webp", 640, 427, MEDIA_FMT_WEBP},    {"320.webp", 320, 213, MEDIA_FMT_WEBP},
  };
  expect_variants(tmpdir, v, nv, want, 8);
  cr_expect(!exists(tpath("3000.jpg")), "the original width was written");

  /* the placeholder: a small WebP data URI, 20 px wide */
  cr_assert_not_null(ph);
  static const char prefix[] = "data:image/webp;base64,";
  cr_assert_eq(strncmp(ph, prefix, sizeof prefix - 1), 0, "%.40s", ph);
  cr_expect_lt(strlen(ph), 1000, "placeholder of %zu bytes", strlen(ph));
  unsigned char bin[1024];
  size_t blen = 0;
  const char *b64 = ph + sizeof prefix - 1;
  cr_assert_eq(sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &blen, NULL,
                                 sodium_base64_VARIANT_ORIGINAL),
               0, "not base64");
  cr_assert_eq(media_sniff(bin, blen), MEDIA_FMT_WEBP);
  expect_webp_well_formed(bin, blen);
  VipsImage *im = vips_image_new_from_buffer(bin, blen, "", NULL);
  cr_assert_not_null(im, "%s", vips_error_buffer());
  cr_expect_eq(im->Xsize, 20);
  cr_expect_eq(im->Ysize, 13);
  g_object_unref(im);
}

/* a sliver: the 1/8 decode of the completeness check would have 0 rows (libvips asserts
 * and aborts the process — found by fuzz_sniff); probe and variants work */
Test(image, probe_and_variants_of_slivers)
{
  expect_probe(make_jpeg("wide.jpg", 3000, 2, 0, false), MEDIA_FMT_JPEG, 3000, 2, 1, false);
  expect_probe(make_jpeg("tall.jpg", 3, 2000, 0, false), MEDIA_FMT_JPEG, 3, 2000, 1, false);
  expect_probe(make_jpeg("dot.jpg", 1, 1, 0, false), MEDIA_FMT_JPEG, 1, 1, 1, false);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  cr_assert_eq(media_make_variants(tpath("wide.jpg"), MAXPX, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v,
                                   &nv, NULL, NULL, &e),
               0, "%s", e.msg);
  cr_expect_gt(nv, 0);
  for (int i = 0; i < nv; i++)
    cr_expect(v[i].width > 0 && v[i].height > 0, "variant %d: %d x %d", i, v[i].width, v[i].height);
}

Test(image, variants_never_upscale)
{
  const char *src = make_jpeg("small.jpg", 500, 400, 0, false);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  cr_assert_eq(
      media_make_variants(src, MAXPX, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v, &nv, NULL, NULL, &e), 0,
      "%s", e.msg);
  static const struct want want[] = {
      {"500.jpg", 500, 400, MEDIA_FMT_JPEG},
      {"320.jpg", 320, 256, MEDIA_FMT_JPEG},
      {"500.webp", 500, 400, MEDIA_FMT_WEBP},
      {"320.webp", 320, 256, MEDIA_FMT_WEBP},
  };
  expect_variants(tmpdir, v, nv, want, 4);
  cr_expect(!exists(tpath("640.jpg")) && !exists(tpath("640.webp")));
}

/* a photo exactly as wide as one of the widths gets it once */
Test(image, variants_of_a_photo_as_wide_as_a_width)
{
  const char *src = make_png("640.png", 640, 480, 3);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  static const enum media_fmt fmts[] = {MEDIA_FMT_WEBP};
  char *dir = arena_printf(A, "%s/out", tmpdir);
  cr_assert_eq(mkdir(dir, 0700), 0);
  cr_assert_eq(media_make_variants(src, MAXPX, WIDTHS, 4, fmts, 1, dir, v, &nv, NULL, NULL, &e), 0,
               "%s", e.msg);
  static const struct want want[] = {
      {"640.webp", 640, 480, MEDIA_FMT_WEBP},
      {"320.webp", 320, 240, MEDIA_FMT_WEBP},
  };
  expect_variants(dir, v, nv, want, 2);
}

Test(image, variants_of_a_rotated_photo_are_portrait_and_upright)
{
  /* stored 600 x 400 landscape, dark on the left; orientation 6 shows it turned a quarter
   * clockwise: 400 x 600, the stored left column on top */
  const char *src = make_jpeg("rot.jpg", 600, 400, 6, false);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  static const int widths[] = {320, 640};
  cr_assert_eq(
      media_make_variants(src, MAXPX, widths, 2, JPEG_WEBP, 2, tmpdir, v, &nv, NULL, NULL, &e), 0,
      "%s", e.msg);
  static const struct want want[] = {
      {"400.jpg", 400, 600, MEDIA_FMT_JPEG},
      {"320.jpg", 320, 480, MEDIA_FMT_JPEG},
      {"400.webp", 400, 600, MEDIA_FMT_WEBP},
      {"320.webp", 320, 480, MEDIA_FMT_WEBP},
  };
  expect_variants(tmpdir, v, nv, want, 4);
  for (int i = 0; i < nv; i++) {
    VipsImage *im = load(arena_printf(A, "%s/%s", tmpdir, v[i].name));
    int w = im->Xsize, h = im->Ysize;
    double top = area_avg(im, 0, 0, w, h / 10), bottom = area_avg(im, 0, h - h / 10, w, h / 10);
    double left = area_avg(im, 0, 0, w / 10, h), right = area_avg(im, w - w / 10, 0, w / 10, h);
    cr_expect_lt(top + 100, bottom, "%s: top %.0f, bottom %.0f", v[i].name, top, bottom);
    cr_expect_lt(fabs(left - right), 10, "%s: left %.0f, right %.0f", v[i].name, left, right);
    g_object_unref(im);
  }
}

Test(image, variants_drop_gps_exif_and_xmp)
{
  const char *src = make_jpeg("gps.jpg", 800, 600, 0, true);
  /* the source really carries them */
  VipsImage *im = load(src);
  cr_assert_neq(vips_image_get_typeof(im, "exif-data"), 0);
  cr_assert_neq(vips_image_get_typeof(im, "xmp-data"), 0);
  const char *lat = NULL;
  cr_assert_eq(vips_image_get_string(im, "exif-ifd3-GPSLatitude", &lat), 0, "no GPS in source");
  cr_assert(strncmp(lat, "52/1", 4) == 0, "%s", lat);
  g_object_unref(im);
  size_t n;
  unsigned char *b = read_bytes(src, &n);
  cr_assert(memmem(b, n, "TestCam", 7) && memmem(b, n, "xmpmeta", 7));
  free(b);

  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  const char *ph = NULL;
  struct err e = {0};
  static const int widths[] = {320, 640};
  static const enum media_fmt fmts[] = {MEDIA_FMT_JPEG, MEDIA_FMT_WEBP, MEDIA_FMT_PNG};
  cr_assert_eq(media_make_variants(src, MAXPX, widths, 2, fmts, 3, tmpdir, v, &nv, A, &ph, &e), 0,
               "%s", e.msg);
  static const struct want want[] = {
      {"640.jpg", 640, 480, MEDIA_FMT_JPEG},  {"320.jpg", 320, 240, MEDIA_FMT_JPEG},
      {"640.webp", 640, 480, MEDIA_FMT_WEBP}, {"320.webp", 320, 240, MEDIA_FMT_WEBP},
      {"640.png", 640, 480, MEDIA_FMT_PNG},   {"320.png", 320, 240, MEDIA_FMT_PNG},
  };
  expect_variants(tmpdir, v, nv, want, 6);

  /* nor in the placeholder */
  const char *b64 = ph + strlen("data:image/webp;base64,");
  unsigned char bin[1024];
  size_t blen = 0;
  cr_assert_eq(sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &blen, NULL,
                                 sodium_base64_VARIANT_ORIGINAL),
               0);
  cr_expect(!webp_has_chunk(bin, blen, "EXIF") && !webp_has_chunk(bin, blen, "XMP "));
}

Test(image, variants_keep_transparency_except_in_jpeg)
{
  const char *src = make_png("alpha.png", 400, 300, 4);
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  static const int widths[] = {320};
  static const enum media_fmt fmts[] = {MEDIA_FMT_JPEG, MEDIA_FMT_WEBP, MEDIA_FMT_PNG};
  cr_assert_eq(media_make_variants(src, MAXPX, widths, 1, fmts, 3, tmpdir, v, &nv, NULL, NULL, &e),
               0, "%s", e.msg);
  cr_assert_eq(nv, 3);
  for (int i = 0; i < nv; i++) {
    VipsImage *im = load(arena_printf(A, "%s/%s", tmpdir, v[i].name));
    cr_expect_eq(vips_image_hasalpha(im), v[i].fmt != MEDIA_FMT_JPEG, "%s", v[i].name);
    g_object_unref(im);
  }
}

Test(image, variants_refuse_bad_sources)
{
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = -1;
  struct err e = {0};
  size_t n;
  const char *src = make_jpeg("full.jpg", 1000, 800, 0, false);
  free(read_bytes(src, &n));
  const char *cut = truncated_copy(src, "cut.jpg", n / 2);
  cr_assert_eq(
      media_make_variants(cut, MAXPX, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v, &nv, NULL, NULL, &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_INVALID, "%s: %s", err_name(e.code), e.msg);
  cr_expect_eq(nv, 0);

  memset(&e, 0, sizeof e);
  nv = -1;
  cr_assert_eq(
      media_make_variants(src, 799999, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v, &nv, NULL, NULL, &e),
      -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_TOO_LARGE, "%s: %s", err_name(e.code), e.msg);
  cr_expect_eq(nv, 0);

  memset(&e, 0, sizeof e);
  const char *bomb = make_png_header_only("bomb.png", 100000, 100000);
  cr_assert_eq(
      media_make_variants(bomb, MAXPX, WIDTHS, 4, JPEG_WEBP, 2, tmpdir, v, &nv, NULL, NULL, &e),
      -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_TOO_LARGE, "%s: %s", err_name(e.code), e.msg);
  cr_expect(!exists(tpath("2048.jpg")) && !exists(tpath("320.jpg")));
}

Test(image, placeholder_of_a_file)
{
  const char *src = make_jpeg("p.jpg", 1200, 600, 6, true);
  const char *ph = NULL;
  struct err e = {0};
  cr_assert_eq(media_placeholder(src, MAXPX, A, &ph, &e), 0, "%s", e.msg);
  cr_assert_not_null(ph);
  cr_assert_eq(strncmp(ph, "data:image/webp;base64,", 23), 0);
  cr_expect_lt(strlen(ph), 1000);
  unsigned char bin[1024];
  size_t blen = 0;
  cr_assert_eq(sodium_base642bin(bin, sizeof bin, ph + 23, strlen(ph + 23), NULL, &blen, NULL,
                                 sodium_base64_VARIANT_ORIGINAL),
               0);
  cr_expect(!webp_has_chunk(bin, blen, "EXIF") && !webp_has_chunk(bin, blen, "XMP "));
  VipsImage *im = vips_image_new_from_buffer(bin, blen, "", NULL);
  cr_assert_not_null(im);
  cr_expect_eq(im->Xsize, 20);
  cr_expect_eq(im->Ysize, 40, "upright: portrait, got %d", im->Ysize);
  g_object_unref(im);

  write_bytes(tpath("t.txt"), "text", 4);
  memset(&e, 0, sizeof e);
  cr_expect_eq(media_placeholder(tpath("t.txt"), MAXPX, A, &ph, &e), -1);
  cr_expect_eq(e.code, CC24_E_UNSUPPORTED_MEDIA_TYPE);
}

/* ------------------------------------------------------------------------------------ */
/* media_webp_strip                                                                       */
/* ------------------------------------------------------------------------------------ */

/* a WebP from libvips with EXIF (GPS) and XMP chunks and their VP8X flags */
static unsigned char *webp_with_meta(size_t *n)
{
  VipsImage *im = ramp(64, 48, 3);
  add_private_meta(im);
  void *buf = NULL;
  size_t len = 0;
  cr_assert_eq(vips_webpsave_buffer(im, &buf, &len, NULL), 0, "%s", vips_error_buffer());
  g_object_unref(im);
  unsigned char *b = malloc(len);
  memcpy(b, buf, len);
  g_free(buf);
  *n = len;
  return b;
}

Test(image, webp_strip_drops_exif_and_xmp)
{
  size_t n;
  unsigned char *b = webp_with_meta(&n);
  /* the preconditions: libvips wrote both chunks and flagged them */
  cr_assert(webp_has_chunk(b, n, "VP8X"));
  cr_assert(webp_has_chunk(b, n, "EXIF"), "libvips wrote no EXIF chunk");
  cr_assert(webp_has_chunk(b, n, "XMP "), "libvips wrote no XMP chunk");
  cr_assert_eq(memcmp(b + 12, "VP8X", 4), 0);
  cr_assert_eq(b[20] & 0x0C, 0x0C, "flags %02x", b[20]);
  expect_webp_well_formed(b, n);

  size_t m = media_webp_strip(b, n);
  cr_assert_lt(m, n);
  expect_webp_well_formed(b, m);
  cr_expect(!webp_has_chunk(b, m, "EXIF"));
  cr_expect(!webp_has_chunk(b, m, "XMP "));
  cr_expect(webp_has_chunk(b, m, "VP8X"));
  cr_expect(webp_has_chunk(b, m, "VP8 ") || webp_has_chunk(b, m, "VP8L"));
  cr_expect_eq(b[20] & 0x0C, 0, "flags %02x", b[20]);
  cr_expect(!memmem(b, m, "TestCam", 7) && !memmem(b, m, "xmpmeta", 7));

  /* still an image, the same one */
  VipsImage *im = vips_image_new_from_buffer(b, m, "", NULL);
  cr_assert_not_null(im, "%s", vips_error_buffer());
  cr_expect_eq(im->Xsize, 64);
  cr_expect_eq(im->Ysize, 48);
  cr_expect_eq(vips_image_get_typeof(im, "exif-data"), 0);
  cr_expect_eq(vips_image_get_typeof(im, "xmp-data"), 0);
  double avg = 0;
  cr_expect_eq(vips_avg(im, &avg, NULL), 0, "%s", vips_error_buffer());
  cr_expect(avg > 100 && avg < 155, "average %.1f", avg);
  g_object_unref(im);

  /* a second pass changes nothing */
  unsigned char *copy = malloc(m);
  memcpy(copy, b, m);
  cr_expect_eq(media_webp_strip(b, m), m);
  cr_expect_eq(memcmp(b, copy, m), 0);
  free(copy);
  free(b);
}

/* hand-assembled: VP8X, ICCP, an odd-sized EXIF (with its pad byte), VP8L, XMP, ALPH — the
 * other chunks must come out byte for byte, in order */
Test(sniff, webp_strip_hand_built)
{
  unsigned char b[256], want[256];
  size_t n = 12, w = 12;
#define CHUNK(dst, len, fourcc, data, sz)                                                          \
  do {                                                                                             \
    memcpy(dst + len, fourcc, 4);                                                                  \
    le32_put(dst + len + 4, sz);                                                                   \
    memcpy(dst + len + 8, data, sz);                                                               \
    len += 8 + sz;                                                                                 \
    if ((sz)&1)                                                                                    \
      dst[len++] = 0;                                                                              \
  } while (0)
  memcpy(b, "RIFF\0\0\0\0WEBP", 12);
  memcpy(want, "RIFF\0\0\0\0WEBP", 12);
  const unsigned char vp8x[10] = {0x2C, 0, 0, 0, 9, 0, 0, 9, 0, 0}; /* ICC+EXIF+XMP */
  const unsigned char vp8x_want[10] = {0x20, 0, 0, 0, 9, 0, 0, 9, 0, 0};
  CHUNK(b, n, "VP8X", vp8x, 10);
  CHUNK(want, w, "VP8X", vp8x_want, 10);
  CHUNK(b, n, "ICCP", "icc-profile", 11);
  CHUNK(want, w, "ICCP", "icc-profile", 11);
  CHUNK(b, n, "EXIF", "MM\0*GPS", 7);
  CHUNK(b, n, "VP8L", "\x2f\0\0\0\0", 5);
  CHUNK(want, w, "VP8L", "\x2f\0\0\0\0", 5);
  CHUNK(b, n, "XMP ", "<x:xmpmeta/>", 12);
  CHUNK(b, n, "ALPH", "ab", 2);
  CHUNK(want, w, "ALPH", "ab", 2);
#undef CHUNK
  le32_put(b + 4, (uint32_t)(n - 8));
  le32_put(want + 4, (uint32_t)(w - 8));
  unsigned char *heap = malloc(n); /* exact size, for ASan */
  memcpy(heap, b, n);
  size_t m = media_webp_strip(heap, n);
  cr_assert_eq(m, w, "%zu bytes, expected %zu", m, w);
  cr_assert_eq(memcmp(heap, want, w), 0);
  /* a file without metadata comes back as it was */
  cr_expect_eq(media_webp_strip(heap, w), w);
  cr_expect_eq(memcmp(heap, want, w), 0);
  free(heap);
}

/* libvips 8.14 writes an EXIF chunk into a WebP even when the image has no metadata (the
 * reason for the stripper): one pass removes it, a second changes nothing */
Test(image, webp_strip_of_a_plain_libvips_file)
{
  size_t n;
  unsigned char *b = read_bytes(make_webp("plain.webp", 50, 40), &n);
  size_t m = media_webp_strip(b, n);
  cr_assert_leq(m, n);
  expect_webp_well_formed(b, m);
  cr_expect(!webp_has_chunk(b, m, "EXIF") && !webp_has_chunk(b, m, "XMP "));
  unsigned char *copy = malloc(m);
  memcpy(copy, b, m);
  cr_expect_eq(media_webp_strip(b, m), m);
  cr_expect_eq(memcmp(b, copy, m), 0);
  VipsImage *im = vips_image_new_from_buffer(b, m, "", NULL);
  cr_assert_not_null(im, "%s", vips_error_buffer());
  cr_expect_eq(im->Xsize, 50);
  cr_expect_eq(im->Ysize, 40);
  g_object_unref(im);
  free(copy);
  free(b);
}

Test(sniff, webp_strip_leaves_other_bytes_alone)
{
#define INPUT(lit)                                                                                 \
  {                                                                                                \
    lit, sizeof lit - 1                                                                            \
  }
  static const struct {
    const char *p;
    size_t n;
  } inputs[] = {
      INPUT("\xFF\xD8\xFF\xE1\0\x10"
            "Exif\0\0MM\0*\0\0\0\x08\0\0\0\0"),
      INPUT("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0"),
      INPUT("RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\1\0\1\0"),
      INPUT("RIFF\0\0\0\0WEBP"), /* too short to hold a chunk */
      INPUT("hello, world, this is text"),
  };
#undef INPUT
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    size_t n = inputs[i].n;
    unsigned char *b = malloc(n);
    memcpy(b, inputs[i].p, n);
    cr_expect_eq(media_webp_strip(b, n), n, "input %zu", i);
    cr_expect_eq(memcmp(b, inputs[i].p, n), 0, "input %zu was modified", i);
    free(b);
  }
  cr_expect_eq(media_webp_strip(NULL, 0), 0);
}

/* Cut-off and corrupted WebPs: no crash (ASan watches the exact-size buffers), never a
 * longer result, and a chunk that claims more than there is leaves the file as it was. */
Test(image, webp_strip_survives_garbage)
{
  size_t n;
  unsigned char *orig = webp_with_meta(&n);
  for (size_t k = 0; k <= n; k++) {
    unsigned char *b = malloc(k ? k : 1);
    memcpy(b, orig, k);
    size_t m = media_webp_strip(b, k);
    cr_assert_leq(m, k, "prefix %zu: %zu", k, m);
    free(b);
  }
  /* a chunk size running past the end */
  unsigned char *b = malloc(n);
  memcpy(b, orig, n);
  le32_put(b + 16, 0xFFFFFFF0u);
  unsigned char *bad = malloc(n);
  memcpy(bad, b, n);
  cr_expect_eq(media_webp_strip(b, n), n);
  cr_expect_eq(memcmp(b, bad, n), 0, "a malformed file was modified");
  free(bad);
  /* every byte flipped in turn */
  for (size_t i = 0; i < n; i++) {
    memcpy(b, orig, n);
    b[i] ^= 0xA5;
    size_t m = media_webp_strip(b, n);
    cr_assert_leq(m, n, "flip at %zu", i);
  }
  /* random bytes behind a WebP header */
  for (int round = 0; round < 200; round++) {
    memcpy(b, orig, n);
    randombytes_buf(b + 12, n - 12);
    cr_assert_leq(media_webp_strip(b, n), n);
  }
  free(b);
  free(orig);
}

/* ------------------------------------------------------------------------------------ */
/* media_render                                                                           */
/* ------------------------------------------------------------------------------------ */

static void render(const char *src, const char *url, enum media_fmt fmt, int want_w, int want_h)
{
  struct imgurl_opts o;
  const char *id = NULL;
  struct err e = {0};
  cr_assert_eq(imgurl_parse(A, url, &o, &id, &e), 0, "%s: %s", url, e.msg);
  const char *out = tpath(arena_printf(A, "r%zu.%s", arena_used(A), media_fmt_ext(fmt)));
  int w = -1, h = -1;
  cr_assert_eq(media_render(src, MAXPX, &o, fmt, out, &w, &h, &e), 0, "%s: %s", url, e.msg);
  cr_expect_eq(w, want_w, "%s: width %d, expected %d", url, w, want_w);
  cr_expect_eq(h, want_h, "%s: height %d, expected %d", url, h, want_h);
  size_t n;
  unsigned char *b = read_bytes(out, &n);
  cr_expect_eq(media_sniff(b, n), fmt, "%s", url);
  cr_expect(!memmem(b, n, "TestCam", 7), "%s: metadata left", url);
  free(b);
  VipsImage *im = load(out);
  cr_expect_eq(im->Xsize, w, "%s", url);
  cr_expect_eq(im->Ysize, h, "%s", url);
  cr_expect_eq(vips_image_get_typeof(im, "exif-data"), 0, "%s", url);
  g_object_unref(im);
}

Test(image, render_url_options)
{
  const char *src = make_jpeg("src.jpg", 600, 400, 0, true);
  render(src, "rs:fill:300:200/x", MEDIA_FMT_JPEG, 300, 200);
  render(src, "rs:fill:300:300/x", MEDIA_FMT_WEBP, 300, 300);
  render(src, "rs:fill:100:400/g:we/x", MEDIA_FMT_JPEG, 100, 400);
  render(src, "rs:fit:300:300/x", MEDIA_FMT_JPEG, 300, 200);
  render(src, "w:150/x", MEDIA_FMT_PNG, 150, 100);
  render(src, "h:100/x", MEDIA_FMT_WEBP, 150, 100);
  render(src, "rs:force:123:77/x", MEDIA_FMT_JPEG, 123, 77);
  render(src, "rs:fit:300:300:0:1/x", MEDIA_FMT_JPEG, 300, 300);
  render(src, "rs:fill:150:100/dpr:2/x", MEDIA_FMT_WEBP, 300, 200);
  render(src, "rs:auto:200:300/x", MEDIA_FMT_JPEG, 200, 133);
  render(src, "rs:auto:300:200/x", MEDIA_FMT_JPEG, 300, 200);
  render(src, "q:30/x", MEDIA_FMT_JPEG, 600, 400);
  /* never larger than the source unless asked */
  render(src, "rs:fit:1200:1200/x", MEDIA_FMT_JPEG, 600, 400);
  render(src, "rs:fill:1200:400/x", MEDIA_FMT_JPEG, 600, 400);
  render(src, "rs:fill-down:1200:400/x", MEDIA_FMT_JPEG, 600, 200);
  render(src, "rs:fit:1200:1200:1/x", MEDIA_FMT_JPEG, 1200, 800);
}

Test(image, render_gravity_picks_the_side)
{
  /* the ramp: dark on the left, bright on the right */
  const char *src = make_png("g.png", 600, 200, 3);
  struct imgurl_opts o;
  const char *id;
  struct err e = {0};
  double avg[2];
  const char *urls[2] = {"rs:fill:100:200/g:we/x", "rs:fill:100:200/g:ea/x"};
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(imgurl_parse(A, urls[i], &o, &id, &e), 0);
    const char *out = tpath(arena_printf(A, "g%d.png", i));
    int w, h;
    cr_assert_eq(media_render(src, MAXPX, &o, MEDIA_FMT_PNG, out, &w, &h, &e), 0, "%s", e.msg);
    cr_assert_eq(w, 100);
    cr_assert_eq(h, 200);
    VipsImage *im = load(out);
    avg[i] = area_avg(im, 0, 0, 100, 200);
    g_object_unref(im);
  }
  cr_expect_lt(avg[0], 40, "west: %.0f", avg[0]);
  cr_expect_gt(avg[1], 215, "east: %.0f", avg[1]);
}

Test(image, render_respects_orientation_and_limits)
{
  const char *rot = make_jpeg("rot.jpg", 600, 400, 6, false);
  render(rot, "rs:fit:300:300/x", MEDIA_FMT_JPEG, 200, 300);
  render(rot, "rs:fill:200:300/x", MEDIA_FMT_WEBP, 200, 300);

  struct imgurl_opts o;
  const char *id;
  struct err e = {0};
  int w, h;
  cr_assert_eq(imgurl_parse(A, "w:100/x", &o, &id, &e), 0);
  cr_expect_eq(media_render(rot, 239999, &o, MEDIA_FMT_JPEG, tpath("o.jpg"), &w, &h, &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_TOO_LARGE, "%s", e.msg);
  write_bytes(tpath("t.txt"), "plain text", 10);
  memset(&e, 0, sizeof e);
  cr_expect_eq(media_render(tpath("t.txt"), MAXPX, &o, MEDIA_FMT_JPEG, tpath("o.jpg"), &w, &h, &e),
               -1);
  cr_expect_eq(e.code, CC24_E_UNSUPPORTED_MEDIA_TYPE, "%s", e.msg);
  cr_expect(!exists(tpath("o.jpg")));
}

/* ------------------------------------------------------------------------------------ */
/* media_svg_rasterise                                                                    */
/* ------------------------------------------------------------------------------------ */

static const char LOGO[] =
    "<?xml version=\"1.0\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" "
    "viewBox=\"0 0 100 50\"><rect x=\"0\" y=\"0\" width=\"50\" height=\"50\" fill=\"#ff0000\"/>"
    "</svg>";

Test(image, svg_rasterise_to_the_width)
{
  const char *out = tpath("logo.png");
  struct err e = {0};
  cr_assert_eq(media_svg_rasterise(LOGO, sizeof LOGO - 1, 200, out, &e), 0, "%s", e.msg);
  size_t n;
  unsigned char *b = read_bytes(out, &n);
  cr_expect_eq(media_sniff(b, n), MEDIA_FMT_PNG);
  free(b);
  VipsImage *im = load(out);
  cr_expect_eq(im->Xsize, 200);
  cr_expect_eq(im->Ysize, 100);
  cr_assert_eq(im->Bands, 4);
  double *px = NULL;
  int np = 0;
  cr_assert_eq(vips_getpoint(im, &px, &np, 50, 50, NULL), 0);
  cr_expect(np == 4 && px[0] > 250 && px[1] < 5 && px[3] > 250, "left half: red");
  g_free(px);
  cr_assert_eq(vips_getpoint(im, &px, &np, 150, 50, NULL), 0);
  cr_expect(np == 4 && px[3] < 5, "right half: transparent");
  g_free(px);
  g_object_unref(im);
}

Test(image, svg_loads_no_other_file)
{
  /* a real image next to the SVG and one by absolute path: neither may be drawn */
  const char *png = make_png("secret.png", 20, 20, 3);
  const char *svg = arena_printf(
      A,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "width=\"100\" height=\"100\">"
      "<image x=\"0\" y=\"0\" width=\"50\" height=\"50\" href=\"file://%s\"/>"
      "<image x=\"50\" y=\"0\" width=\"50\" height=\"50\" xlink:href=\"secret.png\"/>"
      "<image x=\"0\" y=\"50\" width=\"50\" height=\"50\" href=\"file:///etc/passwd\"/>"
      "<image x=\"50\" y=\"50\" width=\"50\" height=\"50\" href=\"%s\"/>"
      "</svg>",
      png, png);
  const char *out = tpath("ext.png");
  struct err e = {0};
  int rc = media_svg_rasterise(svg, strlen(svg), 100, out, &e);
  if (rc != 0) {
    cr_expect_eq(e.code, CC24_E_IMAGE_INVALID, "%s", e.msg);
    cr_expect(!exists(out));
    return;
  }
  VipsImage *im = load(out);
  cr_assert_eq(im->Xsize, 100);
  cr_assert_eq(im->Ysize, 100);
  cr_assert_eq(im->Bands, 4);
  static const int pts[][2] = {{25, 25}, {75, 25}, {25, 75}, {75, 75}};
  for (int i = 0; i < 4; i++) {
    double *px = NULL;
    int np = 0;
    cr_assert_eq(vips_getpoint(im, &px, &np, pts[i][0], pts[i][1], NULL), 0);
    cr_expect(np == 4 && px[3] == 0, "image %d was loaded (alpha %.0f)", i, np == 4 ? px[3] : -1);
    g_free(px);
  }
  g_object_unref(im);
}

/* a valid 10 x 10 SVG of exactly n bytes (a long comment inside) */
static char *padded_svg(size_t n)
{
  static const char head[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" "
                             "height=\"10\"><!--";
  static const char tail[] = "--><rect width=\"10\" height=\"10\"/></svg>";
  size_t h = sizeof head - 1, t = sizeof tail - 1;
  cr_assert_gt(n, h + t);
  char *b = malloc(n);
  memcpy(b, head, h);
  memset(b + h, 'x', n - h - t);
  memcpy(b + n - t, tail, t);
  return b;
}

Test(image, svg_limits)
{
  struct err e = {0};
  const char *out = tpath("big.png");
  /* a valid SVG padded to exactly 1 MB is taken; one byte more is not */
  size_t limit = 1024 * 1024;
  char *big = padded_svg(limit + 1);
  cr_expect_eq(media_svg_rasterise(big, limit + 1, 100, out, &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_INVALID, "%s", e.msg);
  cr_expect(!exists(out));
  free(big);
  big = padded_svg(limit);
  cr_expect_eq(media_svg_rasterise(big, limit, 100, out, &e), 0, "%s", e.msg);
  cr_expect(exists(out));
  free(big);

  memset(&e, 0, sizeof e);
  cr_expect_eq(media_svg_rasterise(LOGO, 0, 100, tpath("z.png"), &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_INVALID);
  /* widths outside 16..4096 */
  memset(&e, 0, sizeof e);
  cr_expect_eq(media_svg_rasterise(LOGO, sizeof LOGO - 1, 8, tpath("z.png"), &e), -1);
  cr_expect_eq(e.code, CC24_E_INTERNAL);
  cr_expect_eq(media_svg_rasterise(LOGO, sizeof LOGO - 1, 5000, tpath("z.png"), &e), -1);
  /* not SVG */
  memset(&e, 0, sizeof e);
  cr_expect_eq(media_svg_rasterise("not svg at all", 14, 100, tpath("z.png"), &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_INVALID, "%s", e.msg);
  /* an absurd shape: 3000 x 10 */
  static const char thin[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3000\" "
                             "height=\"10\"><rect width=\"3000\" height=\"10\"/></svg>";
  memset(&e, 0, sizeof e);
  cr_expect_eq(media_svg_rasterise(thin, sizeof thin - 1, 100, tpath("z.png"), &e), -1);
  cr_expect_eq(e.code, CC24_E_IMAGE_INVALID, "%s", e.msg);
  cr_expect(!exists(tpath("z.png")));
}
