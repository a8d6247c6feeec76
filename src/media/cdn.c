/* cdn.c — the image CDN: GET /img/{signature}/{options}/{source}, imgproxy's URL
 * style. The signature is an HMAC-SHA256 over the path (key and salt from the config
 * or the platform's signing keys), so nobody can make the server do arbitrary work:
 * unsigned or tampered 403, options out of range 400, unknown source 404 — and a
 * source the caller may not see (another dealer's draft) 404 as well, before any
 * pixel is read.
 *
 * What is served:
 *   - a standard variant (w:W of the photo's widths, f: of its formats, no other
 *     option) straight from the media store: a local file with sendfile on the file
 *     backend, a copy in the disk cache for S3;
 *   - anything else rendered from the original on first request and kept in the disk
 *     cache. Concurrent requests for the same uncached result render it once: the
 *     first renders, the others wait for it.
 * The disk cache is bounded in bytes, least recently used files go first; the index
 * is rebuilt from the directory at start (file times as last use).
 *
 * Without f: the format follows Accept (AVIF when the variant exists, then WebP, then
 * JPEG — PNG for images with transparency, like logos) with Vary: Accept. Answers carry
 * a strong ETag and, for photos anyone may see, Cache-Control: public, max-age=31536000,
 * immutable (a photo's bytes never change under its id); others are private. */
#include "media/media_internal.h"

#include "app.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "media/image.h"
#include "media/imgurl.h"
#include "media/store.h"
#include "search/search.h"
#include "web/web.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the disk cache: hash map + LRU list ---- */

struct entry {
  char key[65]; /* hex SHA-256 of what the file is */
  char ext[6];
  int64_t bytes;
  bool busy; /* being rendered */
  struct entry *hnext;
  struct entry *prev, *next; /* LRU: head = most recent */
};

