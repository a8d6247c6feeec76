/* libFuzzer: the image CDN's URL grammar (imgurl.h). Whatever the path, the parser
 * returns 0 or -1 with a field named; an accepted URL's canonical form parses again to
 * the same canonical form and the same source, its target box stays within the cap, and
 * a signature made for a path verifies for that path and for no path one byte longer. */
#include "core/arena.h"
#include "core/err.h"
#include "media/imgurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *path = malloc(size + 1);
  memcpy(path, data, size);
  path[size] = 0;
  struct arena *a = arena_new(0);
  struct imgurl_opts o;
  const char *src = NULL;
  struct err e = {0};
  int rc = imgurl_parse(a, path, &o, &src, &e);
  if (rc == 0) {
    if (!src || !*src || strlen(src) > 64)
      abort();
    int w, h;
    imgurl_target(&o, &w, &h);
    if (w < 0 || h < 0 || w > IMGURL_MAX_SIDE || h > IMGURL_MAX_SIDE)
      abort();
    if (o.dpr < 1 || o.dpr > 4 || o.quality < 0 || o.quality > 100)
      abort();
    const char *canon = imgurl_canonical(a, &o);
    size_t n = strlen(canon) + strlen(src) + 2;
    char *again = arena_alloc(a, n);
    snprintf(again, n, "%s/%s", canon, src);
    struct imgurl_opts o2;
    const char *src2 = NULL;
    struct err e2 = {0};
    if (imgurl_parse(a, again, &o2, &src2, &e2) != 0)
      abort();
    if (strcmp(imgurl_canonical(a, &o2), canon) != 0 || strcmp(src, src2) != 0)
      abort();
  } else if (rc != -1 || e.code == 0) {
    abort();
  }
  static const unsigned char key[] = "fuzz-key", salt[] = "fuzz-salt";
  char sig[48];
  imgurl_sign(key, sizeof key - 1, salt, sizeof salt - 1, path, sig);
  if (strlen(sig) != 43 || !imgurl_verify(key, sizeof key - 1, salt, sizeof salt - 1, sig, path))
    abort();
  char *longer = malloc(size + 2);
  memcpy(longer, path, size + 1);
  strcat(longer, "x");
  if (imgurl_verify(key, sizeof key - 1, salt, sizeof salt - 1, sig, longer))
    abort();
  /* the input taken as a signature must be refused for a fixed path, unless it is its
   * signature */
  char fixed[48];
  imgurl_sign(key, sizeof key - 1, salt, sizeof salt - 1, "/w:640/abc", fixed);
  if (imgurl_verify(key, sizeof key - 1, salt, sizeof salt - 1, path, "/w:640/abc") &&
      strcmp(path, fixed) != 0)
    abort();
  free(longer);
  free(path);
  arena_free(a);
  return 0;
}
