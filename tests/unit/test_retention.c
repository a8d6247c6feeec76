/* Store tests for the GDPR retention of leads (crm/retention.h) — run on SQLite and on
 * PostgreSQL (CC24_TEST_DATABASE_URL), on PostgreSQL as the application role, as the
 * job runs: leads older than the period that did not end in a sale are anonymised
 * (the row stays with kind, vehicle, dates and privacy notice), newer and won ones
 * stay; the dealer's old outbox mails go; each dealer is handled in its own
 * transaction and never touches another's rows; the retention log holds one row per
 * dealer, run and kind; a second run changes nothing. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "crm/retention.h"
#include "inventory/vehicle_store.h"
#include "jobs/jobs.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

#define DAY   86400
#define MONTH (31 * DAY)

static db *d;
static struct arena *a;
static struct tenant t[2];
static struct vehicle v[2]; /* one published vehicle per dealer */
static bool rls;            /* PostgreSQL as cc24_app */

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-ret-a", "autohaus-ret-b"};
  for (int i = 0; i < 2; i++) {
    memset(&t[i], 0, sizeof t[i]);
    t[i].slug = slugs[i];
    t[i].name = i ? "Autohaus B" : "Autohaus A";
    if (tenant_store_create(c, &t[i], e) < 0)
      return -1;
  }
  return 0;
}

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  return vehicle_store_insert(c, a, arg, e);
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
  for (int i = 0; i < 2; i++) {
    struct vehicle *x = &v[i];
    vehicle_init(x);
    x->tenant_id = t[i].id;
    x->make = "Skoda";
    x->model = "Octavia";
    x->variant = "Combi";
    x->body = BODY_ESTATE;
    x->condition = COND_USED;
    x->first_reg = 2021 * 12;
    x->mileage_km = 50000;
    x->power_kw = 110;
    x->fuel = FUEL_DIESEL;
    x->gearbox = GEARBOX_MANUAL;
    x->drive = DRIVE_FRONT;
    x->colour = COLOUR_GREY;
    x->price_cents = 1999000;
    x->vat_mode = VAT_SHOWN;
    x->status = STATUS_PUBLISHED;
    cr_assert_eq(db_tx(d, x->tenant_id, DB_WRITE, tx_vehicle, x, &e), 0, "%s", e.msg);
  }
  rls = db_backend(d) == DB_PG && db_use_role(d, "cc24_app", &e) == 0;
  if (db_backend(d) == DB_PG)
    cr_assert(rls, "the application role cc24_app must be usable: %s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(retention, .init = setup, .fini = teardown);

/* ---- helpers ---- */

struct ins {
  struct lead l;
  int64_t created_at;
  const char *status;
};

static int tx_insert(db_conn *c, void *arg, struct err *e)
{
  return lead_store_insert(c, &((struct ins *)arg)->l, e);
}

/* the dealer backdates (and maybe closes) its own lead */
static int tx_backdate(db_conn *c, void *arg, struct err *e)
{
  struct ins *x = arg;
  return db_exec(c, "UPDATE leads SET created_at = $1, status = $2 WHERE public_id = $3",
                 DB_PARAMS(db_i64(x->created_at), db_text(x->status ? x->status : "new"),
                           db_text(x->l.public_id)),
                 e) == 1
             ? 0
             : -1;
}

/* A lead from the public site for dealer `tenant`, created `age` seconds before now. */
static struct ins lead_aged(int tenant, int64_t now, int64_t age, const char *name,
                            const char *status)
{
  struct ins in;
  memset(&in, 0, sizeof in);
  lead_init(&in.l);
  in.l.tenant_id = t[tenant].id;
  in.l.vehicle_id = v[tenant].id;
  in.l.kind = LEAD_TEST_DRIVE;
  in.l.name = name;
  in.l.email = "kunde@example.de";
  in.l.phone = "+49 171 1234567";
  in.l.message = "Ist der Wagen noch da?";
  in.l.preferred_date = "2025-05-02";
  in.l.privacy_notice = "lead-notice-2025-01/12m";
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert, &in, &e), 0, "%s", e.msg);
  in.created_at = now - age;
  in.status = status;
  cr_assert_eq(db_tx(d, t[tenant].id, DB_WRITE, tx_backdate, &in, &e), 0, "%s", e.msg);
  return in;
}

