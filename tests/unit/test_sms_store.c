/* Store tests for the sms.send job on SQLite and PostgreSQL, against a scripted local
 * gateway: sms_queue validates, normalises and enqueues inside the caller's
 * transaction (nothing when it rolls back, nothing when SMS is off); a 500 puts the
 * job back with the queue's backoff and the next run sends the same form; a 4xx ends
 * the job after one attempt; a worker without SMS settings keeps the job queued. */
#include "core/arena.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"
#include "sms/sms.h"
#include "sms_stub.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;

static void setup(void)
{
  config_defaults();
  d = testdb_open();
  cr_assert_not_null(d);
  sms_jobs_register();
}

static void teardown(void)
{
  testdb_close(d);
  config_defaults();
}

TestSuite(sms_store, .init = setup, .fini = teardown, .timeout = 120);

static void configure(const char *url)
{
  cr_assert_eq(config_set("sms-url", url), 0);
  cr_assert_eq(config_set("sms-account-sid", "AC0123456789abcdef0123456789abcdef"), 0);
  cr_assert_eq(config_set("sms-auth-token", "s3cret-token"), 0);
  cr_assert_eq(config_set("sms-from", "cc24"), 0);
}

struct queue_arg {
  const char *to, *body;
  int64_t id;
  bool fail_after; /* roll the transaction back after queueing */
};

static int tx_queue(db_conn *c, void *arg, struct err *e)
{
  struct queue_arg *q = arg;
  q->id = sms_queue(c, 0, q->to, q->body, e);
  if (q->id < 0)
    return -1;
  if (q->fail_after)
    return err_set(e, CC24_E_CONFLICT, "the booking failed");
  return 0;
}

struct job_row {
  char *state, *payload, *last_error;
  int attempts;
  int64_t run_at;
};

static int job_of(int64_t id, struct job_row *r, struct arena *a)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  int rc = db_query_one(c, a,
                        "SELECT state, payload, COALESCE(last_error, ''), attempts, run_at"
                        " FROM jobs WHERE id = $1",
                        DB_PARAMS(db_i64(id)),
                        DB_ROW(db_out_text(&r->state), db_out_text(&r->payload),
                               db_out_text(&r->last_error), db_out_int(&r->attempts),
                               db_out_i64(&r->run_at)),
                        &e);
  db_release(c);
  return rc;
}

static int64_t jobs_count(void)
{
  struct err e = {0};
  int64_t n = -1;
  db_conn *c = db_acquire(d, &e);
  db_query_one(c, NULL, "SELECT COUNT(*) FROM jobs WHERE kind = 'sms.send'", DB_NOPARAMS,
               DB_ROW(db_out_i64(&n)), &e);
  db_release(c);
  return n;
}

Test(sms_store, queue_validates_and_follows_the_transaction)
{
  struct err e = {0};
  struct queue_arg q = {.to = "0171 1234567", .body = "Hallo"};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0, "%s", e.msg);
  cr_assert_eq(q.id, 0, "SMS off: nothing queued");
  cr_assert_eq(jobs_count(), 0);

  configure("http://127.0.0.1:1");
  q = (struct queue_arg){.to = "0171 CARS", .body = "Hallo"};
  cr_assert_lt(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0);
  cr_assert_str_eq(e.field, "to");
  q = (struct queue_arg){.to = "0171 1234567", .body = "a\x1b"};
  cr_assert_lt(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0);
  cr_assert_str_eq(e.field, "body");
  q = (struct queue_arg){.to = "0171 1234567", .body = "Hallo", .fail_after = true};
  cr_assert_lt(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0);
  cr_assert_gt(q.id, 0);
  cr_assert_eq(jobs_count(), 0, "rolled back with the transaction");

  q = (struct queue_arg){.to = "+49 (0) 171 123 45 67", .body = "Grüße\nAutohaus"};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0, "%s", e.msg);
  cr_assert_gt(q.id, 0);
  struct arena *a = arena_new(0);
  struct job_row r;
  cr_assert_eq(job_of(q.id, &r, a), 1);
  cr_assert_str_eq(r.state, "queued");
  json_t *p = json_loads(r.payload, 0, NULL);
  cr_assert_str_eq(json_string_value(json_object_get(p, "to")), "+491711234567");
  cr_assert_str_eq(json_string_value(json_object_get(p, "body")), "Grüße\nAutohaus");
  json_decref(p);
  arena_free(a);
}

