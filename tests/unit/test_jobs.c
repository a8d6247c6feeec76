/* Store tests for the job queue on SQLite and PostgreSQL: enqueue, claim, run,
 * retry with backoff, dead after N attempts, re-claim after a dead worker's lock
 * expires, no job ever run twice by concurrent workers, graceful stop. */
#include "core/arena.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static db *d;

static void setup(void)
{
  config_defaults();
  d = testdb_open();
  cr_assert_not_null(d);
}

static void teardown(void)
{
  testdb_close(d);
}

TestSuite(jobs, .init = setup, .fini = teardown, .timeout = 120);

static int runs[1000];
static pthread_mutex_t runs_mu = PTHREAD_MUTEX_INITIALIZER;

static int count_job(struct job_ctx *job, struct err *e)
{
  (void)e;
  int n = (int)json_integer_value(json_object_get(job->payload, "n"));
  pthread_mutex_lock(&runs_mu);
  if (n >= 0 && n < 1000)
    runs[n]++;
  pthread_mutex_unlock(&runs_mu);
  return 0;
}

static int always_fails(struct job_ctx *job, struct err *e)
{
  return err_set(e, CC24_E_INTERNAL, "attempt %d failed", job->attempt);
}

static int64_t state_of(int64_t id, char **state, int *attempts, int64_t *run_at, struct arena *a)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  int rc = db_query_one(c, a, "SELECT state, attempts, run_at FROM jobs WHERE id = $1",
                        DB_PARAMS(db_i64(id)),
                        DB_ROW(db_out_text(state), db_out_int(attempts), db_out_i64(run_at)), &e);
  db_release(c);
  return rc;
}

Test(jobs, enqueue_claim_run_done)
{
  memset(runs, 0, sizeof runs);
  jobs_register("count", count_job);
  struct err e = {0};
  int64_t id = jobs_enqueue_now(d, "count", "{\"n\": 5}", 0, &e);
  cr_assert_gt(id, 0, "%s", e.msg);
  cr_assert_eq(jobs_run_one(d, "w1", time_now(), &e), 1, "%s", e.msg);
  cr_assert_eq(runs[5], 1);
  cr_assert_eq(jobs_run_one(d, "w1", time_now(), &e), 0, "nothing left");
  struct arena *a = arena_new(0);
  char *state;
  int attempts;
  int64_t run_at;
  cr_assert_eq(state_of(id, &state, &attempts, &run_at, a), 1);
  cr_assert_str_eq(state, "done");
  cr_assert_eq(attempts, 1);
  struct jobs_depth dp;
  cr_assert_eq(jobs_queue_depth(d, &dp, &e), 0);
  cr_assert_eq(dp.done, 1);
  cr_assert_eq(dp.queued, 0);
  arena_free(a);
  cr_assert_eq(jobs_enqueue_now(d, "count", "[1,2]", 0, &e), -1, "payload must be an object");
}

Test(jobs, failures_back_off_then_die)
{
  jobs_register("fails", always_fails);
  config_set("job-max-attempts", "3");
  struct err e = {0};
  int64_t id = jobs_enqueue_now(d, "fails", "{}", 0, &e);
  struct arena *a = arena_new(0);
  char *state;
  int attempts;
  int64_t run_at, now = time_now();
  cr_assert_eq(jobs_run_one(d, "w", now, &e), 1);
  state_of(id, &state, &attempts, &run_at, a);
  cr_assert_str_eq(state, "queued");
  cr_assert_eq(attempts, 1);
  cr_assert_geq(run_at, now + 2, "backoff after the first failure");
  cr_assert_eq(jobs_run_one(d, "w", now, &e), 0, "not due yet");
  cr_assert_eq(jobs_run_one(d, "w", run_at, &e), 1);
  state_of(id, &state, &attempts, &run_at, a);
  cr_assert_eq(attempts, 2);
  cr_assert_eq(jobs_run_one(d, "w", run_at + 3600, &e), 1);
  state_of(id, &state, &attempts, &run_at, a);
  cr_assert_str_eq(state, "dead");
  cr_assert_eq(jobs_run_one(d, "w", run_at + 100000, &e), 0, "dead jobs stay dead");
  cr_assert_eq(jobs_backoff(1, 0), 2);
  cr_assert_eq(jobs_backoff(5, 0), 32);
  cr_assert_eq(jobs_backoff(30, 0), 3600);
  arena_free(a);
  config_set("job-max-attempts", "8");
}

