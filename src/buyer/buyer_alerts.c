/* buyer_alerts.c — e-mail alerts of saved searches: which recently published
 * vehicles match a search (the search index's own semantics, run over a small index
 * of just the candidates), the mail in the buyer's language, the signed unsubscribe
 * link, and the periodic job ("buyer.alerts", hourly, in `serve` and `cc24 worker`).
 *
 * Bookkeeping: each search remembers up to which publication time it has been
 * checked (seen_until). A run looks at vehicles published after that and up to a
 * few seconds before now (a publication being committed right now is seen by the
 * next run), writes the mail and moves seen_until in one transaction for the
 * search's owner — so a vehicle is announced once, and a failed run changes nothing. */
#include "buyer/buyer.h"
#include "mail/mail.h"

#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle_store.h"
#include "jobs/jobs.h"
#include "render/i18n.h"
#include "search/search.h"
#include "site/site.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_INTERVAL   3600        /* seconds between runs */
#define ALERT_LAG        3           /* seconds a publication may take to commit */
#define ALERT_LOOKBACK   (7 * 86400) /* older vehicles are not "new" any more */
#define ALERT_BATCH      200         /* saved searches per batch */
#define ALERT_CANDIDATES 5000        /* vehicles per batch window */
#define ALERT_LIST       10          /* vehicles listed in one mail */
#define UNSUB_PREFIX     "cc24/alert-unsubscribe/v1/"
#define UNSUB_MAC_BYTES  16

/* ---- matching ---- */

int buyer_alert_match(struct search_index *ix, struct arena *a, const char *query, int64_t after,
                      int64_t until, struct search_hit *out, int max)
{
  const char *s = query ? query : "";
  const char **names, **values;
  int np = http_parse_urlencoded(a, s, strlen(s), &names, &values);
  if (np < 0)
    return -1;
  if (search_count(ix) == 0)
    return 0; /* no candidates (and an empty index has no sort orders to build) */
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  search_query_parse(a, np, names, values, 0, &q, &errs);
  q.sort = SORT_NEWEST;
  q.size = 100;
  q.no_facets = true;
  q.extra_facets = false;
  int count = 0;
  for (q.page = 1; q.page <= 10000; q.page++) {
    struct search_result res;
    if (search_run(ix, &q, a, &res) < 0)
      return -1;
    bool older = false;
    for (int i = 0; i < res.nhits; i++) {
      const struct search_hit *h = &res.hits[i];
      if (h->published_at <= after) {
        older = true; /* newest first: the rest are older still */
        break;
      }
      if (h->published_at > until || h->status != STATUS_PUBLISHED)
        continue;
      if (count < max)
        out[count] = *h;
      count++;
    }
    if (older || res.nhits < q.size)
      break;
  }
  return count;
}

/* ---- the mail ---- */

/* tmpl with "{n}", "{search}" and "{name}" replaced. */
static const char *fill(struct arena *a, const char *tmpl, const char *n, const char *search,
                        const char *name)
{
  struct buf b;
  buf_init(&b, a);
  for (const char *p = tmpl; *p;) {
    if (!strncmp(p, "{n}", 3)) {
      buf_puts(&b, n);
      p += 3;
    } else if (!strncmp(p, "{search}", 8)) {
      buf_puts(&b, search);
      p += 8;
    } else if (!strncmp(p, "{name}", 6)) {
      buf_puts(&b, name);
      p += 6;
    } else {
      buf_putc(&b, *p++);
    }
  }
  return buf_cstr(&b);
}

