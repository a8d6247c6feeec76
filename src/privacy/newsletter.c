/* newsletter.c — sign-up with double opt-in, confirmation, unsubscribing, the purge of
 * unconfirmed addresses and the weekly mail (see newsletter.h). */
#include "privacy/newsletter.h"

#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/retention.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "privacy/consent.h"
#include "render/i18n.h"
#include "site/site.h"
#include "tenant/tenant.h"

#include <sodium.h>
#include <string.h>

#define UNSUB_KEY "newsletter-unsubscribe"

static const char *lang_q(const char *loc, char sep)
{
  return strcmp(loc, "en") ? "" : sep == '?' ? "?lang=en" : "&lang=en";
}

/* ---- sign-up ---- */

static int mail_link(db_conn *c, struct arena *a, const struct tenant *t, const char *email,
                     const char *loc, const char *token, struct err *e)
{
  const char *url = arena_printf(a, "%s/haendler/%s/newsletter/bestaetigen?t=%s%s", cfg.base_url,
                                 t->slug, token, lang_q(loc, '&'));
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "%s\n\n%s %s.\n\n%s\n\n%s\n\n%s\n", i18n_get(loc, "newsletter.mail_hello"),
             i18n_get(loc, "newsletter.mail_text"), t->name, i18n_get(loc, "newsletter.mail_link"),
             url, i18n_get(loc, "newsletter.mail_ignore"));
  struct mail m = {
      .tenant_id = t->id,
      .to = email,
      .locale = loc,
      .kind = "newsletter.confirm",
      .subject = arena_printf(a, "%s %s", i18n_get(loc, "newsletter.mail_subject"), t->name),
      .text = buf_cstr(&b),
      .reply_to = t->email,
  };
  return mail_queue(c, &m, e);
}

int newsletter_subscribe(db_conn *c, struct arena *a, const struct tenant *t,
                         const struct newsletter_signup *s, int64_t now, int *mailed, struct err *e)
{
  *mailed = 0;
  const char *loc = s->locale && !strcmp(s->locale, "en") ? "en" : "de";
  char *status = NULL, *public_id = NULL;
  int64_t expires = 0;
  int rc =
      db_query_one(c, a,
                   "SELECT status, public_id, token_expires_at FROM newsletter_subscribers"
                   " WHERE tenant_id = $1 AND email = $2",
                   DB_PARAMS(db_i64(t->id), db_text(s->email)),
                   DB_ROW(db_out_text(&status), db_out_text(&public_id), db_out_i64(&expires)), e);
  if (rc < 0)
    return -1;
  if (rc == 1 && !strcmp(status, "confirmed"))
    return 0; /* nothing to do, and the answer does not tell */
  /* a link issued less than NEWSLETTER_RESEND ago still stands */
  if (rc == 1 && expires - NEWSLETTER_PENDING_TTL + NEWSLETTER_RESEND > now)
    return 0;
  char token[48], hash[65], id[ID_LEN + 1];
  id_token(token, sizeof token, 24);
  id_sha256_hex(token, strlen(token), hash);
  if (rc == 1) {
    memcpy(id, public_id, ID_LEN + 1);
    if (db_exec(c,
                "UPDATE newsletter_subscribers SET token_hash = $3, token_expires_at = $4,"
                " locale = $5 WHERE tenant_id = $1 AND public_id = $2 AND status = 'pending'",
                DB_PARAMS(db_i64(t->id), db_text(id), db_text(hash),
                          db_i64(now + NEWSLETTER_PENDING_TTL), db_text(loc)),
                e) < 0)
      return -1;
  } else {
    id_new(id);
    if (db_exec(c,
                "INSERT INTO newsletter_subscribers (public_id, tenant_id, email, locale, status,"
                " token_hash, token_expires_at, source, created_at)"
                " VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8)",
                DB_PARAMS(db_text(id), db_i64(t->id), db_text(s->email), db_text(loc),
                          db_text(hash), db_i64(now + NEWSLETTER_PENDING_TTL),
                          db_text(s->source ? s->source : "form"), db_i64(now)),
                e) < 0)
      return -1;
  }
  struct consent_record r = {
      .tenant_id = t->id, .form = "newsletter", .email = s->email, .reference = id, .ip = s->ip};
  if (consent_record(c, &r, s->notice, now, e) < 0 ||
      mail_link(c, a, t, s->email, loc, token, e) < 0)
    return -1;
  *mailed = 1;
  return 0;
}

struct optin_arg {
  struct arena *a;
  const struct tenant *t;
  struct newsletter_signup s;
  int mailed;
};