Test(sms_store, retry_after_500_then_sent)
{
  struct sms_stub s;
  struct stub_reply script[] = {
      {500, "{\"code\":20500,\"message\":\"Internal Server Error\",\"status\":500}"},
      {201, "{\"sid\":\"SMaaaabbbbccccddddeeeeffff00001111\",\"status\":\"queued\"}"}};
  stub_start(&s, script, 2);
  configure(s.url);
  struct err e = {0};
  struct queue_arg q = {.to = "0171/1234567", .body = "Ihre Probefahrt: Mo 10:00 & Kaffee"};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0, "%s", e.msg);
  int64_t now = time_now();
  cr_assert_eq(jobs_run_one(d, "w1", now, &e), 1, "%s", e.msg);

  struct arena *a = arena_new(0);
  struct job_row r;
  cr_assert_eq(job_of(q.id, &r, a), 1);
  cr_assert_str_eq(r.state, "queued", "back in the queue after the 500");
  cr_assert_eq(r.attempts, 1);
  cr_assert_geq(r.run_at, now + jobs_backoff(1, 0), "with the queue's backoff");
  cr_assert(strstr(r.last_error, "500"), "%s", r.last_error);
  cr_assert_null(strstr(r.last_error, "s3cret"));
  cr_assert_eq(jobs_run_one(d, "w1", now, &e), 0, "not due yet");

  cr_assert_eq(jobs_run_one(d, "w1", now + 3600, &e), 1, "%s", e.msg);
  cr_assert_eq(job_of(q.id, &r, a), 1);
  cr_assert_str_eq(r.state, "done");
  cr_assert_eq(r.attempts, 2);
  stub_stop(&s);
  cr_assert_eq(s.nreq, 2);
  cr_assert_str_eq(s.req[1].body, s.req[0].body, "the retry sends the same form");
  cr_assert_str_eq(s.req[1].body, "To=%2B491711234567&From=cc24&Body=Ihre%20Probefahrt%3A%20Mo%"
                                  "2010%3A00%20%26%20Kaffee");
  arena_free(a);
}

Test(sms_store, permanent_error_is_not_retried)
{
  struct sms_stub s;
  struct stub_reply script[] = {
      {400, "{\"code\":21614,\"message\":\"'To' number is not a valid mobile number\","
            "\"status\":400}"}};
  stub_start(&s, script, 1);
  configure(s.url);
  struct err e = {0};
  struct queue_arg q = {.to = "030 1234567", .body = "Hallo"};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0, "%s", e.msg);
  int64_t now = time_now();
  cr_assert_eq(jobs_run_one(d, "w1", now, &e), 1, "%s", e.msg);
  struct arena *a = arena_new(0);
  struct job_row r;
  cr_assert_eq(job_of(q.id, &r, a), 1);
  cr_assert_str_eq(r.state, "done", "ended: retrying cannot help");
  cr_assert_eq(r.attempts, 1);
  cr_assert_eq(jobs_run_one(d, "w1", now + 86400, &e), 0, "nothing left to run");
  stub_stop(&s);
  cr_assert_eq(s.nreq, 1);
  arena_free(a);
}

Test(sms_store, worker_without_settings_keeps_the_job)
{
  configure("http://127.0.0.1:1");
  struct err e = {0};
  struct queue_arg q = {.to = "0171 1234567", .body = "Hallo"};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_queue, &q, &e), 0, "%s", e.msg);
  cr_assert_eq(config_set("sms-url", ""), 0);
  cr_assert_eq(jobs_run_one(d, "w1", time_now(), &e), 1, "%s", e.msg);
  struct arena *a = arena_new(0);
  struct job_row r;
  cr_assert_eq(job_of(q.id, &r, a), 1);
  cr_assert_str_eq(r.state, "queued");
  cr_assert(strstr(r.last_error, "sms-url"), "%s", r.last_error);
  arena_free(a);
}
