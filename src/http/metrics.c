/* metrics.c — the metrics registry (the one allowed global besides the
 * configuration) and its Prometheus text exposition.
 *
 * Recording is on the hot path of every request, so it takes no lock: series
 * live in a fixed open-addressing table of atomic pointers; a lookup probes
 * with acquire loads and bumps atomic counters. Only the first request of a new
 * (route, method, status) combination takes the insert mutex. Series are never
 * removed; their number is bounded by routes × methods × statuses. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NSLOTS    4096 /* power of two */
#define NBUCKETS  14
#define MAX_COLLS 16

static const char *const bucket_le[NBUCKETS] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                "1",      "2.5",   "5",      "10"};
static const int64_t bucket_us[NBUCKETS] = {500,     1000,    2500,    5000,    10000,
                                            25000,   50000,   100000,  250000,  500000,
                                            1000000, 2500000, 5000000, 10000000};

/* status > 0: a requests_total counter; status == 0: a duration histogram. */
struct series {
  char *route;
  int method;
  int status;
  uint64_t hash;
  atomic_uint_fast64_t count;
  atomic_uint_fast64_t sum_us;
  atomic_uint_fast64_t buckets[NBUCKETS + 1]; /* not cumulative; last is +Inf */
};

static _Atomic(struct series *) slots[NSLOTS];
static pthread_mutex_t insert_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int in_flight;
static atomic_int connections;
static atomic_uint_fast64_t dropped;

static struct {
  http_metrics_fn fn;
  void *arg;
} colls[MAX_COLLS];
static int ncolls;
static pthread_mutex_t colls_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash_key(const char *route, int method, int status)
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)route; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  h = (h ^ (uint64_t)method) * 1099511628211ull;
  h = (h ^ (uint64_t)status) * 1099511628211ull;
  return h ^ (h >> 29);
}

static bool same(const struct series *s, uint64_t h, const char *route, int method, int status)
{
  return s->hash == h && s->method == method && s->status == status && strcmp(s->route, route) == 0;
}

static struct series *lookup(const char *route, int method, int status)
{
  uint64_t h = hash_key(route, method, status);
  size_t i = h & (NSLOTS - 1);
  for (size_t probe = 0; probe < NSLOTS; probe++, i = (i + 1) & (NSLOTS - 1)) {
    struct series *s = atomic_load_explicit(&slots[i], memory_order_acquire);
    if (s && same(s, h, route, method, status))
      return s;
    if (s)
      continue;
    /* Empty slot: insert under the lock (another thread may have won the race). */
    pthread_mutex_lock(&insert_lock);
    s = atomic_load_explicit(&slots[i], memory_order_relaxed);
    if (!s) {
      s = xcalloc(1, sizeof *s);
      s->route = xstrdup(route);
      s->method = method;
      s->status = status;
      s->hash = h;
      atomic_store_explicit(&slots[i], s, memory_order_release);
      pthread_mutex_unlock(&insert_lock);
      return s;
    }
    pthread_mutex_unlock(&insert_lock);
    if (same(s, h, route, method, status))
      return s;
  }
  return NULL;
}

void http_metrics_record(const char *route, enum http_method m, int status, int64_t dur_us)
{
  if (!route)
    route = "unmatched";
  if (dur_us < 0)
    dur_us = 0;
  struct series *c = lookup(route, (int)m, status > 0 ? status : 1);
  struct series *hi = lookup(route, (int)m, 0);
  if (!c || !hi) {
    atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
    return;
  }
  atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
  int b = 0;
  while (b < NBUCKETS && dur_us > bucket_us[b])
    b++;
  atomic_fetch_add_explicit(&hi->buckets[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&hi->sum_us, (uint64_t)dur_us, memory_order_relaxed);
}

void http_metrics_in_flight(int delta)
{
  atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed);
}

