/* page_cache.c — the microcache of public pages (see site.h): a set-associative
 * table (SETS sets of WAYS entries, a mutex per set), each entry holding one page
 * gzip-compressed (and uncompressed up to RAW_MAX). Entries are checked against the
 * search index generation and an age limit; a full set replaces its oldest entry. Heap memory is
 * owned here and freed when an entry is replaced (the process keeps the table until exit). */
#include "app.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "render/render.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define SETS       1024
#define WAYS       4
#define RAW_MAX    (40 * 1024)         /* pages up to this size are kept uncompressed too, */
#define RAW_BUDGET ((int64_t)32 << 20) /* as long as all such copies stay under 32 MB */

struct entry {
  char *key;
  uint64_t generation;
  uint64_t epoch;
  int64_t at_ms;
  char *gz, *raw; /* raw may be NULL (large pages: inflated on demand) */
  size_t gz_len, raw_len;
  const char *lang;
};

static struct entry table[SETS][WAYS];
static pthread_mutex_t locks[SETS];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t epoch = 1;
static atomic_int_fast64_t raw_bytes = 0;

static void init_locks(void)
{
  for (int i = 0; i < SETS; i++)
    pthread_mutex_init(&locks[i], NULL);
}

static uint32_t hash(const char *s)
{
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* "gzip" among the codings and not refused with q=0. */
static bool accepts_gzip(const char *ae)
{
  for (const char *p = ae; p && (p = strcasestr(p, "gzip")) != NULL; p += 4) {
    const char *q = p + 4;
    q += strspn(q, " ");
    if (*q != ';')
      return true;
    q += 1 + strspn(q + 1, " ");
    return strncasecmp(q, "q=", 2) != 0 || strtod(q + 2, NULL) > 0;
  }
  return false;
}

bool web_cache_eligible(struct http_req *req)
{
  return cfg.page_cache_seconds > 0 && (req->m == HTTP_GET || req->m == HTTP_HEAD) &&
         req->user_id == 0 && !req->session;
}

void web_cache_clear(void)
{
  atomic_fetch_add(&epoch, 1);
}

static uint64_t generation_of(struct http_req *req)
{
  return search_generation(((struct app *)req->app)->search);
}

int web_cache_serve(struct http_req *req, const char *key)
{
  if (!key || !web_cache_eligible(req))
    return 0;
  pthread_once(&once, init_locks);
  uint32_t set = hash(key) % SETS;
  pthread_mutex_t *mu = &locks[set];
  uint64_t gen = generation_of(req), ep = atomic_load(&epoch);
  int64_t now = time_mono_ms();
  bool gz = accepts_gzip(http_header(req, "Accept-Encoding"));
  char *body = NULL;
  size_t len = 0, raw_len = 0;
  const char *lang = NULL;
  pthread_mutex_lock(mu);
  struct entry *e = NULL;
  for (int w = 0; w < WAYS && !e; w++)
    if (table[set][w].key && strcmp(table[set][w].key, key) == 0)
      e = &table[set][w];
  if (e && e->generation == gen && e->epoch == ep &&
      now - e->at_ms < (int64_t)cfg.page_cache_seconds * 1000) {
    raw_len = e->raw_len;
    lang = e->lang;
    if (gz || !e->raw) {
      len = e->gz_len;
      body = arena_alloc(req->a, len);
      memcpy(body, e->gz, len);
    } else {
      body = arena_alloc(req->a, raw_len);
      memcpy(body, e->raw, raw_len);
      len = raw_len;
      gz = false;
      pthread_mutex_unlock(mu);
      http_set_header(req, "Content-Language", lang);
      http_set_header(req, "Vary", "Accept-Encoding");
      http_set_header(req, "X-Cache", "hit");
      http_reply_arena(req, 200, "text/html; charset=utf-8", body, len);
      return 1;
    }
  }
  pthread_mutex_unlock(mu);
  if (!body)
    return 0;
  http_set_header(req, "Content-Language", lang);
  http_set_header(req, "X-Cache", "hit");
  if (gz) {
    http_set_header(req, "Content-Encoding", "gzip");
    http_set_header(req, "Vary", "Accept-Encoding");
    http_reply_arena(req, 200, "text/html; charset=utf-8", body, len);
    return 1;
  }
  char *raw = arena_alloc(req->a, raw_len + 1);
  z_stream z = {0};
  if (inflateInit2(&z, 31) != Z_OK)
    return 0;
  z.next_in = (Bytef *)body;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)raw;
  z.avail_out = (uInt)raw_len;
  int rc = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.total_out != raw_len)
    return 0;
  http_reply_arena(req, 200, "text/html; charset=utf-8", raw, raw_len);
  return 1;
}

