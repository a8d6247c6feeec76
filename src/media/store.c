/* store.c — media store URL parsing, key validation and dispatch to the backends. */
#include "media/store_internal.h"

#include "core/arena.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest segment: NAME_MAX (255) less room for the file backend's temporary suffix. */
#define KEY_SEGMENT_MAX 200

static bool key_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
         c == '-';
}

bool media_store_chars_ok(const char *s)
{
  for (; *s; s++)
    if (!key_char(*s))
      return false;
  return true;
}

bool media_store_key_ok(const char *key)
{
  if (!key)
    return false;
  size_t n = strnlen(key, MEDIA_STORE_KEY_MAX + 1);
  if (n == 0 || n > MEDIA_STORE_KEY_MAX)
    return false;
  size_t seg = 0; /* start of the current segment */
  for (size_t i = 0; i <= n; i++) {
    char c = key[i];
    if (c != '/' && c != 0) {
      if (!key_char(c))
        return false;
      continue;
    }
    size_t len = i - seg;
    if (len == 0 || len > KEY_SEGMENT_MAX) /* leading '/', "//", trailing '/' */
      return false;
    if (key[seg] == '.' && (len == 1 || (len == 2 && key[seg + 1] == '.')))
      return false;
    seg = i + 1;
  }
  return true;
}

static int bad_key(const char *key, struct err *e)
{
  if (!key)
    return err_set_field(e, CC24_E_BAD_REQUEST, "key", "media store: no key");
  return err_set_field(e, CC24_E_BAD_REQUEST, "key", "media store: invalid key \"%.80s\"%s", key,
                       strlen(key) > 80 ? "…" : "");
}

/* The URL with access_key=… and secret_key=… left out of its query. */
static char *describe_url(const char *url)
{
  const char *q = strchr(url, '?');
  if (!q)
    return xstrdup(url);
  size_t n = strlen(url);
  char *out = xmalloc(n + 1);
  size_t o = (size_t)(q - url);
  memcpy(out, url, o);
  char sep = '?';
  const char *p = q + 1;
  while (*p) {
    const char *amp = strchr(p, '&');
    size_t len = amp ? (size_t)(amp - p) : strlen(p);
    bool secret = (len >= 11 && strncmp(p, "access_key=", 11) == 0) ||
                  (len >= 11 && strncmp(p, "secret_key=", 11) == 0);
    if (!secret && len) {
      out[o++] = sep;
      memcpy(out + o, p, len);
      o += len;
      sep = '&';
    }
    p += len;
    if (*p == '&')
      p++;
  }
  out[o] = 0;
  return out;
}

struct media_store *media_store_open(const char *url, struct err *e)
{
  if (!url || !*url) {
    err_set(e, CC24_E_CONFIG, "media store: no URL (file:DIR or s3://BUCKET?...)");
    return NULL;
  }
  struct media_store *s = NULL;
  if (strncmp(url, "file:", 5) == 0) {
    const char *dir = url + 5;
    if (strncmp(dir, "//", 2) == 0) {
      if (dir[2] != '/') {
        err_set(e, CC24_E_CONFIG, "media store: file:// needs an absolute path (file:///DIR)");
        return NULL;
      }
      dir += 2;
    }
    if (!*dir) {
      err_set(e, CC24_E_CONFIG, "media store: file: without a directory");
      return NULL;
    }
    s = media_store_file_open(dir, e);
  } else if (strncmp(url, "s3://", 5) == 0) {
    s = media_store_s3_open(url + 5, e);
  } else {
    err_set(e, CC24_E_CONFIG, "media store: unknown URL scheme in \"%.60s\" (file:DIR or s3://)",
            url);
    return NULL;
  }
  if (s)
    s->describe = describe_url(url);
  return s;
}

void media_store_close(struct media_store *s)
{
  if (!s)
    return;
  free(s->describe);
  s->ops->close(s);
}

const char *media_store_kind(const struct media_store *s)
{
  return s ? s->ops->kind : "";
}

const char *media_store_describe(const struct media_store *s)
{
  return s && s->describe ? s->describe : "";
}

int media_store_check(struct media_store *s, struct err *e)
{
  return s->ops->check(s, e);
}

int media_store_put_file(struct media_store *s, const char *key, const char *path,
                         const char *content_type, const char *sha256_hex, struct err *e)
{
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  if (sha256_hex) {
    bool hex = strlen(sha256_hex) == 64;
    for (const char *p = sha256_hex; hex && *p; p++)
      hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
    if (!hex)
      return err_set_field(e, CC24_E_BAD_REQUEST, "sha256",
                           "media store: sha256 must be 64 lower-case hex digits");
  }
  return s->ops->put_file(s, key, path, content_type, sha256_hex, e);
}

int media_store_put_mem(struct media_store *s, const char *key, const void *data, size_t n,
                        const char *content_type, struct err *e)
{
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  return s->ops->put_mem(s, key, data, n, content_type, e);
}

int media_store_get_file(struct media_store *s, const char *key, const char *dest_path,
                         struct err *e)
{
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  return s->ops->get_file(s, key, dest_path, e);
}

int media_store_get_mem(struct media_store *s, struct arena *a, const char *key, size_t max,
                        void **data, size_t *n, struct err *e)
{
  *data = NULL;
  *n = 0;
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  return s->ops->get_mem(s, a, key, max, data, n, e);
}

int media_store_stat(struct media_store *s, const char *key, int64_t *size, struct err *e)
{
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  int64_t dummy;
  return s->ops->stat(s, key, size ? size : &dummy, e);
}

int media_store_delete(struct media_store *s, const char *key, struct err *e)
{
  if (!media_store_key_ok(key))
    return bad_key(key, e);
  return s->ops->del(s, key, e);
}

int media_store_list(struct media_store *s, const char *prefix, media_store_list_fn fn, void *arg,
                     struct err *e)
{
  if (!prefix)
    prefix = "";
  if (strlen(prefix) > MEDIA_STORE_KEY_MAX || !media_store_chars_ok(prefix) || prefix[0] == '/')
    return err_set_field(e, CC24_E_BAD_REQUEST, "prefix", "media store: invalid prefix");
  return s->ops->list(s, prefix, fn, arg, e);
}

const char *media_store_local_path(struct media_store *s, struct arena *a, const char *key)
{
  if (!s || !media_store_key_ok(key) || !s->ops->local_path)
    return NULL;
  return s->ops->local_path(s, a, key);
}

int media_store_tmp_beside(const char *path, char **tmp, struct err *e)
{
  size_t n = strlen(path);
  char *t = xmalloc(n + sizeof ".tmp-XXXXXX");
  memcpy(t, path, n);
  memcpy(t + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  int fd = mkostemp(t, O_CLOEXEC);
  if (fd < 0) {
    err_set(e, CC24_E_IO, "media store: cannot create %s: %s", t, strerror(errno));
    free(t);
    return -1;
  }
  (void)fchmod(fd, 0644);
  *tmp = t;
  return fd;
}
