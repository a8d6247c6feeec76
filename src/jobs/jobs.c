#include "jobs/jobs.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KINDS 64

static struct {
  char kind[48];
  job_fn fn;
} registry[MAX_KINDS];
static int nkinds;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

void jobs_register(const char *kind, job_fn fn)
{
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < nkinds; i++)
    if (strcmp(registry[i].kind, kind) == 0) {
      registry[i].fn = fn;
      pthread_mutex_unlock(&reg_lock);
      return;
    }
  if (nkinds < MAX_KINDS) {
    snprintf(registry[nkinds].kind, sizeof registry[nkinds].kind, "%s", kind);
    registry[nkinds].fn = fn;
    nkinds++;
  }
  pthread_mutex_unlock(&reg_lock);
}

static job_fn lookup(const char *kind)
{
  job_fn fn = NULL;
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < nkinds; i++)
    if (strcmp(registry[i].kind, kind) == 0)
      fn = registry[i].fn;
  pthread_mutex_unlock(&reg_lock);
  return fn;
}

int64_t jobs_backoff(int attempts, int jitter)
{
  int64_t d = attempts >= 12 ? 3600 : ((int64_t)1 << (attempts < 1 ? 1 : attempts));
  if (d > 3600)
    d = 3600;
  if (jitter)
    d += rand() % (d / 4 + 1);
  return d;
}

