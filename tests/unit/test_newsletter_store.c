/* Store tests for the newsletter with double opt-in and the processing records
 * (privacy/newsletter.h, privacy/consent.h) — on SQLite and on PostgreSQL as the
 * application role (row-level security applies): a sign-up is pending, recorded with
 * the truncated IP and mailed a single-use link; only that link, at that dealer and
 * before it expires, confirms; a repeated sign-up gets no second link within the resend
 * window and a confirmed address none at all; the daily run purges expired sign-ups and
 * the address on their records, and mails confirmed addresses the week's new vehicles
 * once, with a signed unsubscribe link that deletes the address and records the
 * withdrawal; a data-subject request exports and erases both. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "inventory/vehicle_store.h"
#include "privacy/consent.h"
#include "privacy/newsletter.h"
#include "privacy/privacy.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t[2];
static struct vehicle v;

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-nl-a", "autohaus-nl-b"};
  const char *names[] = {"Autohaus Nord", "Autohaus Süd"};
  for (int i = 0; i < 2; i++) {
    memset(&t[i], 0, sizeof t[i]);
    t[i].slug = slugs[i];
    t[i].name = names[i];
    t[i].email = i ? "sued@autohaus.example" : "nord@autohaus.example";
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
  const char *root = getenv("CC24_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  vehicle_init(&v);
  v.tenant_id = t[0].id;
  v.make = "Skoda";
  v.model = "Octavia";
  v.variant = "Combi";
  v.body = BODY_ESTATE;
  v.condition = COND_USED;
  v.first_reg = 2022 * 12;
  v.mileage_km = 30000;
  v.power_kw = 110;
  v.fuel = FUEL_DIESEL;
  v.gearbox = GEARBOX_AUTOMATIC;
  v.drive = DRIVE_FRONT;
  v.colour = COLOUR_GREY;
  v.price_cents = 2449000;
  v.vat_mode = VAT_SHOWN;
  v.status = STATUS_PUBLISHED;
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_vehicle, &v, &e), 0, "%s", e.msg);
  if (db_backend(d) == DB_PG)
    cr_assert_eq(db_use_role(d, "cc24_app", &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(newsletter_store, .init = setup, .fini = teardown);

/* ---- helpers: each step in the dealer's own transaction ---- */

struct step {
  int dealer;
  const char *email, *token, *sql;
  int64_t now;
  int rc, mailed;
  int64_t n;
  char *text;
};

static int tx_subscribe(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  struct consent_notice n;
  consent_notice(a, "de", CONSENT_NOTICE_NEWSLETTER, &t[x->dealer], &n);
  struct newsletter_signup s = {
      .email = x->email, .locale = "de", .source = "form", .ip = "203.0.113.77", .notice = &n};
  return newsletter_subscribe(c, a, &t[x->dealer], &s, x->now, &x->mailed, e);
}

static int subscribe(int dealer, const char *email, int64_t now)
{
  struct step x = {.dealer = dealer, .email = email, .now = now};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_WRITE, tx_subscribe, &x, &e), 0, "%s", e.msg);
  return x.mailed;
}

static int tx_confirm(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  x->rc = newsletter_confirm(c, a, &t[x->dealer], x->token, "2001:db8:abcd:1::5", x->now, e);
  return x->rc < 0 ? -1 : 0;
}

static int confirm(int dealer, const char *token, int64_t now)
{
  struct step x = {.dealer = dealer, .token = token, .now = now};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_WRITE, tx_confirm, &x, &e), 0, "%s", e.msg);
  return x.rc;
}

static int tx_peek(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  x->rc = newsletter_token_peek(c, t[x->dealer].id, x->token, x->now, e);
  return x->rc < 0 ? -1 : 0;
}

static int peek(int dealer, const char *token, int64_t now)
{
  struct step x = {.dealer = dealer, .token = token, .now = now};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_READ, tx_peek, &x, &e), 0, "%s", e.msg);
  return x.rc;
}

static int tx_unsub(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  x->rc = newsletter_unsubscribe(c, a, &t[x->dealer], x->token, "198.51.100.23", x->now, e);
  return x->rc < 0 ? -1 : 0;
}

