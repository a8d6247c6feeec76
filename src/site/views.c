/* views.c — how often each vehicle page was seen, for the dealer dashboard.
 *
 * Cheap on purpose: a page view only increments a counter in a small in-process
 * table (public id → count). At most every 10 seconds — or when the table is
 * full, or before a dashboard reads the numbers — the request that notices takes
 * the table and writes it: the public ids are resolved (published vehicles only,
 * as the public sees them), then one upsert per vehicle and day into
 * vehicle_views, in one transaction per dealer (row-level security applies).
 * A view is a visit: the same address looking at the same vehicle again within
 * 30 minutes (a reload, the redirect to the canonical URL) is not counted again
 * (a small lossy table remembers recent visits; a collision may count one twice).
 * Counts of a crashed process from its last 10 seconds are lost; visits by a
 * logged-in dealer are not counted. */
#include "app.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "inventory/vehicle.h"
#include "site/site.h"
#include "web/web.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define VIEW_SLOTS    4096 /* power of two */
#define VIEW_FLUSH_MS 10000
#define VIEW_MAX_USED (VIEW_SLOTS / 2)
#define SEEN_SLOTS    16384 /* power of two */
#define SEEN_MS       (30 * 60 * 1000)

struct slot {
  char id[ID_LEN + 1];
  int64_t n;
};

static struct slot table[VIEW_SLOTS];
static int used;
static int64_t last_flush_ms;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* recent visits: hash of (address, vehicle) → when */
static struct {
  uint64_t key;
  int64_t at_ms;
} seen[SEEN_SLOTS];

static uint32_t hash(const char *s)
{
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static uint64_t visit_key(const char *ip, const char *id)
{
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = ip ? ip : ""; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  h = (h ^ '|') * 1099511628211ULL;
  for (const char *p = id; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  return h | 1; /* 0 marks an empty slot */
}

void site_views_count(struct http_req *req, const char *public_id)
{
  if (!id_valid(public_id))
    return;
  int64_t now = time_mono_ms();
  uint64_t key = visit_key(req->client_ip, public_id);
  pthread_mutex_lock(&mu);
  size_t si = key & (SEEN_SLOTS - 1);
  if (seen[si].key == key && now - seen[si].at_ms < SEEN_MS) {
    pthread_mutex_unlock(&mu);
    return;
  }
  seen[si].key = key;
  seen[si].at_ms = now;
  if (!last_flush_ms)
    last_flush_ms = now;
  if (used < VIEW_MAX_USED) {
    uint32_t i = hash(public_id) & (VIEW_SLOTS - 1);
    while (table[i].id[0] && strcmp(table[i].id, public_id) != 0)
      i = (i + 1) & (VIEW_SLOTS - 1);
    if (!table[i].id[0]) {
      memcpy(table[i].id, public_id, ID_LEN + 1);
      used++;
    }
    table[i].n++;
  }
  bool due = now - last_flush_ms >= VIEW_FLUSH_MS || used >= VIEW_MAX_USED;
  pthread_mutex_unlock(&mu);
  if (due)
    site_views_flush(req);
}

struct resolved {
  int64_t vehicle_id, tenant_id, n;
};

struct flush_arg {
  struct slot *pending;
  int npending;
  struct resolved *out;
  int nout;
  int from, to; /* the slice of out for one dealer */
  int64_t day;
};

static int tx_resolve(db_conn *c, void *arg, struct err *e)
{
  struct flush_arg *x = arg;
  for (int i = 0; i < x->npending; i++) {
    struct resolved r = {.n = x->pending[i].n};
    int rc = db_query_one(c, NULL,
                          "SELECT id, tenant_id FROM vehicles WHERE public_id = $1"
                          " AND " VEHICLE_LISTED_SQL(""),
                          DB_PARAMS(db_text(x->pending[i].id)),
                          DB_ROW(db_out_i64(&r.vehicle_id), db_out_i64(&r.tenant_id)), e);
    if (rc < 0)
      return -1;
    if (rc == 1)
      x->out[x->nout++] = r;
  }
  return 0;
}

static int tx_write(db_conn *c, void *arg, struct err *e)
{
  struct flush_arg *x = arg;
  for (int i = x->from; i < x->to; i++)
    if (db_exec(c,
                "INSERT INTO vehicle_views (vehicle_id, tenant_id, day, views)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (vehicle_id, day)"
                " DO UPDATE SET views = vehicle_views.views + excluded.views",
                DB_PARAMS(db_i64(x->out[i].vehicle_id), db_i64(x->out[i].tenant_id), db_i64(x->day),
                          db_i64(x->out[i].n)),
                e) < 0)
      return -1;
  return 0;
}

static int by_tenant(const void *a, const void *b)
{
  const struct resolved *x = a, *y = b;
  return x->tenant_id < y->tenant_id ? -1 : x->tenant_id > y->tenant_id;
}

void site_views_flush(struct http_req *req)
{
  struct app *app = req->app;
  pthread_mutex_lock(&mu);
  last_flush_ms = time_mono_ms();
  if (!used) {
    pthread_mutex_unlock(&mu);
    return;
  }
  struct flush_arg x = {.pending = xcalloc((size_t)used, sizeof *x.pending),
                        .day = time_now() / 86400};
  for (int i = 0; i < VIEW_SLOTS; i++)
    if (table[i].id[0]) {
      x.pending[x.npending++] = table[i];
      table[i].id[0] = 0;
      table[i].n = 0;
    }
  used = 0;
  pthread_mutex_unlock(&mu);
  x.out = xcalloc((size_t)x.npending, sizeof *x.out);
  struct err e = {0};
  if (db_tx(app->db, 0, DB_READ, tx_resolve, &x, &e) < 0) {
    log_warn("vehicle views: %s", e.msg);
    goto out;
  }
  qsort(x.out, (size_t)x.nout, sizeof *x.out, by_tenant);
  for (x.from = 0; x.from < x.nout; x.from = x.to) {
    for (x.to = x.from; x.to < x.nout && x.out[x.to].tenant_id == x.out[x.from].tenant_id; x.to++)
      ;
    if (db_tx(app->db, x.out[x.from].tenant_id, DB_WRITE, tx_write, &x, &e) < 0)
      log_warn("vehicle views: %s", e.msg);
  }
out:
  free(x.out);
  free(x.pending);
}