void http_metrics_connections(int delta)
{
  atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

void http_metrics_add(http_metrics_fn fn, void *arg)
{
  pthread_mutex_lock(&colls_lock);
  if (ncolls < MAX_COLLS) {
    colls[ncolls].fn = fn;
    colls[ncolls].arg = arg;
    ncolls++;
  }
  pthread_mutex_unlock(&colls_lock);
}

/* Label values escape \, " and newline (exposition format 0.0.4). */
static void put_label(struct buf *b, const char *v)
{
  for (const char *p = v; *p; p++) {
    if (*p == '\\' || *p == '"')
      buf_putc(b, '\\');
    if (*p == '\n') {
      buf_puts(b, "\\n");
      continue;
    }
    buf_putc(b, *p);
  }
}

static int cmp_series(const void *x, const void *y)
{
  const struct series *a = *(struct series *const *)x, *b = *(struct series *const *)y;
  int c = strcmp(a->route, b->route);
  if (c)
    return c;
  if (a->method != b->method)
    return a->method - b->method;
  return a->status - b->status;
}

static void put_labels(struct buf *b, const struct series *s)
{
  buf_puts(b, "route=\"");
  put_label(b, s->route);
  buf_printf(b, "\",method=\"%s\"", http_method_name((enum http_method)s->method));
}

void http_metrics_render(struct buf *out)
{
  struct series **all = xcalloc(NSLOTS, sizeof *all);
  size_t n = 0;
  for (size_t i = 0; i < NSLOTS; i++) {
    struct series *s = atomic_load_explicit(&slots[i], memory_order_acquire);
    if (s)
      all[n++] = s;
  }
  qsort(all, n, sizeof *all, cmp_series);

  buf_puts(out, "# HELP cc24_http_requests_total HTTP requests answered, by route pattern, "
                "method and status.\n# TYPE cc24_http_requests_total counter\n");
  for (size_t i = 0; i < n; i++) {
    const struct series *s = all[i];
    if (s->status == 0)
      continue;
    buf_puts(out, "cc24_http_requests_total{");
    put_labels(out, s);
    buf_printf(out, ",status=\"%d\"} %llu\n", s->status,
               (unsigned long long)atomic_load_explicit(&s->count, memory_order_relaxed));
  }

  buf_puts(out, "# HELP cc24_http_request_duration_seconds Time from request headers to the "
                "last byte of the response.\n"
                "# TYPE cc24_http_request_duration_seconds histogram\n");
  for (size_t i = 0; i < n; i++) {
    struct series *s = all[i];
    if (s->status != 0)
      continue;
    uint64_t cum = 0;
    for (int bi = 0; bi <= NBUCKETS; bi++) {
      cum += atomic_load_explicit(&s->buckets[bi], memory_order_relaxed);
      buf_puts(out, "cc24_http_request_duration_seconds_bucket{");
      put_labels(out, s);
      buf_printf(out, ",le=\"%s\"} %llu\n", bi < NBUCKETS ? bucket_le[bi] : "+Inf",
                 (unsigned long long)cum);
    }
    uint64_t sum = atomic_load_explicit(&s->sum_us, memory_order_relaxed);
    buf_puts(out, "cc24_http_request_duration_seconds_sum{");
    put_labels(out, s);
    buf_printf(out, "} %llu.%06llu\n", (unsigned long long)(sum / 1000000),
               (unsigned long long)(sum % 1000000));
    buf_puts(out, "cc24_http_request_duration_seconds_count{");
    put_labels(out, s);
    buf_printf(out, "} %llu\n", (unsigned long long)cum);
  }
  free(all);

  buf_printf(out,
             "# HELP cc24_http_in_flight Requests being handled.\n"
             "# TYPE cc24_http_in_flight gauge\ncc24_http_in_flight %d\n"
             "# HELP cc24_http_connections Open client connections.\n"
             "# TYPE cc24_http_connections gauge\ncc24_http_connections %d\n"
             "# HELP cc24_http_metrics_dropped_total Requests not recorded (series table full).\n"
             "# TYPE cc24_http_metrics_dropped_total counter\n"
             "cc24_http_metrics_dropped_total %llu\n",
             atomic_load(&in_flight), atomic_load(&connections),
             (unsigned long long)atomic_load(&dropped));

  pthread_mutex_lock(&colls_lock);
  int nc = ncolls;
  pthread_mutex_unlock(&colls_lock);
  for (int i = 0; i < nc; i++)
    colls[i].fn(out, colls[i].arg);
}