void buyer_alert_mail(struct arena *a, const char *locale, const char *person,
                      const char *search_name, const char *query, int64_t count,
                      const struct search_hit *hits, int n, const char *base_url,
                      const char *unsubscribe_url, const char **subject, const char **body)
{
  const char *loc = locale && !strcmp(locale, "en") ? "en" : "de";
  const char *num = site_int_de(a, count);
#define T(key) i18n_get(loc, "buyer_mail." key)
  *subject = fill(a, count == 1 ? T("subject_one") : T("subject_many"), num, search_name, "");
  struct buf b;
  buf_init(&b, a);
  if (person && *person)
    buf_printf(&b, "%s\n\n", fill(a, T("hello"), num, search_name, person));
  else
    buf_printf(&b, "%s\n\n", T("hello_anon"));
  buf_printf(&b, "%s\n\n",
             fill(a, count == 1 ? T("intro_one") : T("intro_many"), num, search_name, person));
  for (int i = 0; i < n; i++) {
    const struct search_hit *h = &hits[i];
    buf_printf(&b, "• %s %s%s%s – %s\n", h->make, h->model, h->variant && *h->variant ? " " : "",
               h->variant ? h->variant : "", site_price(a, h->price_cents));
    if (h->first_reg >= 0)
      buf_printf(&b, "  %s %02d/%04d · ", i18n_get(loc, "vehicle.first_reg_short"),
                 h->first_reg % 12 + 1, h->first_reg / 12);
    else
      buf_printf(&b, "  %s · ", enum_label(&vehicle_enum_condition, h->condition, loc));
    buf_printf(&b, "%s km · %s\n", site_int_de(a, h->mileage_km),
               enum_label(&vehicle_enum_fuel, h->fuel, loc));
    buf_printf(&b, "  %s%s\n\n", base_url,
               site_vehicle_path(a, h->make, h->model, h->variant, h->public_id));
  }
  if (count > n)
    buf_printf(&b, "%s\n\n", fill(a, T("more"), site_int_de(a, count - n), search_name, person));
  buf_printf(&b, "%s\n%s/fahrzeuge%s%s%s\n\n", T("all"), base_url, query && *query ? "?" : "",
             query ? query : "", loc[0] == 'e' ? (query && *query ? "&lang=en" : "?lang=en") : "");
  buf_printf(&b, "%s\n\n%s\n\n-- \n%s\n%s\n%s\n", T("sign"), T("why"), T("unsubscribe"),
             unsubscribe_url, T("manage"));
  buf_printf(&b, "%s/konto/suchen\n", base_url);
#undef T
  *body = buf_cstr(&b);
}

/* ---- the unsubscribe token ---- */

static void unsub_mac(const unsigned char key[BUYER_KEY_BYTES], const char *id,
                      unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key, BUYER_KEY_BYTES);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)UNSUB_PREFIX, strlen(UNSUB_PREFIX));
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
  crypto_auth_hmacsha256_final(&st, mac);
}

void buyer_unsub_token(const unsigned char key[BUYER_KEY_BYTES], const char *search_id,
                       char out[BUYER_TOKEN_MAX])
{
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  unsub_mac(key, search_id, mac);
  char hex[2 * UNSUB_MAC_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, mac, UNSUB_MAC_BYTES);
  snprintf(out, BUYER_TOKEN_MAX, "%s.%s", search_id, hex);
}

bool buyer_unsub_check(const unsigned char key[BUYER_KEY_BYTES], const char *token,
                       char id_out[ID_LEN + 1])
{
  if (!token || strlen(token) != ID_LEN + 1 + 2 * UNSUB_MAC_BYTES || token[ID_LEN] != '.')
    return false;
  char id[ID_LEN + 1];
  memcpy(id, token, ID_LEN);
  id[ID_LEN] = 0;
  if (!id_valid(id))
    return false;
  unsigned char given[UNSUB_MAC_BYTES];
  size_t bin = 0;
  const char *hex = token + ID_LEN + 1;
  if (sodium_hex2bin(given, sizeof given, hex, 2 * UNSUB_MAC_BYTES, NULL, &bin, NULL) != 0 ||
      bin != UNSUB_MAC_BYTES)
    return false;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  unsub_mac(key, id, mac);
  if (sodium_memcmp(given, mac, UNSUB_MAC_BYTES) != 0)
    return false;
  memcpy(id_out, id, ID_LEN + 1);
  return true;
}

/* ---- one run ---- */

struct due {
  int64_t search_id, user_id, seen_until;
};

struct due_arg {
  int64_t after;
  struct due *rows;
  int n;
};