#define NBUCKETS 8192

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *dir;
  int64_t budget, used;
  struct entry *buckets[NBUCKETS];
  struct entry *head, *tail;
  int64_t hits, misses, renders, evictions;
  bool ready;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static unsigned bucket_of(const char *key)
{
  unsigned h = 2166136261u;
  for (const char *p = key; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  return h % NBUCKETS;
}

static struct entry *find(const char *key)
{
  for (struct entry *x = cache.buckets[bucket_of(key)]; x; x = x->hnext)
    if (!strcmp(x->key, key))
      return x;
  return NULL;
}

static void lru_unlink(struct entry *x)
{
  if (x->prev)
    x->prev->next = x->next;
  else
    cache.head = x->next;
  if (x->next)
    x->next->prev = x->prev;
  else
    cache.tail = x->prev;
  x->prev = x->next = NULL;
}

static void lru_front(struct entry *x)
{
  x->next = cache.head;
  x->prev = NULL;
  if (cache.head)
    cache.head->prev = x;
  cache.head = x;
  if (!cache.tail)
    cache.tail = x;
}

static void path_of(char *out, size_t n, const char *key, const char *ext)
{
  snprintf(out, n, "%s/%.2s/%s.%s", cache.dir, key, key, ext);
}

static struct entry *insert(const char *key, const char *ext)
{
  struct entry *x = xcalloc(1, sizeof *x);
  snprintf(x->key, sizeof x->key, "%s", key);
  snprintf(x->ext, sizeof x->ext, "%s", ext);
  unsigned b = bucket_of(key);
  x->hnext = cache.buckets[b];
  cache.buckets[b] = x;
  lru_front(x);
  return x;
}

static void remove_entry(struct entry *x)
{
  unsigned b = bucket_of(x->key);
  for (struct entry **pp = &cache.buckets[b]; *pp; pp = &(*pp)->hnext)
    if (*pp == x) {
      *pp = x->hnext;
      break;
    }
  lru_unlink(x);
  cache.used -= x->bytes;
  free(x);
}

/* Drop least recently used files until the cache fits (called with mu held). */
static void evict(void)
{
  struct entry *x = cache.tail;
  while (cache.used > cache.budget && x) {
    struct entry *prev = x->prev;
    if (!x->busy) {
      char path[4096];
      path_of(path, sizeof path, x->key, x->ext);
      unlink(path);
      remove_entry(x);
      cache.evictions++;
    }
    x = prev;
  }
}

struct scanned {
  char key[65], ext[6];
  int64_t bytes;
  time_t mtime;
};

static int by_mtime(const void *a, const void *b)
{
  const struct scanned *x = a, *y = b;
  return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Rebuild the index from the directory: oldest first, so the newest end up at the head. */
static void scan(void)
{
  struct scanned *v = NULL;
  size_t n = 0, cap = 0;
  DIR *top = opendir(cache.dir);
  if (!top)
    return;
  struct dirent *de;
  while ((de = readdir(top))) {
    /* only the 256 shard directories "00".."ff" ("..", too, is two characters long) */
    if (strlen(de->d_name) != 2 || !isxdigit((unsigned char)de->d_name[0]) ||
        !isxdigit((unsigned char)de->d_name[1]))
      continue;
    char sub[4096];
    if (snprintf(sub, sizeof sub, "%s/%s", cache.dir, de->d_name) >= (int)sizeof sub - 300)
      continue;
    DIR *d = opendir(sub);
    if (!d)
      continue;
    struct dirent *fe;
    while ((fe = readdir(d))) {
      const char *dot = strchr(fe->d_name, '.');
      char path[4096 + 300];
      snprintf(path, sizeof path, "%s/%s", sub, fe->d_name);
      if (!dot || dot - fe->d_name != 64 || strlen(dot + 1) >= 6 || strchr(dot + 1, '.')) {
        if (dot && dot - fe->d_name == 64 && strstr(dot, ".tmp-"))
          unlink(path); /* a render cut off by a crash; anything else is not ours */
        continue;
      }
      struct stat st;
      if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 256;
        v = xrealloc(v, cap * sizeof *v);
      }
      memcpy(v[n].key, fe->d_name, 64);
      v[n].key[64] = 0;
      snprintf(v[n].ext, sizeof v[n].ext, "%s", dot + 1);
      v[n].bytes = st.st_size;
      v[n].mtime = st.st_mtime;
      n++;
    }
    closedir(d);
  }
  closedir(top);
  if (n) /* qsort of NULL is undefined even for no elements */
    qsort(v, n, sizeof *v, by_mtime);
  for (size_t i = 0; i < n; i++) {
    if (find(v[i].key))
      continue;
    struct entry *x = insert(v[i].key, v[i].ext);
    x->bytes = v[i].bytes;
    cache.used += x->bytes;
  }
  free(v);
  evict();
}

/* ---- access decisions, cached briefly ---- */

struct access {
  char id[ID_LEN + 1];
  struct media_photo p; /* strings in `a` */
  struct arena *a;
  int64_t expires_ms;
  uint64_t generation;
};

#define ACCESS_SLOTS 4096
#define ACCESS_TTL   10000

static struct {
  pthread_mutex_t mu;
  struct access slot[ACCESS_SLOTS];
} acc = {.mu = PTHREAD_MUTEX_INITIALIZER};

void media_cdn_forget_access(void)
{
  pthread_mutex_lock(&acc.mu);
  for (int i = 0; i < ACCESS_SLOTS; i++)
    acc.slot[i].id[0] = 0;
  pthread_mutex_unlock(&acc.mu);
}

/* A public photo seen in the last seconds, while the index is unchanged: copied into a. */
static bool access_get(const char *id, uint64_t gen, struct arena *a, struct media_photo *out)
{
  bool hit = false;
  unsigned s = bucket_of(id) % ACCESS_SLOTS;
  pthread_mutex_lock(&acc.mu);
  struct access *x = &acc.slot[s];
  if (x->id[0] && !strcmp(x->id, id) && x->generation == gen && x->expires_ms > time_mono_ms()) {
    *out = x->p;
    out->kind = arena_strdup(a, x->p.kind);
    out->sha256 = arena_strdup(a, x->p.sha256);
    out->format = arena_strdup(a, x->p.format);
    out->variants = arena_strdup(a, x->p.variants);
    out->placeholder = out->error = out->alt = "";
    hit = true;
  }
  pthread_mutex_unlock(&acc.mu);
  return hit;
}

static void access_put(const struct media_photo *p, uint64_t gen)
{
  unsigned s = bucket_of(p->public_id) % ACCESS_SLOTS;
  pthread_mutex_lock(&acc.mu);
  struct access *x = &acc.slot[s];
  if (!x->a)
    x->a = arena_new(512);
  else {
    arena_free(x->a);
    x->a = arena_new(512);
  }
  x->p = *p;
  x->p.kind = arena_strdup(x->a, p->kind);
  x->p.sha256 = arena_strdup(x->a, p->sha256);
  x->p.format = arena_strdup(x->a, p->format);
  x->p.variants = arena_strdup(x->a, p->variants);
  x->p.placeholder = x->p.error = x->p.alt = "";
  snprintf(x->id, sizeof x->id, "%s", p->public_id);
  x->generation = gen;
  x->expires_ms = time_mono_ms() + ACCESS_TTL;
  pthread_mutex_unlock(&acc.mu);
}

/* ---- set-up ---- */

int media_cdn_init(const char *dir, int64_t budget, struct err *e)
{
  pthread_mutex_lock(&cache.mu);
  free(cache.dir);
  cache.dir = xstrdup(dir);
  cache.budget = budget > 0 ? budget : (int64_t)1 << 30;
  if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
    pthread_mutex_unlock(&cache.mu);
    return err_set(e, CC24_E_IO, "cannot create %s: %s", dir, strerror(errno));
  }
  char sub[4096];
  for (int i = 0; i < 256; i++) {
    snprintf(sub, sizeof sub, "%s/%02x", dir, i);
    if (mkdir(sub, 0750) != 0 && errno != EEXIST) {
      pthread_mutex_unlock(&cache.mu);
      return err_set(e, CC24_E_IO, "cannot create %s: %s", sub, strerror(errno));
    }
  }
  scan();
  cache.ready = true;
  pthread_mutex_unlock(&cache.mu);
  return 0;
}