Test(jobs, unknown_kinds_fail_and_expired_locks_are_reclaimed)
{
  struct err e = {0};
  int64_t id = jobs_enqueue_now(d, "no-such-kind", "{}", 0, &e);
  cr_assert_eq(jobs_run_one(d, "w", time_now(), &e), 1);
  struct arena *a = arena_new(0);
  char *state;
  int attempts;
  int64_t run_at;
  state_of(id, &state, &attempts, &run_at, a);
  cr_assert_str_eq(state, "queued", "retried later");
  db_conn *c0 = db_acquire(d, &e);
  db_exec(c0, "DELETE FROM jobs", DB_NOPARAMS, &e);
  db_release(c0);

  /* a worker that claimed a job and died: its lock expires and another worker runs it */
  memset(runs, 0, sizeof runs);
  jobs_register("count", count_job);
  int64_t id2 = jobs_enqueue_now(d, "count", "{\"n\": 9}", 0, &e);
  db_conn *c = db_acquire(d, &e);
  int64_t now = time_now();
  cr_assert_eq(
      db_exec(c,
              "UPDATE jobs SET state = 'running', locked_by = 'dead-worker', locked_until = $1,"
              " attempts = 1 WHERE id = $2",
              DB_PARAMS(db_i64(now + 300), db_i64(id2)), &e),
      1);
  db_release(c);
  /* the other job is not due yet either: only time helps */
  cr_assert_eq(jobs_run_one(d, "alive", now + 10, &e), 0, "still locked");
  cr_assert_eq(jobs_run_one(d, "alive", now + 301 + 3600, &e), 1);
  cr_assert_eq(runs[9], 1, "the orphaned job ran exactly once");
  state_of(id2, &state, &attempts, &run_at, a);
  cr_assert_str_eq(state, "done");
  arena_free(a);
}

struct wargs {
  int done;
};

static void *drain(void *arg)
{
  (void)arg;
  char id[32];
  snprintf(id, sizeof id, "w-%lu", (unsigned long)pthread_self() % 1000);
  struct err e = {0};
  while (jobs_run_one(d, id, time_now(), &e) == 1)
    ;
  return NULL;
}

Test(jobs, concurrent_workers_never_run_a_job_twice)
{
  memset(runs, 0, sizeof runs);
  jobs_register("count", count_job);
  struct err e = {0};
  for (int i = 0; i < 200; i++) {
    char p[32];
    snprintf(p, sizeof p, "{\"n\": %d}", i);
    cr_assert_gt(jobs_enqueue_now(d, "count", p, 0, &e), 0, "%s", e.msg);
  }
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, drain, NULL);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < 200; i++)
    cr_assert_eq(runs[i], 1, "job %d ran %d times", i, runs[i]);
}

Test(jobs, pool_runs_jobs_and_stops_gracefully)
{
  memset(runs, 0, sizeof runs);
  jobs_register("count", count_job);
  struct err e = {0};
  struct jobs_pool *p = jobs_start(d, 2, "pool", &e);
  cr_assert_not_null(p, "%s", e.msg);
  for (int i = 0; i < 20; i++) {
    char pl[32];
    snprintf(pl, sizeof pl, "{\"n\": %d}", 100 + i);
    jobs_enqueue_now(d, "count", pl, 0, &e);
  }
  jobs_wake(p);
  for (int t = 0; t < 100; t++) {
    struct jobs_depth dp;
    jobs_queue_depth(d, &dp, &e);
    if (dp.done == 20)
      break;
    usleep(50000);
  }
  jobs_stop(p);
  for (int i = 0; i < 20; i++)
    cr_assert_eq(runs[100 + i], 1);
  struct jobs_depth dp;
  jobs_queue_depth(d, &dp, &e);
  cr_assert_eq(dp.running, 0, "nothing left locked after stop");
}