static int tx_due(db_conn *c, void *arg, struct err *e)
{
  struct due_arg *x = arg;
  x->n = 0;
  /* PostgreSQL: the job works for nobody, so the listing (ids only) goes through the
   * SECURITY DEFINER function of migration 0012 */
  db_stmt *st =
      db_query(c,
               DB_SQL(c,
                      "SELECT s.id, s.user_id, s.seen_until FROM saved_searches s JOIN users u"
                      " ON u.id = s.user_id WHERE s.alert = 1 AND s.id > $1 AND u.role = 'buyer'"
                      " AND u.disabled = 0 AND u.email_verified_at > 0 ORDER BY s.id LIMIT $2",
                      "SELECT search_id, user_id, seen_until FROM cc24_buyer_alerts_due($1, $2)"),
               DB_PARAMS(db_i64(x->after), db_i64(ALERT_BATCH)), e);
  if (!st)
    return -1;
  int rc;
  struct due d;
  while ((rc = db_next(
              st, NULL,
              DB_ROW(db_out_i64(&d.search_id), db_out_i64(&d.user_id), db_out_i64(&d.seen_until)),
              e)) == 1)
    x->rows[x->n++] = d;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

struct cand_arg {
  int64_t lo, hi;
  struct search_index *ix;
  int n;
};

/* The candidates: vehicles published in (lo, hi], into a fresh index. */
static int tx_candidates(db_conn *c, void *arg, struct err *e)
{
  struct cand_arg *x = arg;
  int64_t *ids = xcalloc(ALERT_CANDIDATES, sizeof *ids);
  int n = 0, rc;
  db_stmt *st = db_query(c,
                         "SELECT id FROM vehicles WHERE status = 'published' AND published_at > $1"
                         " AND published_at <= $2 ORDER BY published_at DESC, id DESC LIMIT $3",
                         DB_PARAMS(db_i64(x->lo), db_i64(x->hi), db_i64(ALERT_CANDIDATES)), e);
  if (!st) {
    free(ids);
    return -1;
  }
  int64_t id;
  while ((rc = db_next(st, NULL, DB_ROW(db_out_i64(&id)), e)) == 1)
    ids[n++] = id;
  db_finish(st);
  for (int i = 0; rc == 0 && i < n; i++) {
    struct arena *a = arena_new(0);
    struct vehicle v;
    int got = vehicle_store_get_by_id(c, a, ids[i], &v, e);
    if (got < 0)
      rc = -1;
    else if (got == 1)
      search_upsert(x->ix, &v);
    arena_free(a);
  }
  free(ids);
  x->n = n;
  return rc < 0 ? -1 : 0;
}

struct check_arg {
  struct arena *a;
  struct search_index *ix;
  int64_t search_id, user_id, now, until, floor;
  bool mailed;
};

/* One search, in a transaction for its owner: match, mail, move the bookkeeping on. */
static int tx_check(db_conn *c, void *arg, struct err *e)
{
  struct check_arg *x = arg;
  x->mailed = false;
  char *pub = NULL, *name = NULL, *query = NULL;
  bool alert = false;
  int64_t seen = 0;
  int rc = db_query_one(c, x->a,
                        "SELECT public_id, name, query, alert, seen_until FROM saved_searches"
                        " WHERE id = $1 AND user_id = $2",
                        DB_PARAMS(db_i64(x->search_id), db_i64(x->user_id)),
                        DB_ROW(db_out_text(&pub), db_out_text(&name), db_out_text(&query),
                               db_out_bool(&alert), db_out_i64(&seen)),
                        e);
  if (rc <= 0 || !alert)
    return rc < 0 ? -1 : 0; /* deleted or switched off meanwhile */
  int64_t after = seen > x->floor ? seen : x->floor;
  struct search_hit hits[ALERT_LIST];
  int count = after < x->until
                  ? buyer_alert_match(x->ix, x->a, query, after, x->until, hits, ALERT_LIST)
                  : 0;
  if (count < 0) {
    log_warn("alerts: saved search %s has a query the parser refuses; skipped", pub);
    count = 0;
  }
  if (count > 0) {
    struct buyer_account acc;
    rc = buyer_account_get(c, x->a, x->user_id, &acc, e);
    if (rc < 0)
      return -1;
    if (rc == 1 && !acc.disabled && acc.email_verified_at > 0) {
      unsigned char key[BUYER_KEY_BYTES];
      if (buyer_signing_key(c, "alert-unsubscribe", key, e) < 0)
        return -1;
      char token[BUYER_TOKEN_MAX];
      buyer_unsub_token(key, pub, token);
      sodium_memzero(key, sizeof key);
      const char *unsub = arena_printf(x->a, "%s/suchalarm/abbestellen?t=%s%s", cfg.base_url, token,
                                       strcmp(acc.locale, "en") ? "" : "&lang=en");
      const char *subject, *body;
      buyer_alert_mail(x->a, acc.locale, acc.name, name, query, count, hits,
                       count < ALERT_LIST ? count : ALERT_LIST, cfg.base_url, unsub, &subject,
                       &body);
      struct mail m = {.to = acc.email,
                       .locale = acc.locale,
                       .kind = "buyer.alert",
                       .subject = subject,
                       .text = body,
                       .list_unsubscribe = unsub};
      if (mail_queue(c, &m, e) < 0 ||
          db_exec(c,
                  "UPDATE saved_searches SET last_alert_at = $3, alerts_sent = alerts_sent + 1"
                  " WHERE id = $1 AND user_id = $2",
                  DB_PARAMS(db_i64(x->search_id), db_i64(x->user_id), db_i64(x->now)), e) < 0)
        return -1;
      x->mailed = true;
    }
  }
  return db_exec(
             c,
             "UPDATE saved_searches SET last_checked_at = $3,"
             " seen_until = CASE WHEN seen_until < $4 THEN $4 ELSE seen_until END"
             " WHERE id = $1 AND user_id = $2",
             DB_PARAMS(db_i64(x->search_id), db_i64(x->user_id), db_i64(x->now), db_i64(x->until)),
             e) < 0
             ? -1
             : 0;
}

int buyer_alerts_run(db *d, int64_t now, struct buyer_alert_stats *stats, struct err *e)
{
  struct buyer_alert_stats local = {0};
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  int64_t until = now - ALERT_LAG, floor = now - ALERT_LOOKBACK;
  struct due_arg due = {.after = 0, .rows = xcalloc(ALERT_BATCH, sizeof *due.rows)};
  int rc = 0;
  for (;;) {
    if ((rc = db_tx(d, 0, DB_READ, tx_due, &due, e)) < 0 || due.n == 0)
      break;
    /* one window of candidates for the whole batch: from its oldest mark */
    int64_t lo = until;
    for (int i = 0; i < due.n; i++)
      if (due.rows[i].seen_until < lo)
        lo = due.rows[i].seen_until;
    if (lo < floor)
      lo = floor;
    struct cand_arg cand = {.lo = lo, .hi = until, .ix = search_new()};
    if (lo < until && (rc = db_tx(d, 0, DB_READ, tx_candidates, &cand, e)) < 0) {
      search_free(cand.ix);
      break;
    }
    stats->vehicles += cand.n;
    for (int i = 0; i < due.n && rc == 0; i++) {
      struct arena *a = arena_new(0);
      struct check_arg x = {.a = a,
                            .ix = cand.ix,
                            .search_id = due.rows[i].search_id,
                            .user_id = due.rows[i].user_id,
                            .now = now,
                            .until = until,
                            .floor = floor};
      rc = db_tx_user(d, x.user_id, DB_WRITE, tx_check, &x, e);
      stats->searches++;
      stats->mails += x.mailed;
      arena_free(a);
    }
    search_free(cand.ix);
    if (rc < 0 || due.n < ALERT_BATCH)
      break;
    due.after = due.rows[due.n - 1].search_id;
  }
  free(due.rows);
  return rc < 0 ? -1 : 0;
}

/* ---- the job ---- */

struct next_arg {
  int64_t run_at; /* 0 = now */
  int64_t except; /* the job that is running this (not counted) */
};

/* One alert job queued or running at a time: instances starting together, a run
 * queueing its successor and an operator's extra run never make two chains. */
static int tx_schedule(db_conn *c, void *arg, struct err *e)
{
  struct next_arg *x = arg;
  return jobs_schedule_single(c, BUYER_ALERT_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_alerts(struct job_ctx *job, struct err *e)
{
  int64_t now = time_now();
  struct buyer_alert_stats st;
  if (buyer_alerts_run(job->db, now, &st, e) < 0)
    return -1;
  if (st.searches)
    log_info("alerts: %d saved searches checked against %d new vehicles, %d mails", st.searches,
             st.vehicles, st.mails);
  struct next_arg next = {.run_at = now + ALERT_INTERVAL, .except = job->id};
  return db_tx(job->db, 0, DB_WRITE, tx_schedule, &next, e);
}

void buyer_alerts_register(void)
{
  jobs_register(BUYER_ALERT_KIND, job_alerts);
}

int buyer_alerts_schedule(db *d, struct err *e)
{
  struct next_arg next = {.run_at = 0, .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_schedule, &next, e);
}
