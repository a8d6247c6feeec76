/* libFuzzer: what the media store parses — keys (the rule is checked against a plain
 * restatement of it), s3:// URLs (whatever opens never shows its secret in describe), and
 * the XML of S3 answers (ListObjectsV2 pages and <Error> bodies). The first byte picks. */
#include "core/arena.h"
#include "core/err.h"
#include "media/store.h"
#include "media/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* The key rule said again, the slow way. */
static bool key_rule(const char *k)
{
  size_t n = strlen(k);
  if (n < 1 || n > 512 || k[0] == '/' || k[n - 1] == '/' || strstr(k, "//"))
    return false;
  for (const char *p = k; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._/-", *p))
      return false;
  char *copy = strdup(k);
  bool ok = true;
  for (char *save, *seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save))
    if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strlen(seg) > 200)
      ok = false;
  free(copy);
  return ok;
}

/* Whether a parameter of the query of d (after its first "?") is a credential: a value
 * may well contain "secret_key=" (an endpoint "http://x?secret_key=1"), a parameter
 * named so must never stay. */
static bool shows_credentials(const char *d)
{
  const char *q = strchr(d, '?');
  if (!q)
    return false;
  char *copy = strdup(q + 1);
  bool shown = false;
  for (char *save, *p = strtok_r(copy, "&", &save); p; p = strtok_r(NULL, "&", &save))
    if (!strncmp(p, "secret_key=", 11) || !strncmp(p, "access_key=", 11))
      shown = true;
  free(copy);
  return shown;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char *s = malloc(size + 5);
  memcpy(s, "s3://", 5);
  memcpy(s + 5, data + 1, size - 1);
  s[size + 4] = 0;
  const char *rest = s + 5;
  size_t n = size - 1;
  switch (data[0] % 4) {
  case 0:
    if (media_store_key_ok(rest) != key_rule(rest))
      abort();
    break;
  case 1: {
    struct err e = {0};
    struct media_store *st = media_store_open(s, &e);
    if (st) {
      if (shows_credentials(media_store_describe(st)) || strcmp(media_store_kind(st), "s3"))
        abort();
      media_store_close(st);
    } else if (e.code != CC24_E_CONFIG) {
      abort();
    }
    break;
  }
  case 2: {
    struct arena *a = arena_new(0);
    struct media_s3_entry *items;
    size_t count;
    bool truncated;
    char *next;
    struct err e = {0};
    if (media_s3_parse_list(a, rest, n, &items, &count, &truncated, &next, &e) == 0) {
      for (size_t i = 0; i < count; i++)
        if (!items[i].key || items[i].size < 0)
          abort();
    } else if (e.code != CC24_E_STORE) {
      abort();
    }
    arena_free(a);
    break;
  }
  case 3: {
    char code[64], msg[160];
    media_s3_parse_error(rest, n, code, sizeof code, msg, sizeof msg);
    if (strlen(code) >= sizeof code || strlen(msg) >= sizeof msg)
      abort();
    break;
  }
  }
  free(s);
  return 0;
}
