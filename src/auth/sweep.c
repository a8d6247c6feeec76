#include "auth/sweep.h"

#include "auth/session.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"

int auth_sweep(db_conn *c, int64_t now, struct auth_sweep_stats *st, struct err *e)
{
  *st = (struct auth_sweep_stats){0};
  if (db_conn_backend(c) == DB_PG)
    return db_query_one(c, NULL, "SELECT sessions, tokens, challenges FROM cc24_auth_sweep($1, $2)",
                        DB_PARAMS(db_i64(now), db_i64(SESSION_IDLE_SECONDS)),
                        DB_ROW(db_out_i64(&st->sessions), db_out_i64(&st->tokens),
                               db_out_i64(&st->challenges)),
                        e) == 1
               ? 0
               : -1;
  int rc;
  if ((rc = db_exec(c, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
                    DB_PARAMS(db_i64(now), db_i64(now - SESSION_IDLE_SECONDS)), e)) < 0)
    return -1;
  st->sessions = rc;
  if ((rc = db_exec(c, "DELETE FROM auth_tokens WHERE expires_at <= $1",
                    DB_PARAMS(db_i64(now - 86400)), e)) < 0)
    return -1;
  st->tokens = rc;
  if ((rc = db_exec(c, "DELETE FROM login_challenges WHERE expires_at <= $1",
                    DB_PARAMS(db_i64(now - 86400)), e)) < 0)
    return -1;
  st->challenges = rc;
  return 0;
}

struct sweep_arg {
  int64_t now, run_at, except;
  struct auth_sweep_stats st;
};

static int tx_sweep(db_conn *c, void *arg, struct err *e)
{
  struct sweep_arg *x = arg;
  return auth_sweep(c, x->now, &x->st, e);
}

static int tx_next(db_conn *c, void *arg, struct err *e)
{
  struct sweep_arg *x = arg;
  return jobs_schedule_single(c, AUTH_SWEEP_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_sweep(struct job_ctx *job, struct err *e)
{
  struct sweep_arg x = {.now = time_now(), .except = job->id};
  if (db_tx(job->db, 0, DB_WRITE, tx_sweep, &x, e) < 0)
    return -1;
  if (x.st.sessions || x.st.tokens || x.st.challenges)
    log_info("sweep: %lld sessions, %lld one-time tokens, %lld login challenges removed",
             (long long)x.st.sessions, (long long)x.st.tokens, (long long)x.st.challenges);
  x.run_at = x.now + AUTH_SWEEP_INTERVAL;
  return db_tx(job->db, 0, DB_WRITE, tx_next, &x, e);
}

void auth_sweep_register(void)
{
  jobs_register(AUTH_SWEEP_KIND, job_sweep);
}

int auth_sweep_schedule(db *d, struct err *e)
{
  struct sweep_arg x = {.run_at = 0, .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_next, &x, e);
}