static int unsubscribe(int dealer, const char *token)
{
  struct step x = {.dealer = dealer, .token = token, .now = time_now()};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_WRITE, tx_unsub, &x, &e), 0, "%s", e.msg);
  return x.rc;
}

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  return db_query_one(c, a, x->sql, DB_PARAMS(db_i64(t[x->dealer].id), db_text(x->email)),
                      DB_ROW(db_out_i64(&x->n)), e) < 0
             ? -1
             : 0;
}

/* A count at a dealer; sql takes $1 tenant id and $2 the address. */
static int64_t count(int dealer, const char *sql, const char *email)
{
  struct step x = {.dealer = dealer, .sql = sql, .email = email};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_READ, tx_count, &x, &e), 0, "%s", e.msg);
  return x.n;
}

static int tx_text(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  x->text = NULL;
  return db_query_one(c, a, x->sql, DB_PARAMS(db_i64(t[x->dealer].id), db_text(x->email)),
                      DB_ROW(db_out_text(&x->text)), e) < 0
             ? -1
             : 0;
}

/* The first column of the last row of a query at a dealer ($1 tenant id, $2 address). */
static const char *text_of(int dealer, const char *sql, const char *email)
{
  struct step x = {.dealer = dealer, .sql = sql, .email = email};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_READ, tx_text, &x, &e), 0, "%s", e.msg);
  return x.text;
}

/* The token of the newest confirmation mail to email at dealer. */
static const char *link_token(int dealer, const char *email)
{
  const char *body = text_of(dealer,
                             "SELECT body FROM outbox WHERE tenant_id = $1 AND recipient = $2"
                             " AND kind = 'newsletter.confirm' ORDER BY id DESC LIMIT 1",
                             email);
  cr_assert_not_null(body, "a confirmation mail to %s", email);
  const char *p = strstr(body, "/newsletter/bestaetigen?t=");
  cr_assert_not_null(p, "%s", body);
  p += strlen("/newsletter/bestaetigen?t=");
  size_t n = strcspn(p, "&\n\r ");
  return arena_strndup(a, p, n);
}

#define SUBS   "SELECT COUNT(*) FROM newsletter_subscribers WHERE tenant_id = $1 AND email = $2"
#define MAILS  "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1 AND recipient = $2"
#define STATUS "SELECT status FROM newsletter_subscribers WHERE tenant_id = $1 AND email = $2"

Test(newsletter_store, double_opt_in)
{
  int64_t now = time_now();
  cr_assert_eq(subscribe(0, "nina@example.de", now), 1);
  cr_expect_str_eq(text_of(0, STATUS, "nina@example.de"), "pending");
  cr_expect_eq(count(0, MAILS, "nina@example.de"), 1);
  /* the record: form, purpose, basis, the text shown, the truncated IP */
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records r JOIN consent_texts c"
                     " ON c.tenant_id = r.tenant_id AND c.hash = r.text_hash"
                     " WHERE r.tenant_id = $1 AND r.email = $2 AND r.form = 'newsletter'"
                     " AND r.ip = '203.0.113.0' AND r.legal_basis LIKE '%lit. a%'"
                     " AND c.body LIKE '%Autohaus Nord%'",
                     "nina@example.de"),
               1);
  const char *tok = link_token(0, "nina@example.de");
  cr_expect_eq(peek(0, tok, now), 1);
  /* another dealer's transaction cannot see or use it */
  cr_expect_eq(peek(1, tok, now), 0);
  cr_expect_eq(confirm(1, tok, now), 0);
  /* forged and malformed tokens */
  char forged[80];
  snprintf(forged, sizeof forged, "%s", tok);
  forged[0] = forged[0] == 'A' ? 'B' : 'A';
  cr_expect_eq(confirm(0, forged, now), 0);
  cr_expect_eq(confirm(0, "", now), 0);
  cr_expect_eq(confirm(0, "' OR 1=1 --", now), 0);
  cr_expect_str_eq(text_of(0, STATUS, "nina@example.de"), "pending");
  /* the real one, once */
  cr_assert_eq(confirm(0, tok, now + 60), 1);
  cr_expect_str_eq(text_of(0, STATUS, "nina@example.de"), "confirmed");
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1 AND email = $2"
                     " AND form = 'newsletter_confirm' AND ip = '2001:db8:abcd::'",
                     "nina@example.de"),
               1);
  cr_expect_eq(confirm(0, tok, now + 61), 0, "a used link is refused");
  cr_expect_eq(peek(0, tok, now + 61), 0);
  /* a confirmed address signing up again gets nothing, and nobody learns anything */
  cr_expect_eq(subscribe(0, "nina@example.de", now + 3600), 0);
  cr_expect_eq(count(0, MAILS, "nina@example.de"), 1);
  cr_expect_eq(count(1, SUBS, "nina@example.de"), 0, "dealer B holds nothing");
}

