/* jobs.h — the background job queue: a `jobs` table any instance enqueues
 * into, and workers (inside `serve` or in `cc24 worker`) that claim due jobs
 * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: inside a write transaction),
 * run the registered handler, and on failure retry with exponential backoff
 * until the job is dead. A job whose worker died is claimed again once its
 * lock expires. */
#ifndef CC24_JOBS_JOBS_H
#define CC24_JOBS_JOBS_H

#include "db/db.h"

#include <jansson.h>
#include <stdint.h>

struct arena;
struct buf;

/* What a handler gets. payload and a are released after the handler returns. */
struct job_ctx {
  db *db;
  struct arena *a;
  int64_t id;
  const char *kind;
  json_t *payload; /* parsed payload object */
  int64_t tenant_id;
  int attempt; /* 1 on the first run */
};

/* A handler returns 0 on success, -1 (with e) to retry later. */
typedef int (*job_fn)(struct job_ctx *job, struct err *e);

/* Register a handler for kind (at start-up, before jobs_start). */
void jobs_register(const char *kind, job_fn fn);

/* Enqueue inside the caller's transaction; run_at 0 = now. Returns the job id or -1. */
int64_t jobs_enqueue(db_conn *c, const char *kind, const char *payload_json, int64_t tenant_id,
                     int64_t run_at, struct err *e);

/* Periodic work: enqueue kind (empty payload, no tenant) at run_at unless a job of that
 * kind is already queued or running (other than except_id, the run that is scheduling
 * its successor). Instances starting together, a run queueing the next one and an
 * operator's extra run never make two chains. Inside the caller's transaction
 * (PostgreSQL: serialised by an advisory lock on the kind). 1 enqueued, 0 not, -1. */
int jobs_schedule_single(db_conn *c, const char *kind, int64_t run_at, int64_t except_id,
                         struct err *e);

/* Enqueue in a transaction of its own. */
int64_t jobs_enqueue_now(db *d, const char *kind, const char *payload_json, int64_t tenant_id,
                         struct err *e);

/* Claim one due job for worker_id and run it (used by the workers; exposed for
 * tests). Returns 1 when a job ran (successfully or not), 0 when none was due, -1 on
 * a database error. now: the clock (Unix seconds). */
int jobs_run_one(db *d, const char *worker_id, int64_t now, struct err *e);

struct jobs_pool;

/* Start nworkers threads polling for jobs. NULL + e on failure. */
struct jobs_pool *jobs_start(db *d, int nworkers, const char *worker_id, struct err *e);

/* Stop: no new claims; running jobs finish; then the threads end. */
void jobs_stop(struct jobs_pool *p);

/* Wake idle workers (after an in-process enqueue). NULL-safe. */
void jobs_wake(struct jobs_pool *p);

struct jobs_depth {
  int64_t queued, running, dead, done;
};
int jobs_queue_depth(db *d, struct jobs_depth *out, struct err *e);

/* /metrics collector (arg: the db handle). */
void jobs_metrics(struct buf *out, void *arg);

/* The delay before attempt n+1 after n failures: 2^n seconds (n >= 1), capped at
 * one hour, plus up to 25 % jitter when jitter is non-zero. */
int64_t jobs_backoff(int attempts, int jitter);

#endif
