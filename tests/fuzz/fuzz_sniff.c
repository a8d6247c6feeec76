/* libFuzzer: what a photo upload meets before any pixel is decoded — media_sniff on the
 * first bytes (checked against a plain restatement of the three simplest signatures:
 * JPEG, PNG, WebP; fewer than 4 bytes are nothing) and media_probe_file on the whole input written
 * to a file (libvips' header readers, the pixel limit, the cut-off checks): 0 with sane sizes
 * within the limit, or -1 with an error code; never a crash or a hang. media_webp_strip on the same
 * bytes never grows them and leaves a non-WebP untouched. */
#include "core/err.h"
#include "media/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXPX (16LL * 1000 * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  static char path[64];
  if (!ready) {
    struct err e = {0};
    if (media_image_init("fuzz_sniff", &e) != 0)
      abort();
    snprintf(path, sizeof path, "/tmp/cc24-fuzz-sniff-%d", (int)getpid());
    ready = 1;
  }
  enum media_fmt f = media_sniff(data, size);
  if (size >= 4 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF && f != MEDIA_FMT_JPEG)
    abort();
  if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0 && f != MEDIA_FMT_PNG)
    abort();
  if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0 &&
      f != MEDIA_FMT_WEBP)
    abort();
  if (f == MEDIA_FMT_JPEG && !(size >= 3 && data[0] == 0xFF && data[1] == 0xD8))
    abort();

  FILE *fp = fopen(path, "wb");
  if (!fp)
    abort();
  fwrite(data, 1, size, fp);
  fclose(fp);
  struct media_probe pr;
  struct err e = {0};
  int rc = media_probe_file(path, MAXPX, &pr, &e);
  if (rc == 0) {
    if (pr.width <= 0 || pr.height <= 0 || (long long)pr.width * pr.height > MAXPX)
      abort();
    if (pr.orientation < 1 || pr.orientation > 8 || pr.fmt == MEDIA_FMT_NONE ||
        pr.fmt == MEDIA_FMT_SVG)
      abort();
  } else if (rc != -1 || e.code == 0) {
    abort();
  }
  unlink(path);

  unsigned char *copy = malloc(size ? size : 1);
  memcpy(copy, data, size);
  size_t n = media_webp_strip(copy, size);
  if (n > size || (f != MEDIA_FMT_WEBP && (n != size || memcmp(copy, data, size) != 0)))
    abort();
  free(copy);
  return 0;
}