void media_cdn_shutdown(void)
{
  pthread_mutex_lock(&cache.mu);
  while (cache.head)
    remove_entry(cache.head);
  memset(cache.buckets, 0, sizeof cache.buckets);
  free(cache.dir);
  cache.dir = NULL;
  cache.used = 0;
  cache.ready = false;
  pthread_mutex_unlock(&cache.mu);
  pthread_mutex_lock(&acc.mu);
  for (int i = 0; i < ACCESS_SLOTS; i++) {
    arena_free(acc.slot[i].a);
    acc.slot[i].a = NULL;
    acc.slot[i].id[0] = 0;
  }
  pthread_mutex_unlock(&acc.mu);
}

void media_cdn_stats(int64_t *used, int64_t *budget, int64_t *hits, int64_t *misses)
{
  pthread_mutex_lock(&cache.mu);
  *used = cache.used;
  *budget = cache.budget;
  *hits = cache.hits;
  *misses = cache.misses;
  pthread_mutex_unlock(&cache.mu);
}

/* ---- the handler ---- */

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

struct view_arg {
  struct arena *a;
  int64_t viewer;
  const char *id;
  struct media_photo p;
  bool is_public;
  int found;
};

static int tx_view(db_conn *c, void *arg, struct err *e)
{
  struct view_arg *x = arg;
  x->found = media_photo_for_viewer(c, x->a, x->viewer, x->id, &x->p, &x->is_public, e);
  return x->found < 0 ? -1 : 0;
}

static bool accepts(const char *accept, const char *type)
{
  if (!accept)
    return false;
  const char *p = strstr(accept, type);
  if (!p)
    return false;
  /* "image/webp;q=0" refuses */
  const char *end = p + strlen(type);
  while (*end == ' ')
    end++;
  if (*end == ';') {
    const char *q = strstr(end, "q=");
    const char *comma = strchr(end, ',');
    if (q && (!comma || q < comma) && atof(q + 2) <= 0)
      return false;
  }
  return true;
}

static bool has_variant(const char *variants, int w, const char *fmt, int *h)
{
  const char *s = variants;
  while (s && *s) {
    int vw = 0, vh = 0, used = 0;
    char f[8] = "";
    if (sscanf(s, "%dx%d:%7[a-z]%n", &vw, &vh, f, &used) != 3 || used <= 0)
      return false;
    if (vw == w && !strcmp(f, fmt)) {
      if (h)
        *h = vh;
      return true;
    }
    s += used;
    if (*s != ',')
      break;
    s++;
  }
  return false;
}

static const char *fmt_api(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
    return "jpeg";
  case MEDIA_FMT_PNG:
    return "png";
  case MEDIA_FMT_WEBP:
    return "webp";
  case MEDIA_FMT_AVIF:
    return "avif";
  default:
    return "jpeg";
  }
}

/* Only w: (and f:) set: a candidate for a stored variant. */
static bool plain_width(const struct imgurl_opts *o)
{
  struct imgurl_opts d;
  imgurl_defaults(&d);
  return o->width > 0 && o->height == 0 && o->type == d.type && o->enlarge == d.enlarge &&
         o->extend == d.extend && o->gravity == d.gravity && o->quality == 0 && o->dpr == 1.0;
}

