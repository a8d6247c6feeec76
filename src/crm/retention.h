/* retention.h — GDPR storage limitation (Art. 5 (1)(e)) for leads: a daily job
 * ("crm.retention", in `serve` and `cc24 worker`) anonymises every lead older than the
 * retention period (setting lead-retention-months, default 12) that did not end in a
 * sale (status LEAD_STATUS_WON, see lead.h): name, e-mail, phone and message become
 * "", the row keeps kind, vehicle, dates and the privacy notice version, so statistics
 * remain and the dealer can still prove what the buyer was told. The copy of an
 * enquiry in the dealer's mail queue goes too: outbox mails of the dealer older than
 * the period are deleted.
 *
 * The job works dealer by dealer, one transaction each with that dealer set (on
 * PostgreSQL row-level security keeps every statement inside it), and writes one
 * retention_log row per dealer, run and kind of data ("leads", "outbox"), which the
 * dealer sees on the lead page.
 *
 * The period is stated in one place: lead_retention_months(). The privacy page, the
 * enquiry form's notice and the dashboard render it through lead_retention_text(). */
#ifndef CC24_CRM_RETENTION_H
#define CC24_CRM_RETENTION_H

#include "core/err.h"
#include "db/db.h"

#include <stdint.h>

struct arena;

#define LEAD_RETENTION_KIND     "crm.retention"
#define LEAD_RETENTION_INTERVAL 86400 /* seconds between runs */

/* The retention period in months (cfg.lead_retention_months, clamped to 1..120). */
int lead_retention_months(void);

/* The instant `months` calendar months before now (UTC; the day of month clamped to
 * the shorter month: 31 March minus one month is 28/29 February, same time of day).
 * Leads created before it are due. months < 1 counts as 1. */
int64_t lead_retention_cutoff(int64_t now, int months);

/* The catalog text key in locale with "{period}" replaced by the retention period in
 * words ("12 Monaten" / "12 months", the singular for one month; catalog keys
 * crm.period_one and crm.period_many). In arena a. */
const char *lead_retention_text(struct arena *a, const char *locale, const char *key);

/* LEAD_PRIVACY_NOTICE with the period the form states: "lead-notice-2026-02/12m" —
 * what a lead stores, since the period is a setting, not part of the text. In a. */
const char *lead_retention_notice(struct arena *a);

struct lead_retention_stats {
  int64_t tenants; /* dealers looked at */
  int64_t leads;   /* leads anonymised */
  int64_t outbox;  /* outbox mails deleted */
};

/* The one way a lead is anonymised (the retention job and an erasure request, see
 * privacy/privacy.h), inside the dealer's transaction: every lead of tenant_id created
 * before `before`, not yet anonymised and not won, of the address email (lower-case;
 * NULL = any), loses name, e-mail, phone and message (anonymised_at = now); then the
 * timeline of the dealer's anonymised leads is deleted and every contact of the dealer
 * left without a lead that is not anonymised is cleared. The number of leads
 * anonymised, or -1. */
int lead_anonymise(db_conn *c, int64_t tenant_id, int64_t now, int64_t before, const char *email,
                   struct err *e);

/* One dealer, inside the caller's transaction (which must be set to that dealer): clear
 * what was created before lead_retention_cutoff(now, months) and write the log rows
 * (ran_at = now). Adds to *st. 0 or -1. */
int lead_retention_tenant(db_conn *c, int64_t tenant_id, int64_t now, int months,
                          struct lead_retention_stats *st, struct err *e);

/* Every dealer, one transaction each. A dealer that fails is logged and skipped; the
 * result is -1 (with e of the first failure) when any failed, so the job retries. */
int lead_retention_run(db *d, int64_t now, int months, struct lead_retention_stats *st,
                       struct err *e);

/* One retention_log row. */
struct retention_entry {
  int64_t ran_at;
  const char *kind; /* "leads" or "outbox" */
  int64_t rows;
  int64_t cutoff;
};

/* The dealer's newest log rows that cleared something (rows > 0), at most max, newest
 * first, into an arena array; *last_run is the time of the newest run at all (0 =
 * never). 0 or -1. */
int retention_log_list(db_conn *c, struct arena *a, int64_t tenant_id, int max,
                       struct retention_entry **out, int *n, int64_t *last_run, struct err *e);

/* Register the job handler (before the workers start) and queue the first run unless
 * one is queued or running. */
void lead_retention_register(void);
int lead_retention_schedule(db *d, struct err *e);

#endif
