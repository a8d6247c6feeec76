/* reminders.c — see reminders.h. */
#include "crm/reminders.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <stdio.h>
#include <string.h>

int64_t crm_reminders_next(int64_t now)
{
  /* crm_day_end: the next Berlin midnight; 07:00 is 7 h after a midnight (no DST change
     happens between 00:00 and 07:00 except at 02:00/03:00, which the offset absorbs) */
  int64_t midnight = crm_day_end(now);
  int64_t today = midnight - 86400;
  int64_t at = today + 7 * 3600;
  /* local 07:00 of today, corrected when the offset differs between midnight and 07:00 */
  at += time_berlin_offset(today) - time_berlin_offset(at);
  if (at > now)
    return at;
  int64_t next = midnight + 7 * 3600;
  return next + time_berlin_offset(midnight) - time_berlin_offset(next);
}

struct due {
  int64_t user;
  char *email, *uname, *lead, *name, *vehicle;
  int64_t at;
};

struct tenant_arg {
  struct arena *a;
  int64_t tenant_id, now;
  int mails;
  struct tenant *tenants;
  int ntenants;
};

static int tx_tenants(db_conn *c, void *arg, struct err *e)
{
  struct tenant_arg *x = arg;
  return tenant_store_list(c, x->a, &x->tenants, &x->ntenants, e);
}

static int send_one(db_conn *c, struct tenant_arg *x, const struct due *rows, int n, struct err *e)
{
  /* the users' language is not stored: German, the dashboard's default */
  const char *loc = "de";
  struct buf b;
  buf_init(&b, x->a);
  buf_printf(&b, "%s %s,\n\n%s\n\n", i18n_get(loc, "mail.lead_confirm_hello"), rows[0].uname,
             i18n_get(loc, "reminders.intro"));
  for (int i = 0; i < n; i++) {
    char when[32];
    time_berlin_datetime(rows[i].at, when, sizeof when);
    buf_printf(&b, "- %s · %s%s%s\n  %s/dashboard/anfragen/%s\n", when, rows[i].name,
               *rows[i].vehicle ? " · " : "", rows[i].vehicle, cfg.base_url, rows[i].lead);
  }
  buf_printf(&b, "\n%s\n%s/dashboard/anfragen?zeige=faellig&wer=ich\n",
             i18n_get(loc, "reminders.all"), cfg.base_url);
  struct mail m = {.tenant_id = x->tenant_id,
                   .to = rows[0].email,
                   .locale = loc,
                   .kind = "crm.reminder",
                   .subject = arena_printf(x->a, "%s: %d", i18n_get(loc, "reminders.subject"), n),
                   .text = buf_cstr(&b)};
  if (mail_queue(c, &m, e) < 0)
    return -1;
  x->mails++;
  return 0;
}

static int tx_tenant(db_conn *c, void *arg, struct err *e)
{
  struct tenant_arg *x = arg;
  db_stmt *st = db_query(
      c,
      "SELECT l.assignee_id, u.email, CASE WHEN u.name <> '' THEN u.name ELSE u.email END,"
      " l.public_id, l.name, COALESCE(v.make || ' ' || v.model || ' ' || v.variant, ''),"
      " l.follow_up_at FROM leads l JOIN users u ON u.id = l.assignee_id AND u.tenant_id ="
      " l.tenant_id LEFT JOIN vehicles v ON v.id = l.vehicle_id AND v.tenant_id = l.tenant_id"
      " WHERE l.tenant_id = $1 AND l.follow_up_at > 0 AND l.follow_up_at < $2"
      " AND l.status NOT IN ('done', 'lost', 'won') AND l.anonymised_at = 0 AND u.disabled = 0"
      " ORDER BY l.assignee_id, l.follow_up_at, l.id LIMIT 5000",
      DB_PARAMS(db_i64(x->tenant_id), db_i64(crm_day_end(x->now))), e);
  if (!st)
    return -1;
  struct due *rows = arena_calloc(x->a, 5000, sizeof *rows);
  int n = 0, rc;
  struct due r;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_i64(&r.user), db_out_text(&r.email), db_out_text(&r.uname),
                              db_out_text(&r.lead), db_out_text(&r.name), db_out_text(&r.vehicle),
                              db_out_i64(&r.at)),
                       e)) == 1)
    rows[n++] = r;
  db_finish(st);
  if (rc < 0)
    return -1;
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && rows[j].user == rows[i].user)
      j++;
    if (send_one(c, x, rows + i, j - i, e) < 0)
      return -1;
    i = j;
  }
  return 0;
}

int crm_reminders_run(db *d, int64_t now, int *mails, struct err *e)
{
  struct tenant_arg x = {.a = arena_new(0), .now = now};
  *mails = 0;
  if (db_tx(d, 0, DB_READ, tx_tenants, &x, e) < 0) {
    arena_free(x.a);
    return -1;
  }
  int failed = 0;
  for (int i = 0; i < x.ntenants; i++) {
    struct err te = {0};
    x.tenant_id = x.tenants[i].id;
    int before = x.mails;
    if (db_tx(d, x.tenant_id, DB_WRITE, tx_tenant, &x, &te) < 0) {
      x.mails = before;
      log_warn("reminders: dealer %lld: %s", (long long)x.tenant_id, te.msg);
      if (!failed++ && e)
        *e = te;
    }
  }
  *mails = x.mails;
  arena_free(x.a);
  return failed ? -1 : 0;
}

struct next_arg {
  int64_t run_at, except;
};

static int tx_next(db_conn *c, void *arg, struct err *e)
{
  struct next_arg *x = arg;
  return jobs_schedule_single(c, CRM_REMINDERS_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_reminders(struct job_ctx *job, struct err *e)
{
  int64_t now = time_now();
  /* the successor first (tomorrow 07:00), so a failing run never ends the chain */
  struct next_arg x = {.run_at = crm_reminders_next(now + 60), .except = job->id};
  if (db_tx(job->db, 0, DB_WRITE, tx_next, &x, e) < 0)
    return -1;
  int mails = 0;
  int rc = crm_reminders_run(job->db, now, &mails, e);
  if (mails)
    log_info("reminders: %d follow-up mails queued", mails);
  return rc;
}

void crm_reminders_register(void)
{
  jobs_register(CRM_REMINDERS_KIND, job_reminders);
}

int crm_reminders_schedule(db *d, struct err *e)
{
  struct next_arg x = {.run_at = crm_reminders_next(time_now()), .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_next, &x, e);
}