static int reply_file(struct http_req *req, const char *path, const char *mime, const char *etag,
                      bool pub, bool vary)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return -1;
  }
  /* keep the cache's notion of recent use in step for the next start's scan */
  http_set_header(req, "ETag", etag);
  http_set_header(req, "Cache-Control",
                  pub ? "public, max-age=31536000, immutable" : "private, max-age=3600");
  if (vary)
    http_set_header(req, "Vary", "Accept");
  if (http_not_modified(req, etag)) {
    close(fd);
    return 0;
  }
  return http_reply_fd(req, 200, mime, fd, (uint64_t)st.st_size);
}

/* Render (or fetch from the store) the file for key into the cache, once: 0 when it is
 * there, -1 with e. Other requests for the same key wait. */
static int fill(struct arena *a, const char *key, const char *ext, const struct media_photo *p,
                const struct imgurl_opts *o, enum media_fmt fmt, const char *variant_key,
                struct err *e)
{
  pthread_mutex_lock(&cache.mu);
  for (;;) {
    struct entry *x = find(key);
    if (!x)
      break;
    if (!x->busy) {
      lru_unlink(x);
      lru_front(x);
      cache.hits++;
      pthread_mutex_unlock(&cache.mu);
      return 0;
    }
    pthread_cond_wait(&cache.cv, &cache.mu);
  }
  struct entry *x = insert(key, ext);
  x->busy = true;
  cache.misses++;
  pthread_mutex_unlock(&cache.mu);

  char path[4096], tmp[4200];
  path_of(path, sizeof path, key, ext);
  snprintf(tmp, sizeof tmp, "%s.tmp-%d-%lx", path, (int)getpid(), (unsigned long)pthread_self());
  int rc = -1;
  if (variant_key) {
    rc = media_store_get_file(media_g.store, variant_key, tmp, e);
  } else {
    const char *okey = media_key_original(a, p->sha256);
    const char *src = media_store_local_path(media_g.store, a, okey);
    if (!src) {
      src = arena_printf(a, "%s/job-%d-orig-%s", media_g.cfg.tmp_dir, (int)getpid(), key);
      rc = media_store_get_file(media_g.store, okey, src, e);
    } else {
      rc = 0;
    }
    int w = 0, h = 0;
    if (rc == 0)
      rc = media_render(src, media_g.cfg.max_pixels, o, fmt, tmp, &w, &h, e);
    if (!media_store_local_path(media_g.store, a, okey))
      unlink(src);
  }
  struct stat st;
  if (rc == 0 && (stat(tmp, &st) != 0 || rename(tmp, path) != 0))
    rc = err_set(e, CC24_E_IO, "cannot keep the rendered image: %s", strerror(errno));
  if (rc < 0)
    unlink(tmp);
  pthread_mutex_lock(&cache.mu);
  x->busy = false;
  if (rc < 0) {
    remove_entry(x);
  } else {
    x->bytes = st.st_size;
    cache.used += x->bytes;
    cache.renders++;
    evict();
  }
  pthread_cond_broadcast(&cache.cv);
  pthread_mutex_unlock(&cache.mu);
  return rc;
}