int64_t jobs_enqueue(db_conn *c, const char *kind, const char *payload_json, int64_t tenant_id,
                     int64_t run_at, struct err *e)
{
  int64_t now = time_now(), id = -1;
  if (run_at <= 0)
    run_at = now;
  json_error_t je;
  json_t *p = json_loads(payload_json ? payload_json : "{}", 0, &je);
  if (!json_is_object(p)) {
    json_decref(p);
    err_set(e, CC24_E_BAD_REQUEST, "job payload must be a JSON object");
    return -1;
  }
  json_decref(p);
  if (db_query_one(c, NULL,
                   "INSERT INTO jobs (kind, payload, tenant_id, state, run_at, attempts,"
                   " max_attempts, created_at) VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6)"
                   " RETURNING id",
                   DB_PARAMS(db_text(kind), db_text(payload_json ? payload_json : "{}"),
                             tenant_id > 0 ? db_i64(tenant_id) : db_null(), db_i64(run_at),
                             db_i64(cfg.job_max_attempts > 0 ? cfg.job_max_attempts : 8),
                             db_i64(now)),
                   DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  return id;
}

struct enq {
  const char *kind, *payload;
  int64_t tenant_id, id;
};

static int tx_enqueue(db_conn *c, void *arg, struct err *e)
{
  struct enq *q = arg;
  q->id = jobs_enqueue(c, q->kind, q->payload, q->tenant_id, 0, e);
  return q->id < 0 ? -1 : 0;
}

int64_t jobs_enqueue_now(db *d, const char *kind, const char *payload_json, int64_t tenant_id,
                         struct err *e)
{
  struct enq q = {kind, payload_json, tenant_id, -1};
  return db_tx(d, 0, DB_WRITE, tx_enqueue, &q, e) < 0 ? -1 : q.id;
}

struct claim {
  struct arena *a;
  const char *worker;
  int64_t now;
  int found;
  int64_t id, tenant_id;
  char *kind, *payload;
  int attempts, max_attempts;
};

/* Due: queued and run_at passed, or running with an expired lock (dead worker). */
static const char *Q_CLAIM_PG =
    "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2,"
    " attempts = attempts + 1"
    " WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3)"
    " OR (state = 'running' AND locked_until < $3) ORDER BY run_at, id LIMIT 1"
    " FOR UPDATE SKIP LOCKED)"
    " RETURNING id, kind, payload, COALESCE(tenant_id, 0), attempts, max_attempts";
static const char *Q_CLAIM_SQLITE =
    "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2,"
    " attempts = attempts + 1"
    " WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3)"
    " OR (state = 'running' AND locked_until < $3) ORDER BY run_at, id LIMIT 1)"
    " RETURNING id, kind, payload, COALESCE(tenant_id, 0), attempts, max_attempts";

static int tx_claim(db_conn *c, void *arg, struct err *e)
{
  struct claim *k = arg;
  int lock = cfg.job_lock_seconds > 0 ? cfg.job_lock_seconds : 300;
  k->found = db_query_one(c, k->a, DB_SQL(c, Q_CLAIM_SQLITE, Q_CLAIM_PG),
                          DB_PARAMS(db_text(k->worker), db_i64(k->now + lock), db_i64(k->now)),
                          DB_ROW(db_out_i64(&k->id), db_out_text(&k->kind),
                                 db_out_text(&k->payload), db_out_i64(&k->tenant_id),
                                 db_out_int(&k->attempts), db_out_int(&k->max_attempts)),
                          e);
  return k->found < 0 ? -1 : 0;
}

struct finish {
  int64_t id, now;
  const char *worker;
  bool ok;
  const char *error;
  int attempts, max_attempts;
};

static int tx_finish(db_conn *c, void *arg, struct err *e)
{
  struct finish *f = arg;
  if (f->ok)
    return db_exec(c,
                   "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL,"
                   " finished_at = $2, last_error = NULL WHERE id = $1 AND locked_by = $3",
                   DB_PARAMS(db_i64(f->id), db_i64(f->now), db_text(f->worker)), e) < 0
               ? -1
               : 0;
  bool dead = f->attempts >= f->max_attempts;
  return db_exec(c,
                 "UPDATE jobs SET state = $2, locked_by = NULL, locked_until = NULL,"
                 " run_at = $3, last_error = $4, finished_at = $5 WHERE id = $1 AND locked_by = $6",
                 DB_PARAMS(db_i64(f->id), db_text(dead ? "dead" : "queued"),
                           db_i64(f->now + jobs_backoff(f->attempts, 1)), db_text(f->error),
                           dead ? db_i64(f->now) : db_null(), db_text(f->worker)),
                 e) < 0
             ? -1
             : 0;
}

int jobs_run_one(db *d, const char *worker_id, int64_t now, struct err *e)
{
  struct claim k = {.a = arena_new(0), .worker = worker_id, .now = now};
  int rc = db_tx(d, 0, DB_WRITE, tx_claim, &k, e);
  if (rc < 0 || !k.found) {
    arena_free(k.a);
    return rc < 0 ? -1 : 0;
  }
  struct job_ctx job = {.db = d,
                        .a = k.a,
                        .id = k.id,
                        .kind = k.kind,
                        .tenant_id = k.tenant_id,
                        .attempt = k.attempts};
  json_error_t je;
  job.payload = json_arena(k.a, json_loads(k.payload ? k.payload : "{}", 0, &je));
  struct err je2 = {0};
  int ok;
  job_fn fn = lookup(k.kind);
  char logid[40];
  snprintf(logid, sizeof logid, "job-%lld", (long long)k.id);
  log_set_request_id(logid);
  if (!fn) {
    err_set(&je2, CC24_E_INTERNAL, "no handler for job kind \"%s\"", k.kind);
    ok = -1;
  } else if (!job.payload) {
    err_set(&je2, CC24_E_MALFORMED_JSON, "payload is not JSON");
    ok = -1;
  } else {
    ok = fn(&job, &je2);
  }
  if (ok < 0)
    log_warn("job %lld (%s) attempt %d/%d failed: %s", (long long)k.id, k.kind, k.attempts,
             k.max_attempts, je2.msg[0] ? je2.msg : "error");
  log_set_request_id("");
  struct finish f = {.id = k.id,
                     .now = time_now() > now ? time_now() : now,
                     .worker = worker_id,
                     .ok = ok >= 0,
                     .error = je2.msg,
                     .attempts = k.attempts,
                     .max_attempts = k.max_attempts};
  rc = db_tx(d, 0, DB_WRITE, tx_finish, &f, e);
  arena_free(k.a);
  return rc < 0 ? -1 : 1;
}

/* ---- workers ---- */

struct jobs_pool {
  db *d;
  int n;
  pthread_t *threads;
  char worker_id[64];
  pthread_mutex_t mu;
  pthread_cond_t cv;
  volatile int stopping;
};

struct worker_arg {
  struct jobs_pool *p;
  int ix;
};

static void *worker_main(void *arg)
{
  struct worker_arg *w = arg;
  struct jobs_pool *p = w->p;
  char id[96];
  snprintf(id, sizeof id, "%s/%d", p->worker_id, w->ix);
  free(w);
  int idle_ms = 200;
  while (!p->stopping) {
    struct err e = {0};
    int rc = jobs_run_one(p->d, id, time_now(), &e);
    if (rc == 1)
      continue; /* maybe more are due */
    if (rc < 0)
      log_warn("jobs: %s", e.msg);
    pthread_mutex_lock(&p->mu);
    if (!p->stopping) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += (long)(rc < 0 ? 1000 : idle_ms) * 1000000L;
      ts.tv_sec += ts.tv_nsec / 1000000000L;
      ts.tv_nsec %= 1000000000L;
      pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

struct jobs_pool *jobs_start(db *d, int nworkers, const char *worker_id, struct err *e)
{
  struct jobs_pool *p = xcalloc(1, sizeof *p);
  p->d = d;
  snprintf(p->worker_id, sizeof p->worker_id, "%s", worker_id);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->threads = xcalloc((size_t)nworkers, sizeof *p->threads);
  for (int i = 0; i < nworkers; i++) {
    struct worker_arg *w = xmalloc(sizeof *w);
    w->p = p;
    w->ix = i;
    if (pthread_create(&p->threads[i], NULL, worker_main, w) != 0) {
      free(w);
      err_set(e, CC24_E_INTERNAL, "cannot start job worker %d", i);
      jobs_stop(p);
      return NULL;
    }
    p->n++;
  }
  return p;
}

void jobs_wake(struct jobs_pool *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

void jobs_stop(struct jobs_pool *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stopping = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n; i++)
    pthread_join(p->threads[i], NULL);
  free(p->threads);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}

struct depth_arg {
  struct jobs_depth *out;
};

static int tx_depth(db_conn *c, void *arg, struct err *e)
{
  struct jobs_depth *o = arg;
  memset(o, 0, sizeof *o);
  db_stmt *st = db_query(c, "SELECT state, COUNT(*) FROM jobs GROUP BY state", DB_NOPARAMS, e);
  if (!st)
    return -1;
  struct arena *a = arena_new(0);
  char *state;
  int64_t n;
  int rc;
  while ((rc = db_next(st, a, DB_ROW(db_out_text(&state), db_out_i64(&n)), e)) == 1) {
    if (!strcmp(state, "queued"))
      o->queued = n;
    else if (!strcmp(state, "running"))
      o->running = n;
    else if (!strcmp(state, "dead"))
      o->dead = n;
    else if (!strcmp(state, "done"))
      o->done = n;
  }
  db_finish(st);
  arena_free(a);
  return rc < 0 ? -1 : 0;
}

int jobs_queue_depth(db *d, struct jobs_depth *out, struct err *e)
{
  return db_tx(d, 0, DB_READ, tx_depth, out, e);
}

void jobs_metrics(struct buf *out, void *arg)
{
  struct jobs_depth dp;
  struct err e = {0};
  if (jobs_queue_depth(arg, &dp, &e) < 0)
    return;
  buf_printf(out,
             "# HELP cc24_jobs Jobs in the queue by state.\n"
             "# TYPE cc24_jobs gauge\n"
             "cc24_jobs{state=\"queued\"} %lld\n"
             "cc24_jobs{state=\"running\"} %lld\n"
             "cc24_jobs{state=\"dead\"} %lld\n"
             "cc24_jobs{state=\"done\"} %lld\n",
             (long long)dp.queued, (long long)dp.running, (long long)dp.dead, (long long)dp.done);
}

int jobs_schedule_single(db_conn *c, const char *kind, int64_t run_at, int64_t except_id,
                         struct err *e)
{
  if (db_conn_backend(c) == DB_PG &&
      db_exec(c, "SELECT pg_advisory_xact_lock(724243, hashtext($1))", DB_PARAMS(db_text(kind)),
              e) < 0)
    return -1;
  int64_t n = 0;
  if (db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')"
                   " AND id <> $2",
                   DB_PARAMS(db_text(kind), db_i64(except_id)), DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  if (n > 0)
    return 0;
  return jobs_enqueue(c, kind, "{}", 0, run_at, e) < 0 ? -1 : 1;
}