static void store(struct http_req *req, const char *key, const char *html, size_t len)
{
  pthread_once(&once, init_locks);
  uint64_t gen = generation_of(req), ep = atomic_load(&epoch);
  z_stream z = {0};
  if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return;
  size_t cap = deflateBound(&z, (uLong)len);
  char *gz = malloc(cap);
  char *k = strdup(key);
  bool keep_raw = len <= RAW_MAX && atomic_load(&raw_bytes) + (int64_t)len <= RAW_BUDGET;
  char *raw = keep_raw ? malloc(len ? len : 1) : NULL;
  if (raw)
    memcpy(raw, html, len);
  if (!gz || !k || (keep_raw && !raw)) {
    free(gz);
    free(k);
    free(raw);
    deflateEnd(&z);
    return;
  }
  z.next_in = (Bytef *)html;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)gz;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH);
  size_t gz_len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(gz);
    free(k);
    free(raw);
    return;
  }
  uint32_t set = hash(key) % SETS;
  pthread_mutex_t *mu = &locks[set];
  pthread_mutex_lock(mu);
  /* the same key, else an empty way, else the oldest */
  struct entry *e = NULL;
  for (int w = 0; w < WAYS && !e; w++)
    if (table[set][w].key && strcmp(table[set][w].key, k) == 0)
      e = &table[set][w];
  for (int w = 0; w < WAYS && !e; w++)
    if (!table[set][w].key)
      e = &table[set][w];
  if (!e) {
    e = &table[set][0];
    for (int w = 1; w < WAYS; w++)
      if (table[set][w].at_ms < e->at_ms)
        e = &table[set][w];
  }
  char *old_key = e->key, *old_gz = e->gz, *old_raw = e->raw;
  atomic_fetch_add(&raw_bytes, (raw ? (int64_t)len : 0) - (old_raw ? (int64_t)e->raw_len : 0));
  e->key = k;
  e->gz = gz;
  e->raw = raw;
  e->gz_len = gz_len;
  e->raw_len = len;
  e->generation = gen;
  e->epoch = ep;
  e->at_ms = time_mono_ms();
  e->lang = req->locale && !strcmp(req->locale, "en") ? "en" : "de";
  pthread_mutex_unlock(mu);
  free(old_key);
  free(old_gz);
  free(old_raw);
}

int web_render_cached(struct http_req *req, const char *name, json_t *ctx, const char *key)
{
  struct app *app = req->app;
  struct buf b;
  buf_init(&b, req->a);
  buf_reserve(&b, 48 * 1024);
  struct err e = {0};
  buyer_page_context(req, ctx); /* a buyer's hearts and account link (never cached) */
  if (render_page(app->tmpl, name, ctx, &b, &e) < 0) {
    log_error("render %s: %s", name, e.msg);
    return -1;
  }
  if (key && web_cache_eligible(req))
    store(req, key, b.data, b.len);
  http_set_header(req, "Content-Language", req->locale ? req->locale : "de");
  return http_reply_arena(req, 200, "text/html; charset=utf-8", b.data, b.len);
}