static int tx_optin(db_conn *c, void *arg, struct err *e)
{
  struct optin_arg *x = arg;
  return newsletter_subscribe(c, x->a, x->t, &x->s, time_now(), &x->mailed, e);
}

void newsletter_optin(db *d, struct arena *a, const struct tenant *t, const char *email,
                      const char *locale, const char *source, const char *ip)
{
  struct consent_notice n;
  consent_notice(a, locale, CONSENT_NOTICE_OPTIN, t, &n);
  struct optin_arg x = {.a = a, .t = t};
  x.s = (struct newsletter_signup){
      .email = str_lower(a, email), .locale = locale, .source = source, .ip = ip, .notice = &n};
  struct err e = {0};
  if (db_tx(d, t->id, DB_WRITE, tx_optin, &x, &e) < 0)
    log_warn("newsletter: the opt-in for dealer %lld failed: %s", (long long)t->id, e.msg);
}

/* ---- confirmation ---- */

static bool token_shape(const char *token)
{
  size_t n = token ? strlen(token) : 0;
  if (n < 16 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = token[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_'))
      return false;
  }
  return true;
}

int newsletter_token_peek(db_conn *c, int64_t tenant_id, const char *token, int64_t now,
                          struct err *e)
{
  if (!token_shape(token))
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  int64_t n = 0;
  struct arena *a = arena_new(0);
  int rc = db_query_one(c, a,
                        "SELECT count(*) FROM newsletter_subscribers WHERE tenant_id = $1"
                        " AND token_hash = $2 AND status = 'pending' AND token_expires_at > $3",
                        DB_PARAMS(db_i64(tenant_id), db_text(hash), db_i64(now)),
                        DB_ROW(db_out_i64(&n)), e);
  arena_free(a);
  return rc < 0 ? -1 : n > 0;
}

int newsletter_confirm(db_conn *c, struct arena *a, const struct tenant *t, const char *token,
                       const char *ip, int64_t now, struct err *e)
{
  if (!token_shape(token))
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  char *id = NULL, *email = NULL, *loc = NULL;
  int rc = db_query_one(c, a,
                        "SELECT public_id, email, locale FROM newsletter_subscribers"
                        " WHERE tenant_id = $1 AND token_hash = $2 AND status = 'pending'"
                        " AND token_expires_at > $3",
                        DB_PARAMS(db_i64(t->id), db_text(hash), db_i64(now)),
                        DB_ROW(db_out_text(&id), db_out_text(&email), db_out_text(&loc)), e);
  if (rc <= 0)
    return rc;
  /* single use: the hash goes with the confirmation (a concurrent second use changes
   * no row and is refused) */
  int n = db_exec(c,
                  "UPDATE newsletter_subscribers SET status = 'confirmed', token_hash = '',"
                  " token_expires_at = 0, confirmed_at = $3, sent_until = $3"
                  " WHERE tenant_id = $1 AND public_id = $2 AND status = 'pending'"
                  " AND token_hash = $4",
                  DB_PARAMS(db_i64(t->id), db_text(id), db_i64(now), db_text(hash)), e);
  if (n <= 0)
    return n;
  struct consent_notice notice;
  consent_notice(a, loc, CONSENT_NOTICE_NEWSLETTER, t, &notice);
  struct consent_record r = {
      .tenant_id = t->id, .form = "newsletter_confirm", .email = email, .reference = id, .ip = ip};
  return consent_record(c, &r, &notice, now, e) < 0 ? -1 : 1;
}

/* ---- unsubscribing ---- */

int newsletter_unsub_token(db_conn *c, const char *public_id, char *out, struct err *e)
{
  unsigned char key[BUYER_KEY_BYTES];
  if (buyer_signing_key(c, UNSUB_KEY, key, e) < 0)
    return -1;
  buyer_unsub_token(key, public_id, out);
  sodium_memzero(key, sizeof key);
  return 0;
}

int newsletter_unsubscribe(db_conn *c, struct arena *a, const struct tenant *t, const char *token,
                           const char *ip, int64_t now, struct err *e)
{
  unsigned char key[BUYER_KEY_BYTES];
  if (buyer_signing_key(c, UNSUB_KEY, key, e) < 0)
    return -1;
  char id[ID_LEN + 1];
  bool ok = buyer_unsub_check(key, token, id);
  sodium_memzero(key, sizeof key);
  if (!ok)
    return 0;
  char *email = NULL, *loc = NULL;
  int rc = db_query_one(c, a,
                        "SELECT email, locale FROM newsletter_subscribers"
                        " WHERE tenant_id = $1 AND public_id = $2",
                        DB_PARAMS(db_i64(t->id), db_text(id)),
                        DB_ROW(db_out_text(&email), db_out_text(&loc)), e);
  if (rc <= 0)
    return rc;
  if (db_exec(c, "DELETE FROM newsletter_subscribers WHERE tenant_id = $1 AND public_id = $2",
              DB_PARAMS(db_i64(t->id), db_text(id)), e) < 0)
    return -1;
  struct consent_notice notice;
  consent_notice(a, loc, CONSENT_NOTICE_NEWSLETTER, t, &notice);
  struct consent_record r = {
      .tenant_id = t->id, .form = "newsletter_withdraw", .email = email, .reference = id, .ip = ip};
  return consent_record(c, &r, &notice, now, e) < 0 ? -1 : 1;
}

int newsletter_count(db_conn *c, int64_t tenant_id, struct newsletter_counts *out, struct err *e)
{
  *out = (struct newsletter_counts){0};
  struct arena *a = arena_new(0);
  int rc = db_query_one(c, a,
                        "SELECT COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0),"
                        " COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0)"
                        " FROM newsletter_subscribers WHERE tenant_id = $1",
                        DB_PARAMS(db_i64(tenant_id)),
                        DB_ROW(db_out_i64(&out->confirmed), db_out_i64(&out->pending)), e);
  arena_free(a);
  return rc < 0 ? -1 : 0;
}

/* ---- the daily job: purge and weekly mails ---- */

struct run_arg {
  struct arena *a;
  int64_t now;
  struct tenant *tenants;
  int ntenants;
  const struct tenant *t;
  struct newsletter_stats st;
};

static int tx_tenants(db_conn *c, void *arg, struct err *e)
{
  struct run_arg *x = arg;
  return tenant_store_list(c, x->a, &x->tenants, &x->ntenants, e);
}

struct sub {
  char *public_id, *email, *locale;
  int64_t sent_until;
};

/* The weekly mail of one subscriber: the vehicles published in (since, until]. */
static int weekly(db_conn *c, struct arena *a, const struct tenant *t, const struct sub *s,
                  int64_t until, int *sent, struct err *e)
{
  *sent = 0;
  db_stmt *st = db_query(
      c,
      "SELECT public_id, make, model, variant, price_cents FROM vehicles"
      " WHERE tenant_id = $1 AND status = 'published' AND published_at > $2"
      " AND published_at <= $3 ORDER BY published_at DESC, id DESC LIMIT $4",
      DB_PARAMS(db_i64(t->id), db_i64(s->sent_until), db_i64(until), db_i64(NEWSLETTER_LIST)), e);
  if (!st)
    return -1;
  const char *loc = strcmp(s->locale, "en") ? "de" : "en";
  struct buf list;
  buf_init(&list, a);
  char *id, *make, *model, *variant;
  int64_t price;
  int rc, n = 0;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_text(&id), db_out_text(&make), db_out_text(&model),
                              db_out_text(&variant), db_out_i64(&price)),
                       e)) > 0) {
    buf_printf(&list, "• %s %s %s – %s\n  %s%s%s\n", make, model, variant, site_price(a, price),
               cfg.base_url, site_vehicle_path(a, make, model, variant, id), lang_q(loc, '?'));
    n++;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  if (n == 0)
    return 0;
  char token[BUYER_TOKEN_MAX];
  if (newsletter_unsub_token(c, s->public_id, token, e) < 0)
    return -1;
  const char *unsub = arena_printf(a, "%s/haendler/%s/newsletter/abmelden?t=%s%s", cfg.base_url,
                                   t->slug, token, lang_q(loc, '&'));
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "%s %s:\n\n%s\n%s\n%s/haendler/%s%s\n\n%s\n%s\n",
             i18n_get(loc, "newsletter.weekly_intro"), t->name, buf_cstr(&list),
             i18n_get(loc, "newsletter.weekly_all"), cfg.base_url, t->slug, lang_q(loc, '?'),
             i18n_get(loc, "newsletter.weekly_unsub"), unsub);
  struct mail m = {
      .tenant_id = t->id,
      .to = s->email,
      .locale = loc,
      .kind = "newsletter.weekly",
      .subject = arena_printf(a, "%s %s", i18n_get(loc, "newsletter.weekly_subject"), t->name),
      .text = buf_cstr(&b),
      .reply_to = t->email,
      .list_unsubscribe = unsub,
  };
  if (mail_queue(c, &m, e) < 0)
    return -1;
  *sent = 1;
  return 0;
}