struct mail {
  int64_t tenant_id, created_at;
};

static int tx_mail(db_conn *c, void *arg, struct err *e)
{
  struct mail *m = arg;
  return db_exec(c,
                 "INSERT INTO outbox (tenant_id, recipient, subject, body, created_at)"
                 " VALUES ($1, 'haendler@example.de', 'Neue Anfrage', 'Name: Erika', $2)",
                 DB_PARAMS(db_i64(m->tenant_id), db_i64(m->created_at)), e) < 0
             ? -1
             : 0;
}

static void mail_aged(int tenant, int64_t now, int64_t age)
{
  struct mail m = {t[tenant].id, now - age};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_WRITE, tx_mail, &m, &e), 0, "%s", e.msg);
}

struct get {
  int64_t tenant;
  const char *id;
  struct lead l;
  int rc;
};

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct get *x = arg;
  x->rc = lead_store_get(c, a, x->tenant, x->id, &x->l, e);
  return x->rc < 0 ? -1 : 0;
}

static struct lead reread(int tenant, const struct ins *in)
{
  struct get g = {.tenant = t[tenant].id, .id = in->l.public_id};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_READ, tx_get, &g, &e), 0, "%s", e.msg);
  cr_assert_eq(g.rc, 1, "lead %s is still there", in->l.public_id);
  return g.l;
}

static void expect_anonymised(const struct lead *l, const struct ins *in, int64_t now)
{
  cr_expect_str_eq(l->name, "");
  cr_expect_str_eq(l->email, "");
  cr_expect_str_eq(l->phone, "");
  cr_expect_str_eq(l->message, "");
  cr_expect_eq(l->anonymised_at, now);
  /* what statistics and proof need stays */
  cr_expect_eq(l->kind, LEAD_TEST_DRIVE);
  cr_expect_eq(l->vehicle_id, in->l.vehicle_id);
  cr_expect_eq(l->created_at, in->created_at);
  cr_expect_str_eq(l->preferred_date, "2025-05-02");
  cr_expect_str_eq(l->privacy_notice, "lead-notice-2025-01/12m");
}

static void expect_kept(const struct lead *l, const char *name)
{
  cr_expect_str_eq(l->name, name);
  cr_expect_str_eq(l->email, "kunde@example.de");
  cr_expect_str_eq(l->phone, "+49 171 1234567");
  cr_expect_str_eq(l->message, "Ist der Wagen noch da?");
  cr_expect_eq(l->anonymised_at, 0);
}

struct q {
  const char *sql;
  int64_t tenant, n;
};

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct q *x = arg;
  return db_query_one(c, NULL, x->sql, DB_PARAMS(db_i64(x->tenant)), DB_ROW(db_out_i64(&x->n)),
                      e) == 1
             ? 0
             : -1;
}

/* COUNT(*) of sql ($1 = the dealer) inside that dealer's transaction */
static int64_t count(int tenant, const char *sql)
{
  struct q x = {sql, t[tenant].id, -1};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_READ, tx_count, &x, &e), 0, "%s: %s", sql, e.msg);
  return x.n;
}

static int64_t log_rows(int tenant, const char *kind)
{
  return count(tenant, arena_printf(a,
                                    "SELECT COALESCE(SUM(row_count), 0) FROM retention_log"
                                    " WHERE tenant_id = $1 AND kind = '%s'",
                                    kind));
}

struct logq {
  int64_t tenant;
  struct retention_entry *out;
  int n;
  int64_t last;
};

static int tx_log(db_conn *c, void *arg, struct err *e)
{
  struct logq *x = arg;
  return retention_log_list(c, a, x->tenant, 10, &x->out, &x->n, &x->last, e);
}

static struct logq log_of(int tenant)
{
  struct logq x = {.tenant = t[tenant].id};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_READ, tx_log, &x, &e), 0, "%s", e.msg);
  return x;
}

/* ---- the period ---- */

