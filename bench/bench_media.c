/* bench_media — the photo pipeline's variant step in process, exactly as the variants
 * job calls it (media_make_variants: widths 320/640/1280/2048 never upscaled, JPEG and
 * WebP, the placeholder), on one file:
 *
 *   bench_media SRC OUT_DIR [RUNS]
 *
 * prints "variants N files, best WALL ms, median WALL ms" over RUNS runs (default 5) and
 * the files written. bench/media.sh runs it under /usr/bin/time for the peak RSS and
 * compares it with vipsthumbnail and ImageMagick making the same files. */
#include "core/arena.h"
#include "core/err.h"
#include "media/image.h"
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: bench_media SRC OUT_DIR [RUNS]\n");
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (runs < 1 || runs > 100)
    runs = 5;
  struct err e = {0};
  if (media_image_init(argv[0], &e) != 0) {
    fprintf(stderr, "bench_media: %s\n", e.msg);
    return 1;
  }
  static const enum media_fmt fmts[] = {MEDIA_FMT_JPEG, MEDIA_FMT_WEBP};
  double t[100];
  struct media_variant v[MEDIA_VARIANTS_MAX];
  int nv = 0;
  for (int i = 0; i < runs; i++) {
    struct arena *a = arena_new(0);
    const char *ph = NULL;
    double t0 = now_ms();
    if (media_make_variants(argv[1], 100LL * 1000 * 1000, media_widths, MEDIA_WIDTHS_N, fmts, 2,
                            argv[2], v, &nv, a, &ph, &e) != 0) {
      fprintf(stderr, "bench_media: %s\n", e.msg);
      return 1;
    }
    t[i] = now_ms() - t0;
    arena_free(a);
  }
  qsort(t, (size_t)runs, sizeof t[0], cmp);
  printf("variants %d files, best %.1f ms, median %.1f ms\n", nv, t[0], t[runs / 2]);
  for (int i = 0; i < nv; i++)
    printf("  %s %dx%d %lld B\n", v[i].name, v[i].width, v[i].height, (long long)v[i].bytes);
  media_image_shutdown();
  return 0;
}