static int tx_tenant(db_conn *c, void *arg, struct err *e)
{
  struct run_arg *x = arg;
  const struct tenant *t = x->t;
  /* unconfirmed addresses whose link expired: gone, with the address on their records */
  int purged = db_exec(c,
                       "DELETE FROM newsletter_subscribers WHERE tenant_id = $1"
                       " AND status = 'pending' AND token_expires_at <= $2",
                       DB_PARAMS(db_i64(t->id), db_i64(x->now)), e);
  if (purged < 0)
    return -1;
  if (db_exec(c,
              "UPDATE processing_records SET email = '' WHERE tenant_id = $1 AND email <> ''"
              " AND form IN ('newsletter', 'newsletter_confirm') AND NOT EXISTS"
              " (SELECT 1 FROM newsletter_subscribers s WHERE s.tenant_id = $1"
              " AND s.public_id = processing_records.reference)",
              DB_PARAMS(db_i64(t->id)), e) < 0 ||
      /* the proof of a withdrawal is kept as long as an enquiry would be */
      db_exec(
          c,
          "UPDATE processing_records SET email = '' WHERE tenant_id = $1 AND email <> ''"
          " AND form = 'newsletter_withdraw' AND created_at < $2",
          DB_PARAMS(db_i64(t->id), db_i64(lead_retention_cutoff(x->now, lead_retention_months()))),
          e) < 0)
    return -1;
  x->st.purged += purged;
  /* the weekly mails that are due */
  db_stmt *st = db_query(c,
                         "SELECT public_id, email, locale, sent_until FROM newsletter_subscribers"
                         " WHERE tenant_id = $1 AND status = 'confirmed' AND sent_until <= $2"
                         " ORDER BY id",
                         DB_PARAMS(db_i64(t->id), db_i64(x->now - NEWSLETTER_PERIOD)), e);
  if (!st)
    return -1;
  struct sub *subs = NULL;
  int n = 0, cap = 0, rc;
  struct sub s;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_text(&s.public_id), db_out_text(&s.email),
                              db_out_text(&s.locale), db_out_i64(&s.sent_until)),
                       e)) > 0) {
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      struct sub *grown = arena_alloc(x->a, (size_t)cap * sizeof *grown);
      if (n)
        memcpy(grown, subs, (size_t)n * sizeof *grown);
      subs = grown;
    }
    subs[n++] = s;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  int64_t until = x->now - 3; /* a publication being committed right now goes next week */
  for (int i = 0; i < n; i++) {
    int sent;
    if (weekly(c, x->a, t, &subs[i], until, &sent, e) < 0 ||
        db_exec(c,
                "UPDATE newsletter_subscribers SET sent_until = $3 WHERE tenant_id = $1"
                " AND public_id = $2",
                DB_PARAMS(db_i64(t->id), db_text(subs[i].public_id), db_i64(until)), e) < 0)
      return -1;
    x->st.mailed += sent;
  }
  return 0;
}

