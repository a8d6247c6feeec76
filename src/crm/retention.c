/* retention.c — anonymising old leads, the retention log, the daily job (see
 * retention.h). */
#include "crm/retention.h"

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "jobs/jobs.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <string.h>

int lead_retention_months(void)
{
  int m = cfg.lead_retention_months;
  return m < 1 ? 1 : m > 120 ? 120 : m;
}

int64_t lead_retention_cutoff(int64_t now, int months)
{
  if (months < 1)
    months = 1;
  int64_t days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
  int64_t secs = now - days * 86400;
  int y, m, d;
  time_civil_from_days(days, &y, &m, &d);
  int64_t ym = (int64_t)y * 12 + (m - 1) - months;
  int ny = (int)(ym >= 0 ? ym / 12 : (ym - 11) / 12);
  int nm = (int)(ym - (int64_t)ny * 12) + 1;
  /* the target month's length: from its first day to the first of the next */
  int64_t first_next =
      nm == 12 ? time_days_from_civil(ny + 1, 1, 1) : time_days_from_civil(ny, nm + 1, 1);
  int64_t len = first_next - time_days_from_civil(ny, nm, 1);
  if (d > len)
    d = (int)len;
  return time_days_from_civil(ny, nm, d) * 86400 + secs;
}

const char *lead_retention_text(struct arena *a, const char *locale, const char *key)
{
  int months = lead_retention_months();
  const char *text = i18n_get(locale, key);
  const char *period = i18n_get(locale, months == 1 ? "crm.period_one" : "crm.period_many");
  const char *n = strstr(period, "{n}");
  if (n)
    period = arena_printf(a, "%.*s%d%s", (int)(n - period), period, months, n + 3);
  const char *p = strstr(text, "{period}");
  if (!p)
    return text;
  return arena_printf(a, "%.*s%s%s", (int)(p - text), text, period, p + strlen("{period}"));
}

const char *lead_retention_notice(struct arena *a)
{
  return arena_printf(a, "%s/%dm", LEAD_PRIVACY_NOTICE, lead_retention_months());
}

static int log_row(db_conn *c, int64_t tenant_id, int64_t now, const char *kind, int64_t rows,
                   int64_t cutoff, struct err *e)
{
  return db_exec(
             c,
             "INSERT INTO retention_log (tenant_id, ran_at, kind, row_count, cutoff)"
             " VALUES ($1, $2, $3, $4, $5)",
             DB_PARAMS(db_i64(tenant_id), db_i64(now), db_text(kind), db_i64(rows), db_i64(cutoff)),
             e) < 0
             ? -1
             : 0;
}

int lead_anonymise(db_conn *c, int64_t tenant_id, int64_t now, int64_t before, const char *email,
                   struct err *e)
{
  /* name is NOT NULL: "" is the marker; the dashboard shows anonymised_at instead */
  int leads = db_exec(c,
                      "UPDATE leads SET name = '', email = '', phone = '', message = '',"
                      " anonymised_at = $3 WHERE tenant_id = $1 AND created_at < $2"
                      " AND anonymised_at = 0 AND status <> $4 AND ($5 = '' OR lower(email) = $5)",
                      DB_PARAMS(db_i64(tenant_id), db_i64(before), db_i64(now),
                                db_text(LEAD_STATUS_WON), db_text(email ? email : "")),
                      e);
  if (leads < 0)
    return -1;
  /* what lead management holds about those people: the timeline of an anonymised lead
   * (notes and mails may name them), and a contact none of whose leads is left */
  if (db_exec(c,
              "DELETE FROM lead_activities WHERE tenant_id = $1 AND lead_id IN"
              " (SELECT id FROM leads WHERE tenant_id = $1 AND anonymised_at > 0)",
              DB_PARAMS(db_i64(tenant_id)), e) < 0 ||
      db_exec(c,
              "UPDATE contacts SET name = '', email = '', phone = '', phone_key = ''"
              " WHERE tenant_id = $1 AND (name <> '' OR email <> '' OR phone <> '')"
              " AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.contact_id = contacts.id"
              " AND l.anonymised_at = 0)",
              DB_PARAMS(db_i64(tenant_id)), e) < 0 ||
      /* a test drive booked with an anonymised lead (testdrive/, migration 0017) keeps its
       * time and vehicle for the dealer's statistics, not the person */
      db_exec(c,
              "UPDATE test_drives SET name = '', email = '', phone = '', sms_consent = 0"
              " WHERE tenant_id = $1 AND (name <> '' OR email <> '' OR phone <> '')"
              " AND lead_public_id IN (SELECT public_id FROM leads WHERE tenant_id = $1"
              " AND anonymised_at > 0)",
              DB_PARAMS(db_i64(tenant_id)), e) < 0 ||
      /* the processing records of those leads stay as proof, without the address
       * (privacy/consent.h, migration 0021) */
      db_exec(c,
              "UPDATE processing_records SET email = '' WHERE tenant_id = $1 AND email <> ''"
              " AND reference IN (SELECT public_id FROM leads WHERE tenant_id = $1"
              " AND anonymised_at > 0)",
              DB_PARAMS(db_i64(tenant_id)), e) < 0)
    return -1;
  return leads;
}