Test(newsletter_store, resend_and_expiry)
{
  int64_t now = time_now();
  cr_assert_eq(subscribe(0, "otto@example.de", now), 1);
  const char *first = link_token(0, "otto@example.de");
  cr_expect_eq(subscribe(0, "otto@example.de", now + 60), 0, "no second link within the window");
  cr_expect_eq(count(0, MAILS, "otto@example.de"), 1);
  cr_assert_eq(subscribe(0, "otto@example.de", now + NEWSLETTER_RESEND + 1), 1);
  const char *second = link_token(0, "otto@example.de");
  cr_expect_str_neq(first, second);
  cr_expect_eq(confirm(0, first, now + NEWSLETTER_RESEND + 2), 0, "the first link is replaced");
  cr_expect_eq(count(0, SUBS, "otto@example.de"), 1, "one row per address");
  /* expired: refused, and the daily run purges the address and its records' address */
  int64_t later = now + NEWSLETTER_RESEND + 1 + NEWSLETTER_PENDING_TTL;
  cr_expect_eq(confirm(0, second, later), 0);
  cr_assert_eq(subscribe(0, "paul@example.de", later - 60), 1); /* still valid at `later` */
  struct newsletter_stats st;
  struct err e = {0};
  cr_assert_eq(newsletter_run(d, later, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.purged, 1);
  cr_expect_eq(count(0, SUBS, "otto@example.de"), 0);
  cr_expect_eq(count(0, SUBS, "paul@example.de"), 1);
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                     " AND email = $2",
                     "otto@example.de"),
               0);
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                     " AND form = 'newsletter' AND email = '' AND $2 = $2",
                     ""),
               2, "the records stay as proof, without the address");
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                     " AND email = $2",
                     "paul@example.de"),
               1);
}

static int tx_set(db_conn *c, void *arg, struct err *e)
{
  struct step *x = arg;
  return db_exec(c, x->sql, DB_PARAMS(db_i64(t[x->dealer].id), db_i64(x->now)), e) < 0 ? -1 : 0;
}

static void set(int dealer, const char *sql, int64_t value)
{
  struct step x = {.dealer = dealer, .sql = sql, .now = value};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[dealer].id, DB_WRITE, tx_set, &x, &e), 0, "%s", e.msg);
}

