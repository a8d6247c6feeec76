/* Store tests for the mail queue (mail/) — SQLite and PostgreSQL (as the application
 * role, so row-level security applies): queueing checks the address and keeps the
 * subject on one line; without smtp-url nothing is handed to the sender; a failed
 * delivery is retried with backoff and is dead after the last attempt; the operator
 * re-queues it; a mail being sent is not taken by a second worker until its lock
 * expires; the per-domain rate limit defers without counting an attempt. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t;

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  memset(&t, 0, sizeof t);
  t.slug = "autohaus-mail";
  t.name = "Autohaus Mail";
  return tenant_store_create(c, &t, e);
}

static void setup(void)
{
  ids_init();
  config_defaults();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  if (db_backend(d) == DB_PG)
    cr_assert_eq(db_use_role(d, "cc24_app", &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(mail_store, .init = setup, .fini = teardown);

static int tx_queue(db_conn *c, void *arg, struct err *e)
{
  return mail_queue(c, arg, e);
}

static int queue(struct mail *m, struct err *e)
{
  return db_tx(d, m->tenant_id, DB_WRITE, tx_queue, m, e);
}

static struct mail_row *only(const char *state, int *n)
{
  struct mail_row *rows;
  struct err e = {0};
  cr_assert_eq(mail_list(d, a, state, 50, &rows, n, &e), 0, "%s", e.msg);
  return rows;
}

struct count_arg {
  const char *sql;
  int64_t n;
};

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct count_arg *x = arg;
  return db_query_one(c, a, x->sql, NULL, DB_ROW(db_out_i64(&x->n)), e) < 0 ? -1 : 0;
}

/* jobs has no row-level security */
static int64_t jobs_of_kind(void)
{
  struct count_arg x = {
      .sql = "SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND state = 'queued'", .n = 0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_count, &x, &e), 0, "%s", e.msg);
  return x.n;
}

Test(mail_store, bad_addresses_are_refused_and_nothing_is_stored)
{
  const char *bad[] = {"",
                       "kein-at.example",
                       "a@b",
                       "a b@example.org",
                       "a@example.org\r\nBcc: x@example.org",
                       "a@@example.org",
                       NULL};
  for (int i = 0; bad[i]; i++) {
    struct mail m = {.tenant_id = t.id, .to = bad[i], .subject = "S", .text = "T"};
    struct err e = {0};
    cr_expect_lt(queue(&m, &e), 0, "refused: %s", bad[i]);
    cr_expect_eq(e.code, CC24_E_VALIDATION, "%s", bad[i]);
  }
  struct mail m = {.tenant_id = t.id, .to = "ok@example.org", .subject = "  \r\n ", .text = "T"};
  struct err e = {0};
  cr_expect_lt(queue(&m, &e), 0, "an empty subject is refused");
  int n;
  only("", &n);
  cr_expect_eq(n, 0, "nothing stored");
}

Test(mail_store, queued_without_smtp_shown_to_the_operator)
{
  struct mail m = {.tenant_id = t.id,
                   .to = "Kunde@Example.ORG",
                   .kind = "test.one",
                   .subject = "Betreff\r\nBcc: evil@example.org",
                   .text = "Hallo\nhttps://cc24.example/x"};
  struct err e = {0};
  cr_assert_eq(queue(&m, &e), 0, "%s", e.msg);
  int n;
  struct mail_row *r = only("queued", &n);
  cr_assert_eq(n, 1);
  cr_expect_str_eq(r[0].recipient, "kunde@example.org", "lower-cased");
  cr_expect_str_eq(r[0].subject, "Betreff  Bcc: evil@example.org", "one line");
  cr_expect_str_eq(r[0].kind, "test.one");
  cr_expect_eq(r[0].tenant_id, t.id);
  cr_expect_eq(jobs_of_kind(), 0, "no SMTP server: no delivery job");
  const char *msg;
  cr_assert_eq(mail_message(d, a, r[0].id, &msg, &e), 1, "%s", e.msg);
  cr_expect(strstr(msg, "To: kunde@example.org\r\n") != NULL);
  cr_expect_null(strstr(msg, "\r\nBcc:"));
  cr_expect(strstr(msg, "Message-ID: <") != NULL);
  /* a delivery attempt without SMTP fails and is retried later, never lost */
  cr_expect_eq(mail_deliver(d, r[0].id, time_now(), &e), 1);
  r = only("queued", &n);
  cr_assert_eq(n, 1);
  cr_expect_eq(r[0].attempts, 1);
  cr_expect_str_eq(r[0].last_error, "smtp-url is not set");
}

