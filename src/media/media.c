/* media.c — set-up of the media domain: the store, libvips, the CDN signing key,
 * the sweep of temporary files a killed process left, store keys, change hooks. */
#include "media/media_internal.h"

#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "media/image.h"
#include "media/store.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct media_state_g media_g;

struct media_store *media_store_get(void)
{
  return media_g.store;
}

void media_on_change(media_changed_fn fn, void *arg)
{
  media_g.changed = fn;
  media_g.changed_arg = arg;
}

void media_changed(int64_t vehicle_id)
{
  if (media_g.changed)
    media_g.changed(vehicle_id, media_g.changed_arg);
  media_cdn_forget_access();
}

const char *media_key_original(struct arena *a, const char *sha)
{
  return arena_printf(a, "o/%.2s/%s", sha, sha);
}

const char *media_key_variant(struct arena *a, const char *sha, const char *name)
{
  return arena_printf(a, "v/%s/%s", sha, name);
}

const char *media_key_variant_prefix(struct arena *a, const char *sha)
{
  return arena_printf(a, "v/%s/", sha);
}

/* mkdir -p */
static int mkdirs(const char *path, struct err *e)
{
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return err_set(e, CC24_E_CONFIG, "path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
      return err_set(e, CC24_E_IO, "cannot create %s: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0750) != 0 && errno != EEXIST)
    return err_set(e, CC24_E_IO, "cannot create %s: %s", buf, strerror(errno));
  return 0;
}

static void rm_tree(const char *path)
{
  DIR *d = opendir(path);
  if (!d) {
    unlink(path);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
    struct stat st;
    if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
      rm_tree(sub);
    else
      unlink(sub);
  }
  closedir(d);
  rmdir(path);
}

int media_file_sha256(const char *path, char hex[65], int64_t *bytes, struct err *e)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return err_set(e, CC24_E_IO, "cannot read %s: %s", path, strerror(errno));
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  unsigned char buf[65536];
  size_t n;
  *bytes = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    crypto_hash_sha256_update(&h, buf, n);
    *bytes += (int64_t)n;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad)
    return err_set(e, CC24_E_IO, "cannot read %s", path);
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&h, d);
  sodium_bin2hex(hex, 65, d, sizeof d);
  return 0;
}

/* Temporary files are named "up-PID-..." (uploads) and "job-PID-..." (job scratch).
 * Those of a process that is gone — or older than a day, in case the pid was reused —
 * are left-overs of a kill -9 or a crash. */
int media_sweep_tmp(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  int removed = 0;
  time_t now = time(NULL);
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *n = de->d_name;
    const char *rest = str_starts(n, "up-") ? n + 3 : str_starts(n, "job-") ? n + 4 : NULL;
    if (!rest)
      continue;
    long pid = strtol(rest, NULL, 10);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, n);
    struct stat st;
    if (lstat(path, &st) != 0)
      continue;
    bool dead = pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
    bool old = now - st.st_mtime > 86400;
    if (pid == (long)getpid() && !old)
      continue;
    if (dead || old) {
      rm_tree(path);
      removed++;
    }
  }
  closedir(d);
  return removed;
}

struct key_arg {
  unsigned char key[BUYER_KEY_BYTES], salt[BUYER_KEY_BYTES];
};

static int tx_keys(db_conn *c, void *arg, struct err *e)
{
  struct key_arg *k = arg;
  if (buyer_signing_key(c, "img-key", k->key, e) < 0 ||
      buyer_signing_key(c, "img-salt", k->salt, e) < 0)
    return -1;
  return 0;
}

static int hex_key(const char *hex, unsigned char *out, size_t max, size_t *len, const char *what,
                   struct err *e)
{
  size_t n = 0;
  if (sodium_hex2bin(out, max, hex, strlen(hex), NULL, &n, NULL) != 0 || n < 16)
    return err_set(e, CC24_E_CONFIG, "%s must be 32 to 128 hex digits", what);
  *len = n;
  return 0;
}

static char *dup_or(const char *s, const char *dflt)
{
  return xstrdup(s && *s ? s : dflt);
}

int media_init(const struct media_config *mc, db *d, struct err *e)
{
  media_g.cfg = *mc;
  media_g.cfg.store_url = dup_or(mc->store_url, "file:data/media");
  media_g.cfg.tmp_dir = dup_or(mc->tmp_dir, "data/tmp");
  media_g.cfg.cache_dir = dup_or(mc->cache_dir, "data/imgcache");
  media_g.cfg.key_hex = dup_or(mc->key_hex, "");
  media_g.cfg.salt_hex = dup_or(mc->salt_hex, "");
  media_g.db = d;
  if (mkdirs(media_g.cfg.tmp_dir, e) < 0)
    return -1;
  int swept = media_sweep_tmp(media_g.cfg.tmp_dir);
  if (swept > 0)
    log_info("media: removed %d temporary files of earlier processes", swept);
  if (media_image_init("cc24", e) < 0)
    return -1;
  media_g.store = media_store_open(media_g.cfg.store_url, e);
  if (!media_g.store)
    return -1;
  if (*media_g.cfg.key_hex || *media_g.cfg.salt_hex) {
    if (hex_key(media_g.cfg.key_hex, media_g.key, sizeof media_g.key, &media_g.klen, "img-key", e) <
            0 ||
        hex_key(media_g.cfg.salt_hex, media_g.salt, sizeof media_g.salt, &media_g.slen, "img-salt",
                e) < 0)
      return -1;
  } else {
    struct key_arg k;
    if (db_tx(d, 0, DB_WRITE, tx_keys, &k, e) < 0)
      return -1;
    memcpy(media_g.key, k.key, sizeof k.key);
    memcpy(media_g.salt, k.salt, sizeof k.salt);
    media_g.klen = media_g.slen = sizeof k.key;
    sodium_memzero(&k, sizeof k);
  }
  media_jobs_register();
  if (media_cdn_init(media_g.cfg.cache_dir, media_g.cfg.cache_bytes, e) < 0)
    return -1;
  log_info("media: store %s (%s), image cache %s (%lld MB)", media_store_kind(media_g.store),
           media_g.cfg.store_url[0] == 's' ? "bucket" : media_g.cfg.store_url + 5,
           media_g.cfg.cache_dir, (long long)(media_g.cfg.cache_bytes >> 20));
  return 0;
}

void media_shutdown(void)
{
  media_cdn_shutdown();
  if (media_g.store)
    media_store_close(media_g.store);
  media_g.store = NULL;
  free((char *)media_g.cfg.store_url);
  free((char *)media_g.cfg.tmp_dir);
  free((char *)media_g.cfg.cache_dir);
  free((char *)media_g.cfg.key_hex);
  free((char *)media_g.cfg.salt_hex);
  memset(&media_g.cfg, 0, sizeof media_g.cfg);
  media_image_shutdown();
}