int newsletter_run(db *d, int64_t now, struct newsletter_stats *st, struct err *e)
{
  struct run_arg x = {.a = arena_new(0), .now = now};
  *st = (struct newsletter_stats){0};
  if (db_tx(d, 0, DB_READ, tx_tenants, &x, e) < 0) {
    arena_free(x.a);
    return -1;
  }
  int failed = 0;
  for (int i = 0; i < x.ntenants; i++) {
    struct err te = {0};
    struct newsletter_stats before = x.st;
    x.t = &x.tenants[i];
    if (db_tx(d, x.t->id, DB_WRITE, tx_tenant, &x, &te) < 0) {
      x.st = before;
      log_warn("newsletter: dealer %lld: %s", (long long)x.t->id, te.msg);
      if (!failed++ && e)
        *e = te;
    }
  }
  *st = x.st;
  arena_free(x.a);
  return failed ? -1 : 0;
}

struct next_arg {
  int64_t run_at, except;
};

static int tx_next(db_conn *c, void *arg, struct err *e)
{
  struct next_arg *x = arg;
  return jobs_schedule_single(c, NEWSLETTER_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_newsletter(struct job_ctx *job, struct err *e)
{
  int64_t now = time_now();
  struct next_arg x = {.run_at = now + NEWSLETTER_INTERVAL, .except = job->id};
  if (db_tx(job->db, 0, DB_WRITE, tx_next, &x, e) < 0)
    return -1;
  struct newsletter_stats st;
  int rc = newsletter_run(job->db, now, &st, e);
  if (st.purged || st.mailed)
    log_info("newsletter: %lld unconfirmed addresses purged, %lld weekly mails queued",
             (long long)st.purged, (long long)st.mailed);
  return rc;
}

void newsletter_register(void)
{
  jobs_register(NEWSLETTER_KIND, job_newsletter);
}

int newsletter_schedule(db *d, struct err *e)
{
  struct next_arg x = {.run_at = 0, .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_next, &x, e);
}