int media_cdn(struct http_req *req)
{
  struct arena *a = req->a;
  const char *sig = http_param(req, "sig");
  const char *rest = http_param(req, "path");
  if (!sig || !rest || !*rest || !media_g.store)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such image", NULL);
  const char *path = arena_printf(a, "/%s", rest);
  if (!imgurl_verify(media_g.key, media_g.klen, media_g.salt, media_g.slen, sig, path))
    return http_problem(req, 403, CC24_E_FORBIDDEN, "the image URL is not signed correctly", NULL);
  struct imgurl_opts o;
  const char *source = NULL;
  struct err e = {0};
  if (imgurl_parse(a, rest, &o, &source, &e) < 0)
    return http_problem(req, 400, CC24_E_BAD_PARAMETER, e.msg, e.field[0] ? e.field : NULL);
  if (!id_valid(source))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such image", NULL);

  /* who may see it: public photos from the short-lived cache, others from the database
   * with the caller's dealer (the session is read only when needed) */
  struct app *app = app_of(req);
  uint64_t gen = app->search ? search_generation(app->search) : 0;
  struct media_photo p;
  bool pub = true;
  if (!access_get(source, gen, a, &p)) {
    struct view_arg x = {.a = a, .viewer = 0, .id = source};
    if (db_tx(app->db, 0, DB_READ, tx_view, &x, &e) < 0)
      return http_problem_err(req, &e);
    if (x.found != 1) {
      if (web_load_session(req) == 1)
        return 0; /* answered (an expired session ... ) */
      if (req->tenant_id > 0) {
        x.viewer = req->tenant_id;
        if (db_tx(app->db, req->tenant_id, DB_READ, tx_view, &x, &e) < 0)
          return http_problem_err(req, &e);
      }
    }
    if (x.found != 1)
      return http_problem(req, 404, CC24_E_NOT_FOUND, "no such image", NULL);
    p = x.p;
    pub = x.is_public;
    if (pub && p.state == MEDIA_READY)
      access_put(&p, gen);
  }
  if (p.state != MEDIA_READY)
    return http_problem(req, 404, CC24_E_NOT_FOUND,
                        p.state == MEDIA_FAILED ? "the photo could not be processed"
                                                : "the photo is still being processed",
                        NULL);

  /* the format: asked for, or by Accept */
  bool vary = false;
  enum media_fmt fmt = o.fmt;
  bool alpha = strstr(p.variants, ":png") != NULL;
  if (fmt == MEDIA_FMT_NONE) {
    vary = true;
    const char *acc = http_header(req, "Accept");
    if (o.width > 0 && plain_width(&o) && accepts(acc, "image/avif") &&
        has_variant(p.variants, o.width, "avif", NULL))
      fmt = MEDIA_FMT_AVIF;
    else if (accepts(acc, "image/webp"))
      fmt = MEDIA_FMT_WEBP;
    else
      fmt = alpha ? MEDIA_FMT_PNG : MEDIA_FMT_JPEG;
  }
  if (fmt == MEDIA_FMT_AVIF && !media_can_avif())
    return http_problem(req, 400, CC24_E_BAD_PARAMETER, "this server cannot write AVIF", "f");
  const char *fname = fmt_api(fmt);
  const char *mime = media_fmt_mime(fmt);

  /* a stored variant? */
  if (plain_width(&o) && has_variant(p.variants, o.width, fname, NULL)) {
    const char *name = arena_printf(a, "%d.%s", o.width, media_fmt_ext(fmt));
    const char *vkey = media_key_variant(a, p.sha256, name);
    const char *etag = arena_printf(a, "\"%.24s-%d-%s\"", p.sha256, o.width, fname);
    const char *local = media_store_local_path(media_g.store, a, vkey);
    if (local && reply_file(req, local, mime, etag, pub, vary) == 0)
      return 0;
    if (!local) {
      unsigned char d[crypto_hash_sha256_BYTES];
      crypto_hash_sha256(d, (const unsigned char *)vkey, strlen(vkey));
      char key[65];
      sodium_bin2hex(key, sizeof key, d, sizeof d);
      if (fill(a, key, media_fmt_ext(fmt), &p, &o, fmt, vkey, &e) == 0) {
        char cpath[4096];
        path_of(cpath, sizeof cpath, key, media_fmt_ext(fmt));
        if (reply_file(req, cpath, mime, etag, pub, vary) == 0)
          return 0;
      }
      log_warn("img: variant %s: %s", vkey, e.msg);
    }
    /* a lost variant file: render it like any other size */
  }

  /* rendered on demand, cached by what it is */
  const char *what = arena_printf(a, "%s|%s|%s", p.sha256, imgurl_canonical(a, &o), fname);
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, (const unsigned char *)what, strlen(what));
  char key[65];
  sodium_bin2hex(key, sizeof key, d, sizeof d);
  const char *etag = arena_printf(a, "\"%.32s\"", key);
  if (http_not_modified(req, etag))
    return 0;
  if (fill(a, key, media_fmt_ext(fmt), &p, &o, fmt, NULL, &e) < 0) {
    log_warn("img: render %s (%s): %s", p.public_id, what, e.msg);
    if (e.code == CC24_E_IMAGE_INVALID || e.code == CC24_E_IMAGE_TOO_LARGE)
      return http_problem(req, 422, CC24_E_IMAGE_INVALID, "the image cannot be rendered", NULL);
    return http_problem(req, 503, CC24_E_IO, "the image cannot be rendered now", NULL);
  }
  char cpath[4096];
  path_of(cpath, sizeof cpath, key, media_fmt_ext(fmt));
  if (reply_file(req, cpath, mime, etag, pub, vary) == 0)
    return 0;
  return http_problem(req, 503, CC24_E_IO, "the image cannot be read now", NULL);
}