Test(newsletter_store, weekly_mail_and_unsubscribe)
{
  int64_t now = time_now();
  cr_assert_eq(subscribe(0, "rita@example.de", now - 9 * 86400), 1);
  cr_assert_eq(confirm(0, link_token(0, "rita@example.de"), now - 9 * 86400 + 60), 1);
  /* the vehicle went online two days ago: after the confirmation, so it is news */
  set(0, "UPDATE vehicles SET published_at = $2 WHERE tenant_id = $1", now - 2 * 86400);
  struct newsletter_stats st;
  struct err e = {0};
  cr_assert_eq(newsletter_run(d, now, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mailed, 1);
  const char *body = text_of(0,
                             "SELECT body FROM outbox WHERE tenant_id = $1 AND recipient = $2"
                             " AND kind = 'newsletter.weekly'",
                             "rita@example.de");
  cr_assert_not_null(body);
  cr_expect(strstr(body, "Skoda Octavia Combi"), "%s", body);
  cr_expect(strstr(body, v.public_id), "%s", body);
  const char *unsub = text_of(0,
                              "SELECT list_unsubscribe FROM outbox WHERE tenant_id = $1"
                              " AND recipient = $2 AND kind = 'newsletter.weekly'",
                              "rita@example.de");
  cr_assert(unsub && strstr(unsub, "/haendler/autohaus-nl-a/newsletter/abmelden?t="), "%s", unsub);
  /* the next run has nothing new for her */
  cr_assert_eq(newsletter_run(d, now + 60, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mailed, 0);
  /* a week on, still nothing new: no empty mail */
  cr_assert_eq(newsletter_run(d, now + 8 * 86400, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mailed, 0);
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1 AND recipient = $2"
                     " AND kind = 'newsletter.weekly'",
                     "rita@example.de"),
               1);
  /* unsubscribe: a forged signature, another dealer, then the real link */
  const char *tok = strstr(unsub, "?t=") + 3;
  size_t n = strcspn(tok, "&");
  char real[128], forged[128];
  snprintf(real, sizeof real, "%.*s", (int)n, tok);
  snprintf(forged, sizeof forged, "%s", real);
  forged[n - 1] = forged[n - 1] == '0' ? '1' : '0';
  cr_expect_eq(unsubscribe(0, forged), 0);
  cr_expect_eq(unsubscribe(1, real), 0, "dealer B cannot delete dealer A's subscriber");
  cr_expect_eq(count(0, SUBS, "rita@example.de"), 1);
  cr_expect_eq(unsubscribe(0, real), 1);
  cr_expect_eq(count(0, SUBS, "rita@example.de"), 0);
  cr_expect_eq(unsubscribe(0, real), 0, "already gone");
  cr_expect_eq(count(0,
                     "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                     " AND email = $2 AND form = 'newsletter_withdraw' AND ip = '198.51.100.0'",
                     "rita@example.de"),
               1, "the withdrawal is recorded");
}

Test(newsletter_store, pending_gets_no_weekly_mail)
{
  int64_t now = time_now();
  cr_assert_eq(subscribe(0, "sven@example.de", now - 2 * 86400), 1);
  set(0, "UPDATE vehicles SET published_at = $2 WHERE tenant_id = $1", now - 86400);
  struct newsletter_stats st;
  struct err e = {0};
  cr_assert_eq(newsletter_run(d, now, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mailed, 0);
  cr_expect_eq(count(0, MAILS, "sven@example.de"), 1, "only the confirmation link");
}

Test(newsletter_store, data_subject_request)
{
  int64_t now = time_now();
  cr_assert_eq(subscribe(0, "tina@example.de", now), 1);
  cr_assert_eq(confirm(0, link_token(0, "tina@example.de"), now + 5), 1);
  cr_assert_eq(subscribe(1, "tina@example.de", now), 1);
  struct err e = {0};
  json_t *doc = privacy_collect_email(d, a, "tina@example.de", &e);
  cr_assert_not_null(doc, "%s", e.msg);
  json_t *dealers = json_object_get(doc, "dealers");
  cr_assert_eq(json_array_size(dealers), 2, "both dealers hold her address");
  size_t i;
  json_t *dl;
  int confirmed = 0, records = 0;
  json_array_foreach(dealers, i, dl)
  {
    json_t *nl = json_object_get(dl, "newsletter"),
           *rec = json_object_get(dl, "processing_records");
    cr_assert_eq(json_array_size(nl), 1);
    confirmed +=
        !strcmp(json_string_value(json_object_get(json_array_get(nl, 0), "status")), "confirmed");
    records += (int)json_array_size(rec);
    json_t *r0 = json_array_get(rec, 0);
    cr_expect(strstr(json_string_value(json_object_get(r0, "notice")), "Datenschutzhinweis"));
  }
  cr_expect_eq(confirmed, 1);
  cr_expect_eq(records, 3, "sign-up at A and B, confirmation at A");
  json_decref(doc);
  json_t *out = privacy_erase_email(d, a, "tina@example.de", now + 10, &e);
  cr_assert_not_null(out, "%s", e.msg);
  json_decref(out);
  for (int k = 0; k < 2; k++) {
    cr_expect_eq(count(k, SUBS, "tina@example.de"), 0);
    cr_expect_eq(count(k,
                       "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                       " AND email = $2",
                       "tina@example.de"),
                 0);
  }
}