Test(retention, cutoff_counts_calendar_months)
{
  struct {
    const char *now, *cutoff;
    int months;
  } cases[] = {
      {"2026-06-15T10:30:00Z", "2025-06-15T10:30:00Z", 12},
      {"2026-03-31T08:00:00Z", "2026-02-28T08:00:00Z", 1},  /* shorter month: its last day */
      {"2024-02-29T00:00:00Z", "2023-02-28T00:00:00Z", 12}, /* leap day */
      {"2024-03-31T23:59:59Z", "2024-02-29T23:59:59Z", 1},
      {"2026-01-15T12:00:00Z", "2024-12-15T12:00:00Z", 13}, /* across two year ends */
      {"2026-01-15T12:00:00Z", "2025-12-15T12:00:00Z", 0},  /* 0 counts as 1 */
      {"2026-01-15T12:00:00Z", "2016-01-15T12:00:00Z", 120},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t now, want;
    cr_assert_eq(time_parse_iso(cases[i].now, &now), 0);
    cr_assert_eq(time_parse_iso(cases[i].cutoff, &want), 0);
    cr_expect_eq(lead_retention_cutoff(now, cases[i].months), want, "%s minus %d months",
                 cases[i].now, cases[i].months);
  }
  /* before 1970 and far ahead: no crash, still monotonic */
  cr_expect_lt(lead_retention_cutoff(-5, 12), -5);
  cr_expect_lt(lead_retention_cutoff(4102444800LL, 120), 4102444800LL);
}

Test(retention, months_come_from_the_setting)
{
  cr_expect_eq(lead_retention_months(), 12, "default");
  cr_assert_eq(config_set("lead-retention-months", "7"), 0);
  cr_expect_eq(lead_retention_months(), 7);
  cr_expect_str_eq(lead_retention_notice(a), LEAD_PRIVACY_NOTICE "/7m");
  cr_expect_lt(config_set("lead-retention-months", "0"), 0, "at least one month");
  cr_expect_lt(config_set("lead-retention-months", "121"), 0, "at most ten years");
  cr_expect_lt(config_set("lead-retention-months", "zwölf"), 0);
  cr_expect_eq(lead_retention_months(), 7, "a refused value changes nothing");
  config_set("lead-retention-months", "12");
}

/* ---- the store ---- */