int lead_retention_tenant(db_conn *c, int64_t tenant_id, int64_t now, int months,
                          struct lead_retention_stats *st, struct err *e)
{
  int64_t cutoff = lead_retention_cutoff(now, months);
  int leads = lead_anonymise(c, tenant_id, now, cutoff, NULL, e);
  if (leads < 0)
    return -1;
  /* the enquiry's mails to the dealer and the buyer's receipt (and the dealer's other
   * mails of that age, sent or dead long ago); never one a worker is sending right now */
  int outbox = db_exec(c,
                       "DELETE FROM outbox WHERE tenant_id = $1 AND created_at < $2"
                       " AND state <> 'sending'",
                       DB_PARAMS(db_i64(tenant_id), db_i64(cutoff)), e);
  if (outbox < 0)
    return -1;
  if (log_row(c, tenant_id, now, "leads", leads, cutoff, e) < 0 ||
      log_row(c, tenant_id, now, "outbox", outbox, cutoff, e) < 0)
    return -1;
  st->tenants++;
  st->leads += leads;
  st->outbox += outbox;
  return 0;
}

struct run_arg {
  struct arena *a;
  int64_t now, tenant_id;
  int months;
  struct tenant *tenants;
  int ntenants;
  struct lead_retention_stats st;
};

static int tx_tenants(db_conn *c, void *arg, struct err *e)
{
  struct run_arg *x = arg;
  return tenant_store_list(c, x->a, &x->tenants, &x->ntenants, e);
}

static int tx_tenant(db_conn *c, void *arg, struct err *e)
{
  struct run_arg *x = arg;
  return lead_retention_tenant(c, x->tenant_id, x->now, x->months, &x->st, e);
}

int lead_retention_run(db *d, int64_t now, int months, struct lead_retention_stats *st,
                       struct err *e)
{
  *st = (struct lead_retention_stats){0};
  struct run_arg x = {.a = arena_new(0), .now = now, .months = months};
  if (db_tx(d, 0, DB_READ, tx_tenants, &x, e) < 0) {
    arena_free(x.a);
    return -1;
  }
  int failed = 0;
  for (int i = 0; i < x.ntenants; i++) {
    /* the dealer's own transaction: a failure leaves its rows as they were, and the
     * other dealers still get their turn */
    struct err te = {0};
    struct lead_retention_stats before = x.st;
    x.tenant_id = x.tenants[i].id;
    if (db_tx(d, x.tenant_id, DB_WRITE, tx_tenant, &x, &te) < 0) {
      x.st = before;
      log_warn("retention: dealer %lld: %s", (long long)x.tenant_id, te.msg);
      if (!failed++ && e)
        *e = te;
    }
  }
  *st = x.st;
  arena_free(x.a);
  return failed ? -1 : 0;
}

int retention_log_list(db_conn *c, struct arena *a, int64_t tenant_id, int max,
                       struct retention_entry **out, int *n, int64_t *last_run, struct err *e)
{
  *out = NULL;
  *n = 0;
  *last_run = 0;
  if (max < 1 || max > 100)
    max = 10;
  if (db_query_one(c, a, "SELECT COALESCE(MAX(ran_at), 0) FROM retention_log WHERE tenant_id = $1",
                   DB_PARAMS(db_i64(tenant_id)), DB_ROW(db_out_i64(last_run)), e) < 0)
    return -1;
  db_stmt *st = db_query(c,
                         "SELECT ran_at, kind, row_count, cutoff FROM retention_log"
                         " WHERE tenant_id = $1 AND row_count > 0"
                         " ORDER BY ran_at DESC, id DESC LIMIT $2",
                         DB_PARAMS(db_i64(tenant_id), db_i64(max)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, (size_t)max, sizeof **out);
  struct retention_entry r;
  int rc;
  while (memset(&r, 0, sizeof r),
         (rc = db_next(st, a,
                       DB_ROW(db_out_i64(&r.ran_at), db_out_text((char **)&r.kind),
                              db_out_i64(&r.rows), db_out_i64(&r.cutoff)),
                       e)) > 0)
    (*out)[(*n)++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ---- the job ---- */

struct next_arg {
  int64_t run_at, except;
};

static int tx_next(db_conn *c, void *arg, struct err *e)
{
  struct next_arg *x = arg;
  return jobs_schedule_single(c, LEAD_RETENTION_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_retention(struct job_ctx *job, struct err *e)
{
  int64_t now = time_now();
  /* the successor first: a run that keeps failing until it is dead must not end the
   * chain (its retries find the successor queued and add none) */
  struct next_arg x = {.run_at = now + LEAD_RETENTION_INTERVAL, .except = job->id};
  if (db_tx(job->db, 0, DB_WRITE, tx_next, &x, e) < 0)
    return -1;
  struct lead_retention_stats st;
  int rc = lead_retention_run(job->db, now, lead_retention_months(), &st, e);
  if (st.leads || st.outbox)
    log_info("retention: %lld leads anonymised, %lld outbox mails deleted (%lld dealers,"
             " %d months)",
             (long long)st.leads, (long long)st.outbox, (long long)st.tenants,
             lead_retention_months());
  return rc; /* -1: retried with backoff; dealers already done find nothing new */
}

void lead_retention_register(void)
{
  jobs_register(LEAD_RETENTION_KIND, job_retention);
}

int lead_retention_schedule(db *d, struct err *e)
{
  struct next_arg x = {.run_at = 0, .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_next, &x, e);
}