Test(mail_store, failures_back_off_then_dead_then_retry)
{
  config_set("smtp-url", "smtp://127.0.0.1:1"); /* nothing listens there */
  config_set("mail-max-attempts", "3");
  config_set("mail-retry-seconds", "60");
  config_set("mail-timeout-seconds", "5");
  struct mail m = {.tenant_id = t.id, .to = "a@example.org", .subject = "S", .text = "T"};
  struct err e = {0};
  cr_assert_eq(queue(&m, &e), 0, "%s", e.msg);
  cr_expect_eq(jobs_of_kind(), 1, "one delivery job with the mail");
  int n;
  struct mail_row *r = only("", &n);
  cr_assert_eq(n, 1);
  int64_t id = r[0].id, now = time_now();
  cr_expect_eq(mail_deliver(d, id, now, &e), 1);
  r = only("", &n);
  cr_expect_str_eq(r[0].state, "queued");
  cr_expect_eq(r[0].attempts, 1);
  cr_expect_eq(r[0].next_attempt_at, now + 60, "first retry after mail-retry-seconds");
  cr_expect_neq(r[0].last_error[0], 0, "the error is kept");
  cr_expect_eq(mail_deliver(d, id, now + 10, &e), 0, "not due yet: untouched");
  cr_expect_eq(mail_deliver(d, id, now + 60, &e), 1);
  r = only("", &n);
  cr_expect_eq(r[0].attempts, 2);
  cr_expect_eq(r[0].next_attempt_at, now + 60 + 120, "doubled");
  cr_expect_eq(mail_deliver(d, id, now + 180, &e), 1);
  r = only("", &n);
  cr_expect_str_eq(r[0].state, "dead", "after mail-max-attempts");
  cr_expect_eq(mail_deliver(d, id, now + 100000, &e), 0, "a dead mail is not sent");
  cr_expect_eq(mail_retry(d, id, &e), 1);
  r = only("", &n);
  cr_expect_str_eq(r[0].state, "queued");
  cr_expect_eq(r[0].attempts, 0);
  config_defaults();
}

static int tx_fake(db_conn *c, void *arg, struct err *e)
{
  const char *sql = arg;
  if (db_conn_backend(c) == DB_PG &&
      db_exec(c, "SELECT set_config('cc24.mailer', $1, true)", DB_PARAMS(db_text("on")), e) < 0)
    return -1;
  return db_exec(c, sql, NULL, e) < 0 ? -1 : 0;
}

Test(mail_store, a_mail_being_sent_is_not_taken_twice)
{
  config_set("smtp-url", "smtp://127.0.0.1:1");
  struct mail m = {.tenant_id = t.id, .to = "a@example.org", .subject = "S", .text = "T"};
  struct err e = {0};
  cr_assert_eq(queue(&m, &e), 0, "%s", e.msg);
  int n;
  struct mail_row *r = only("", &n);
  int64_t id = r[0].id, now = time_now();
  /* a worker claimed it and died (or is still talking to the server) */
  char *sql = arena_printf(a, "UPDATE outbox SET state = 'sending', locked_until = %lld",
                           (long long)(now + 100));
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fake, sql, &e), 0, "%s", e.msg);
  cr_expect_eq(mail_deliver(d, id, now, &e), 0, "locked: nobody else sends it");
  r = only("", &n);
  cr_expect_str_eq(r[0].state, "sending");
  cr_expect_eq(mail_deliver(d, id, now + 101, &e), 1, "the lock expired: sent again");
  r = only("", &n);
  cr_expect_str_eq(r[0].state, "queued");
  config_defaults();
}

Test(mail_store, per_domain_rate_limit_defers_without_an_attempt)
{
  config_set("smtp-url", "smtp://127.0.0.1:1");
  config_set("mail-domain-rate", "2");
  struct err e = {0};
  for (int i = 0; i < 3; i++) {
    struct mail m = {.tenant_id = t.id, .to = "x@busy.example", .subject = "S", .text = "T"};
    cr_assert_eq(queue(&m, &e), 0, "%s", e.msg);
  }
  struct mail m = {.tenant_id = t.id, .to = "x@other.example", .subject = "S", .text = "T"};
  cr_assert_eq(queue(&m, &e), 0, "%s", e.msg);
  int64_t now = time_now();
  /* two to busy.example went out 30 s ago */
  char *sql = arena_printf(a,
                           "UPDATE outbox SET state = 'sent', sent_at = %lld WHERE id IN"
                           " (SELECT id FROM outbox WHERE domain = 'busy.example' ORDER BY id"
                           " LIMIT 2)",
                           (long long)(now - 30));
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fake, sql, &e), 0, "%s", e.msg);
  int n;
  struct mail_row *r = only("queued", &n);
  cr_assert_eq(n, 2);
  int64_t busy = strcmp(r[0].recipient, "x@busy.example") ? r[1].id : r[0].id;
  int64_t other = busy == r[0].id ? r[1].id : r[0].id;
  cr_expect_eq(mail_deliver(d, busy, now, &e), 0, "deferred");
  cr_expect_eq(mail_deliver(d, other, now, &e), 1, "another domain is not held up");
  r = only("queued", &n);
  for (int i = 0; i < n; i++)
    if (r[i].id == busy) {
      cr_expect_eq(r[i].attempts, 0, "waiting is no attempt");
      cr_expect_eq(r[i].next_attempt_at, now - 30 + 61, "when the minute is over");
    }
  config_defaults();
}