Test(retention, old_leads_without_a_sale_are_anonymised_per_dealer)
{
  int64_t now = time_now();
  struct ins a_old = lead_aged(0, now, 13 * MONTH, "Alt A", NULL);
  struct ins a_new = lead_aged(0, now, 11 * MONTH, "Neu A", NULL);
  struct ins a_won = lead_aged(0, now, 20 * MONTH, "Gekauft A", LEAD_STATUS_WON);
  struct ins b_old = lead_aged(1, now, 400 * DAY, "Alt B", NULL);
  struct ins b_new = lead_aged(1, now, 1 * DAY, "Neu B", NULL);
  mail_aged(0, now, 13 * MONTH);
  mail_aged(0, now, 2 * DAY);
  mail_aged(1, now, 2 * DAY);

  struct lead_retention_stats st;
  struct err e = {0};
  cr_assert_eq(lead_retention_run(d, now, 12, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.tenants, 2);
  cr_expect_eq(st.leads, 2, "A's and B's old lead");
  cr_expect_eq(st.outbox, 1, "A's old notification");

  struct lead l = reread(0, &a_old);
  expect_anonymised(&l, &a_old, now);
  l = reread(1, &b_old);
  expect_anonymised(&l, &b_old, now);
  l = reread(0, &a_new);
  expect_kept(&l, "Neu A");
  l = reread(1, &b_new);
  expect_kept(&l, "Neu B");
  l = reread(0, &a_won);
  expect_kept(&l, "Gekauft A");
  cr_expect_str_eq(l.status, LEAD_STATUS_WON, "a won lead keeps its data (sale retention)");
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1"), 1);
  cr_expect_eq(count(1, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1"), 1);
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM leads WHERE tenant_id = $1"), 3, "rows stay");

  /* the log: one row per dealer and kind, with this run's time and cutoff */
  int64_t cutoff = lead_retention_cutoff(now, 12);
  for (int i = 0; i < 2; i++) {
    cr_expect_eq(count(i, arena_printf(a,
                                       "SELECT COUNT(*) FROM retention_log WHERE tenant_id = $1"
                                       " AND ran_at = %lld AND cutoff = %lld",
                                       (long long)now, (long long)cutoff)),
                 2, "dealer %d: leads and outbox", i);
  }
  cr_expect_eq(log_rows(0, "leads"), 1);
  cr_expect_eq(log_rows(0, "outbox"), 1);
  cr_expect_eq(log_rows(1, "leads"), 1);
  cr_expect_eq(log_rows(1, "outbox"), 0);
  struct logq la = log_of(0), lb = log_of(1);
  cr_expect_eq(la.last, now);
  cr_expect_eq(la.n, 2, "what was cleared");
  cr_expect_eq(lb.n, 1, "a kind with nothing cleared is not listed");
  cr_assert_geq(lb.n, 1);
  cr_expect_str_eq(lb.out[0].kind, "leads");
  cr_expect_eq(lb.out[0].rows, 1);
  cr_expect_eq(lb.out[0].cutoff, cutoff);

  /* a second run (a minute later) finds nothing new and says so */
  cr_assert_eq(lead_retention_run(d, now + 60, 12, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.leads, 0);
  cr_expect_eq(st.outbox, 0);
  l = reread(0, &a_old);
  cr_expect_eq(l.anonymised_at, now, "the first anonymisation time stays");
  cr_expect_eq(log_rows(0, "leads"), 1);
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM retention_log WHERE tenant_id = $1"), 4);
  la = log_of(0);
  cr_expect_eq(la.last, now + 60, "the dashboard shows the latest check");
  cr_expect_eq(la.n, 2, "zero runs are not listed");

  /* a shorter period reaches the newer lead too */
  cr_assert_eq(lead_retention_run(d, now + 120, 6, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.leads, 1, "A's 11-month-old lead");
  l = reread(0, &a_new);
  expect_anonymised(&l, &a_new, now + 120);
  l = reread(1, &b_new);
  expect_kept(&l, "Neu B");
}

struct one {
  int64_t tenant_id, now;
  struct lead_retention_stats st;
};

static int tx_one(db_conn *c, void *arg, struct err *e)
{
  struct one *x = arg;
  return lead_retention_tenant(c, x->tenant_id, x->now, 12, &x->st, e);
}

Test(retention, one_dealer_never_touches_another)
{
  int64_t now = time_now();
  struct ins a_old = lead_aged(0, now, 13 * MONTH, "Alt A", NULL);
  struct ins b_old = lead_aged(1, now, 13 * MONTH, "Alt B", NULL);
  mail_aged(1, now, 13 * MONTH);
  struct err e = {0};
  struct one x = {.tenant_id = t[0].id, .now = now};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_one, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.st.leads, 1);
  cr_expect_eq(x.st.outbox, 0, "B's mail is not A's");
  struct lead l = reread(0, &a_old);
  expect_anonymised(&l, &a_old, now);
  l = reread(1, &b_old);
  expect_kept(&l, "Alt B");
  cr_expect_eq(count(1, "SELECT COUNT(*) FROM retention_log WHERE tenant_id = $1"), 0);
  cr_expect_eq(count(1, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1"), 1);
  /* with row-level security, B's work inside A's transaction cannot touch B's rows
   * and cannot write B's log (refused, so the transaction rolls back) */
  if (rls) {
    struct one y = {.tenant_id = t[1].id, .now = now};
    cr_expect_lt(db_tx(d, t[0].id, DB_WRITE, tx_one, &y, &e), 0, "RLS refuses B's log in A's tx");
    l = reread(1, &b_old);
    expect_kept(&l, "Alt B");
    cr_expect_eq(count(1, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1"), 1);
  }
  /* a dealer sees only its own log */
  cr_expect_eq(
      count(0, "SELECT COUNT(*) FROM retention_log WHERE tenant_id >= 0 OR tenant_id = $1"), 2);
  if (rls)
    cr_expect_eq(
        count(1, "SELECT COUNT(*) FROM retention_log WHERE tenant_id >= 0 OR tenant_id = $1"), 0);
}

Test(retention, no_leads_still_logs_the_check)
{
  struct lead_retention_stats st;
  struct err e = {0};
  cr_assert_eq(lead_retention_run(d, time_now(), 12, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.tenants, 2);
  cr_expect_eq(st.leads + st.outbox, 0);
  struct logq la = log_of(0);
  cr_expect_eq(la.n, 0);
  cr_expect_gt(la.last, 0);
}

/* ---- the job ---- */

Test(retention, the_job_runs_and_queues_its_successor)
{
  int64_t now = time_now();
  struct ins a_old = lead_aged(0, now, 13 * MONTH, "Alt A", NULL);
  struct err e = {0};
  lead_retention_register();
  cr_assert_eq(lead_retention_schedule(d, &e), 0, "%s", e.msg);
  cr_assert_eq(lead_retention_schedule(d, &e), 0, "%s", e.msg); /* a second start: no twin */
  struct jobs_depth dp;
  cr_assert_eq(jobs_queue_depth(d, &dp, &e), 0, "%s", e.msg);
  cr_expect_eq(dp.queued, 1);
  cr_assert_eq(jobs_run_one(d, "w", time_now(), &e), 1, "%s", e.msg);
  struct lead l = reread(0, &a_old);
  cr_expect_str_eq(l.name, "");
  cr_expect_gt(l.anonymised_at, 0);
  cr_expect_eq(log_rows(0, "leads"), 1);
  cr_assert_eq(jobs_queue_depth(d, &dp, &e), 0, "%s", e.msg);
  cr_expect_eq(dp.done, 1);
  cr_expect_eq(dp.queued, 1, "tomorrow's run");
  cr_expect_eq(jobs_run_one(d, "w", time_now(), &e), 0, "not due before tomorrow");
  cr_expect_eq(jobs_run_one(d, "w", time_now() + LEAD_RETENTION_INTERVAL + 5, &e), 1);
  cr_expect_eq(log_rows(0, "leads"), 1, "nothing new the next day");
}

struct booked {
  struct ins *lead;
  int64_t start;
};

/* a test drive booked with the lead (testdrive/): the dealer's own insert */
static int tx_drive(db_conn *c, void *arg, struct err *e)
{
  struct booked *x = arg;
  char id[ID_LEN + 1];
  id_new(id);
  return db_exec(c,
                 "INSERT INTO test_drives (public_id, tenant_id, vehicle_id, lead_public_id,"
                 " slot_start, slot_end, name, email, phone, sms_consent, created_at)"
                 " VALUES ($1, $2, $3, $4, $5, $7, $6, 'kunde@example.de',"
                 " '+49 171 1234567', 1, 0)",
                 DB_PARAMS(db_text(id), db_i64(x->lead->l.tenant_id), db_i64(x->lead->l.vehicle_id),
                           db_text(x->lead->l.public_id), db_i64(x->start),
                           db_text(x->lead->l.name), db_i64(x->start + 2700)),
                 e) == 1
             ? 0
             : -1;
}

Test(retention, a_test_drive_loses_the_person_with_its_lead)
{
  int64_t now = time_now();
  struct ins old = lead_aged(0, now, 13 * MONTH, "Alt A", NULL);
  struct ins recent = lead_aged(0, now, 1 * MONTH, "Neu A", NULL);
  struct booked d1 = {&old, now - 13 * MONTH + DAY}, d2 = {&recent, now - MONTH + DAY};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_drive, &d1, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_drive, &d2, &e), 0, "%s", e.msg);
  struct lead_retention_stats st;
  cr_assert_eq(lead_retention_run(d, now, 12, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM test_drives WHERE tenant_id = $1 AND name = ''"
                        " AND email = '' AND phone = '' AND sms_consent = 0"),
               1, "the old booking is anonymised");
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM test_drives WHERE tenant_id = $1"
                        " AND name = 'Neu A'"),
               1, "the recent one is kept");
  cr_expect_eq(count(0, "SELECT COUNT(*) FROM test_drives WHERE tenant_id = $1"), 2,
               "rows stay (time and vehicle)");
}
