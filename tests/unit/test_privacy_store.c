/* Store tests for data subject requests (privacy/privacy.h) — run on SQLite and on
 * PostgreSQL (CC24_TEST_DATABASE_URL), on PostgreSQL as the application role, so
 * row-level security applies: the collection finds one address's leads, timeline,
 * contacts and mails at every dealer and nobody else's; the erasure anonymises and
 * deletes them and leaves another address and another dealer's rows alone; a legal hold
 * is restricted and reported, not deleted; a link is single-use for erasure, a forged one
 * is unknown; a dealer sees only its own request records and the app never reads the
 * token table directly. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/lead.h"
#include "inventory/vehicle_store.h"
#include "mail/mail.h"
#include "privacy/privacy.h"
#include "tenant/tenant.h"
#include "testdb.h"
#include "testdrive/testdrive.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t[3];
static struct vehicle v[3];
static bool rls; /* PostgreSQL as cc24_app */

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-dsr-a", "autohaus-dsr-b", "autohaus-dsr-c"};
  const char *names[] = {"Autohaus A", "Autohaus B", "Autohaus C"};
  for (int i = 0; i < 3; i++) {
    memset(&t[i], 0, sizeof t[i]);
    t[i].slug = slugs[i];
    t[i].name = names[i];
    if (tenant_store_create(c, &t[i], e) < 0)
      return -1;
  }
  return 0;
}

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  return vehicle_store_insert(c, a, arg, e);
}

struct ins {
  struct lead l;
};

static int tx_lead(db_conn *c, void *arg, struct err *e)
{
  struct ins *x = arg;
  if (lead_store_insert(c, &x->l, e) < 0)
    return -1;
  /* the dealer's notice (Reply-To the buyer) and the buyer's receipt */
  struct mail dealer = {.tenant_id = x->l.tenant_id,
                        .to = "verkauf@autohaus.example",
                        .kind = "lead.dealer",
                        .subject = "Neue Anfrage",
                        .text = x->l.message,
                        .reply_to = x->l.email};
  struct mail buyer = {.tenant_id = x->l.tenant_id,
                       .to = x->l.email,
                       .kind = "lead.confirm",
                       .subject = "Ihre Anfrage",
                       .text = x->l.message};
  return mail_queue(c, &dealer, e) < 0 || mail_queue(c, &buyer, e) < 0 ? -1 : 0;
}

struct note {
  int64_t tenant;
  const char *lead_pid, *body;
};

static int tx_note(db_conn *c, void *arg, struct err *e)
{
  struct note *x = arg;
  int64_t id = 0;
  if (crm_link_contacts(c, a, x->tenant, e) < 0 ||
      db_query_one(c, NULL, "SELECT id FROM leads WHERE public_id = $1",
                   DB_PARAMS(db_text(x->lead_pid)), DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  return crm_activity_add(c, x->tenant, id, 0, "note", x->body, e);
}

static struct ins lead_of(int tenant, const char *name, const char *email, const char *message)
{
  struct ins in;
  memset(&in, 0, sizeof in);
  lead_init(&in.l);
  in.l.tenant_id = t[tenant].id;
  in.l.vehicle_id = v[tenant].id;
  in.l.kind = LEAD_CONTACT;
  in.l.name = name;
  in.l.email = email;
  in.l.phone = name[0] == 'P' ? "+49 171 1111111" : "+49 171 2222222";
  in.l.message = message;
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_lead, &in, &e), 0, "%s", e.msg);
  return in;
}

static struct ins paula_a, paula_b, quentin_a;

static void setup(void)
{
  ids_init();
  config_defaults();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  for (int i = 0; i < 3; i++) {
    struct vehicle *x = &v[i];
    vehicle_init(x);
    x->tenant_id = t[i].id;
    x->make = "Opel";
    x->model = "Astra";
    x->variant = "Sports Tourer";
    x->body = BODY_ESTATE;
    x->condition = COND_USED;
    x->first_reg = 2021 * 12;
    x->mileage_km = 50000;
    x->power_kw = 96;
    x->fuel = FUEL_PETROL;
    x->gearbox = GEARBOX_MANUAL;
    x->drive = DRIVE_FRONT;
    x->colour = COLOUR_BLUE;
    x->price_cents = 1599000;
    x->vat_mode = VAT_SHOWN;
    x->status = STATUS_PUBLISHED;
    cr_assert_eq(db_tx(d, x->tenant_id, DB_WRITE, tx_vehicle, x, &e), 0, "%s", e.msg);
  }
  rls = db_backend(d) == DB_PG && db_use_role(d, "cc24_app", &e) == 0;
  if (db_backend(d) == DB_PG)
    cr_assert(rls, "the application role cc24_app must be usable: %s", e.msg);
  paula_a = lead_of(0, "Paula Privat", "paula@example.de", "Frage von Paula an A");
  paula_b = lead_of(1, "Paula Privat", "paula@example.de", "Frage von Paula an B");
  quentin_a = lead_of(0, "Quentin Quer", "quentin@example.de", "Quentins eigene Frage");
  lead_of(2, "Quentin Quer", "quentin@example.de", "Quentin bei C");
  struct note n1 = {t[0].id, paula_a.l.public_id, "Paula zurückrufen"};
  struct note n2 = {t[0].id, quentin_a.l.public_id, "Quentin zurückrufen"};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_note, &n1, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_note, &n2, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(privacy_store, .init = setup, .fini = teardown);

/* ---- reading back as the dealer ---- */

struct count {
  const char *sql, *text;
  int64_t n, tenant;
};

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct count *x = arg;
  /* $2, when the statement names it, is the dealer (SQLite has no row-level security) */
  int rc = strstr(x->sql, "$2")
               ? db_query_one(c, NULL, x->sql, DB_PARAMS(db_text(x->text), db_i64(x->tenant)),
                              DB_ROW(db_out_i64(&x->n)), e)
               : db_query_one(c, NULL, x->sql, DB_PARAMS(db_text(x->text)),
                              DB_ROW(db_out_i64(&x->n)), e);
  return rc == 1 ? 0 : -1;
}

/* A count inside dealer `tenant`'s transaction (row-level security on PostgreSQL). */
static int64_t count_as(int tenant, const char *sql, const char *text)
{
  struct count x = {sql, text, -1, t[tenant].id};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_READ, tx_count, &x, &e), 0, "%s: %s", sql, e.msg);
  return x.n;
}

static int64_t leads_of(int tenant, const char *email)
{
  return count_as(tenant, "SELECT COUNT(*) FROM leads WHERE email = $1 AND tenant_id = $2", email);
}

static int64_t mails_of(int tenant, const char *email)
{
  return count_as(
      tenant,
      "SELECT COUNT(*) FROM outbox WHERE (recipient = $1 OR reply_to = $1) AND tenant_id = $2",
      email);
}

/* ---- tests ---- */

Test(privacy_store, collection_finds_one_address_at_every_dealer_and_nobody_else)
{
  struct err e = {0};
  json_t *doc = privacy_collect_email(d, a, "paula@example.de", &e);
  cr_assert_not_null(doc, "%s", e.msg);
  char *s = json_dumps(doc, 0);
  cr_assert(strstr(s, "Frage von Paula an A") && strstr(s, "Frage von Paula an B"), "%s", s);
  cr_assert(strstr(s, "Paula zur\xc3\xbc"
                      "ckrufen"),
            "the timeline: %s", s);
  cr_assert(!strstr(s, "Quentin") && !strstr(s, "quentin"), "nobody else: %s", s);
  json_t *dealers = json_object_get(doc, "dealers");
  cr_assert_eq(json_array_size(dealers), 2, "A and B, not C");
  size_t mails = 0, contacts = 0;
  for (size_t i = 0; i < json_array_size(dealers); i++) {
    mails += json_array_size(json_object_get(json_array_get(dealers, i), "mails"));
    contacts += json_array_size(json_object_get(json_array_get(dealers, i), "contacts"));
  }
  cr_assert_eq(mails, 4, "notice and receipt at each dealer");
  cr_assert_geq(contacts, 1, "A's contact");
  cr_assert(json_is_null(json_object_get(doc, "buyer_account")));
  free(s);
  json_decref(doc);
}

Test(privacy_store, erasure_clears_the_address_everywhere_and_keeps_the_others)
{
  struct err e = {0};
  json_t *doc = privacy_erase_email(d, a, "paula@example.de", time_now(), &e);
  cr_assert_not_null(doc, "%s", e.msg);
  json_decref(doc);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(leads_of(i, "paula@example.de"), 0);
    cr_assert_eq(mails_of(i, "paula@example.de"), 0);
    cr_assert_eq(count_as(i, "SELECT COUNT(*) FROM leads WHERE message LIKE $1", "%Paula%"), 0);
    cr_assert_eq(count_as(i, "SELECT COUNT(*) FROM contacts WHERE email = $1 AND tenant_id = $2",
                          "paula@example.de"),
                 0);
  }
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM lead_activities WHERE body LIKE $1", "Paula%"), 0);
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM leads WHERE anonymised_at > 0 AND public_id = $1",
                        paula_a.l.public_id),
               1, "the row stays, anonymised");
  /* Quentin: untouched at A and at C */
  cr_assert_eq(leads_of(0, "quentin@example.de"), 1);
  cr_assert_eq(leads_of(2, "quentin@example.de"), 1);
  cr_assert_eq(mails_of(0, "quentin@example.de"), 2);
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM lead_activities WHERE body LIKE $1", "Quentin%"),
               1);
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM contacts WHERE email = $1 AND tenant_id = $2",
                        "quentin@example.de"),
               1);
}

static int tx_hold(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return db_exec(c,
                 "INSERT INTO legal_holds (tenant_id, email, kind, reference, keep_until)"
                 " VALUES ($1, 'paula@example.de', 'invoice', 'RE-1', $2)",
                 DB_PARAMS(db_i64(t[1].id), db_i64(time_now() + 3650 * 86400)), e) == 1
             ? 0
             : -1;
}

Test(privacy_store, a_legal_hold_is_restricted_and_reported)
{
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[1].id, DB_WRITE, tx_hold, NULL, &e), 0, "%s", e.msg);
  json_t *doc = privacy_erase_email(d, a, "paula@example.de", time_now(), &e);
  cr_assert_not_null(doc, "%s", e.msg);
  json_t *dealers = json_object_get(doc, "dealers");
  int kept = 0;
  for (size_t i = 0; i < json_array_size(dealers); i++) {
    json_t *k = json_object_get(json_array_get(dealers, i), "kept");
    for (size_t j = 0; j < json_array_size(k); j++)
      kept +=
          !strcmp(json_string_value(json_object_get(json_array_get(k, j), "reference")), "RE-1");
  }
  cr_assert_eq(kept, 1);
  json_decref(doc);
  cr_assert_eq(count_as(1,
                        "SELECT COUNT(*) FROM legal_holds WHERE email = $1 AND restricted_at > 0",
                        "paula@example.de"),
               1, "held, restricted");
  if (rls)
    cr_assert_eq(
        count_as(0, "SELECT COUNT(*) FROM legal_holds WHERE email = $1", "paula@example.de"), 0,
        "A sees none of B's holds");
}

Test(privacy_store, links_are_single_use_for_erasure_and_forgeries_unknown)
{
  struct err e = {0};
  char *secret = NULL;
  int64_t now = time_now();
  cr_assert_eq(privacy_request(d, a, "paula@example.de", PRIVACY_ERASURE, "de", now, &secret, &e),
               0, "%s", e.msg);
  cr_assert_not_null(secret);
  cr_assert_eq(count_as(0,
                        "SELECT COUNT(*) FROM privacy_requests WHERE kind = $1 AND tenant_id = $2",
                        "erasure"),
               1);
  cr_assert_eq(count_as(2,
                        "SELECT COUNT(*) FROM privacy_requests WHERE kind = $1 AND tenant_id = $2",
                        "erasure"),
               0, "C holds nothing about her: no record there");
  const char *kind = NULL;
  cr_assert_eq(privacy_link_peek(d, secret, now, &kind, &e), PRIVACY_LINK_OK);
  cr_assert_str_eq(kind, PRIVACY_ERASURE);
  json_t *doc = NULL;
  cr_assert_eq(privacy_access(d, a, secret, now, &doc, &e), PRIVACY_LINK_UNKNOWN,
               "an erasure link gives no access");
  cr_assert_eq(privacy_erase(d, a, secret, now, &doc, &e), PRIVACY_LINK_OK, "%s", e.msg);
  json_decref(doc);
  doc = NULL;
  cr_assert_eq(privacy_erase(d, a, secret, now, &doc, &e), PRIVACY_LINK_GONE, "a replay");
  cr_assert_null(doc);
  cr_assert_eq(privacy_link_peek(d, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now, &kind, &e),
               PRIVACY_LINK_UNKNOWN);
  cr_assert_eq(
      count_as(0, "SELECT COUNT(*) FROM privacy_requests WHERE status = $1 AND tenant_id = $2",
               "completed"),
      1);
  cr_assert_eq(leads_of(0, "quentin@example.de"), 1);
  /* an unknown address: no link at all */
  secret = NULL;
  cr_assert_eq(privacy_request(d, a, "niemand@example.de", PRIVACY_ACCESS, "de", now, &secret, &e),
               0);
  cr_assert_null(secret);
}

static int tx_tokens(db_conn *c, void *arg, struct err *e)
{
  int64_t *n = arg;
  return db_query_one(c, NULL, "SELECT COUNT(*) FROM privacy_tokens", DB_NOPARAMS,
                      DB_ROW(db_out_i64(n)), e) == 1
             ? 0
             : -1;
}

Test(privacy_store, the_app_never_reads_tokens_and_dealers_only_their_requests)
{
  struct err e = {0};
  char *secret = NULL;
  cr_assert_eq(
      privacy_request(d, a, "paula@example.de", PRIVACY_ACCESS, "de", time_now(), &secret, &e), 0);
  cr_assert_eq(count_as(0,
                        "SELECT COUNT(*) FROM privacy_requests WHERE kind = $1 AND tenant_id = $2",
                        "access"),
               1);
  cr_assert_eq(count_as(1,
                        "SELECT COUNT(*) FROM privacy_requests WHERE kind = $1 AND tenant_id = $2",
                        "access"),
               1);
  cr_assert_eq(count_as(2,
                        "SELECT COUNT(*) FROM privacy_requests WHERE kind = $1 AND tenant_id = $2",
                        "access"),
               0);
  if (!rls)
    return;
  /* PostgreSQL: the table of links (addresses) is not the application's to read */
  int64_t n = -1;
  cr_assert_lt(db_tx(d, t[0].id, DB_READ, tx_tokens, &n, &e), 0,
               "reading privacy_tokens must be refused");
  /* every dealer's transaction sees only its own records, whatever it asks */
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM privacy_requests WHERE kind <> $1", "x"), 1);
}

/* ---- test drives: exported and anonymised with the address ---- */

struct td_row {
  int tenant;
  const char *lead, *name, *email, *phone;
  int64_t start;
  struct td_booking b;
};

static int tx_drive(db_conn *c, void *arg, struct err *e)
{
  struct td_row *x = arg;
  memset(&x->b, 0, sizeof x->b);
  x->b.tenant_id = t[x->tenant].id;
  x->b.vehicle_id = v[x->tenant].id;
  x->b.lead_public_id = x->lead;
  x->b.slot_start = x->start;
  x->b.slot_end = x->start + 45 * 60;
  x->b.name = x->name;
  x->b.email = x->email;
  x->b.phone = x->phone;
  x->b.sms_consent = true;
  x->b.locale = "de";
  return td_store_insert(c, &x->b, e);
}

static struct td_row *book(int tenant, const struct ins *lead, int64_t start)
{
  struct td_row *x = arena_calloc(a, 1, sizeof *x);
  *x = (struct td_row){.tenant = tenant,
                       .lead = arena_strdup(a, lead->l.public_id),
                       .name = lead->l.name,
                       .email = lead->l.email,
                       .phone = lead->l.phone,
                       .start = start};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_WRITE, tx_drive, x, &e), 0, "%s", e.msg);
  return x;
}

static json_t *dealer_doc(json_t *doc, const char *slug)
{
  json_t *dealers = json_object_get(doc, "dealers");
  for (size_t i = 0; i < json_array_size(dealers); i++) {
    json_t *dl = json_array_get(dealers, i);
    const char *s = json_string_value(json_object_get(dl, "dealer_slug"));
    if (s && !strcmp(s, slug))
      return dl;
  }
  return NULL;
}

Test(privacy_store, test_drives_are_exported_and_anonymised_with_the_address)
{
  int64_t slot = time_days_from_civil(2030, 6, 17) * 86400 + 8 * 3600;
  struct td_row *pd = book(0, &paula_a, slot);
  book(0, &quentin_a, slot + 3600);
  struct err e = {0};
  json_t *doc = privacy_collect_email(d, a, "paula@example.de", &e);
  cr_assert_not_null(doc, "%s", e.msg);
  json_t *at_a = dealer_doc(doc, t[0].slug);
  cr_assert_not_null(at_a);
  json_t *drives = json_object_get(at_a, "test_drives");
  cr_assert_eq(json_array_size(drives), 1, "Paula's booking, not Quentin's");
  json_t *dr = json_array_get(drives, 0);
  cr_expect_str_eq(json_string_value(json_object_get(dr, "id")), pd->b.public_id);
  cr_expect_str_eq(json_string_value(json_object_get(dr, "slot_start")), "2030-06-17T08:00:00Z");
  cr_expect_str_eq(json_string_value(json_object_get(dr, "slot_end")), "2030-06-17T08:45:00Z");
  cr_expect_str_eq(json_string_value(json_object_get(dr, "email")), "paula@example.de");
  cr_expect_str_eq(json_string_value(json_object_get(dr, "phone")), "+49 171 1111111");
  cr_expect_str_eq(json_string_value(json_object_get(dr, "vehicle")), "Opel Astra");
  cr_expect_str_eq(json_string_value(json_object_get(dr, "status")), "booked");
  cr_expect(json_is_true(json_object_get(dr, "sms_consent")));
  cr_expect_eq(json_array_size(json_object_get(dealer_doc(doc, t[1].slug), "test_drives")), 0);
  json_decref(doc);

  doc = privacy_erase_email(d, a, "paula@example.de", time_now(), &e);
  cr_assert_not_null(doc, "%s", e.msg);
  json_t *first = json_array_get(json_object_get(doc, "dealers"), 0);
  cr_expect_eq(
      json_integer_value(json_object_get(first, "test_drives_anonymised")) +
          json_integer_value(json_object_get(json_array_get(json_object_get(doc, "dealers"), 1),
                                             "test_drives_anonymised")),
      1, "the answer counts the test drive");
  json_decref(doc);
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM test_drives WHERE email = $1 AND tenant_id = $2",
                        "paula@example.de"),
               0);
  cr_assert_eq(count_as(0,
                        "SELECT COUNT(*) FROM test_drives WHERE public_id = $1 AND name = ''"
                        " AND phone = '' AND sms_consent = 0",
                        pd->b.public_id),
               1, "the booking stays for the statistics, without the person");
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM test_drives WHERE email = $1 AND tenant_id = $2",
                        "quentin@example.de"),
               1, "Quentin's booking is untouched");
  /* and the export of the erased address holds no test drive any more */
  doc = privacy_collect_email(d, a, "paula@example.de", &e);
  cr_assert_not_null(doc, "%s", e.msg);
  char *s = json_dumps(doc, 0);
  cr_expect(!strstr(s, "+49 171 1111111"), "%s", s);
  free(s);
  json_decref(doc);
}

/* ---- unconfirmed requests expire ---- */

struct sweep {
  int64_t now;
  struct privacy_sweep_stats st;
};

static int tx_sweep(db_conn *c, void *arg, struct err *e)
{
  struct sweep *x = arg;
  return privacy_sweep(c, x->now, &x->st, e);
}

Test(privacy_store, unconfirmed_requests_and_dead_links_are_swept)
{
  struct err e = {0};
  int64_t now = time_now(), old = now - 2 * 86400, recent = now - 3600;
  char *s_old = NULL, *s_done = NULL, *s_recent = NULL;
  /* two days ago: one never confirmed, one confirmed; an hour ago: not yet confirmed */
  cr_assert_eq(privacy_request(d, a, "paula@example.de", PRIVACY_ERASURE, "de", old, &s_old, &e), 0,
               "%s", e.msg);
  cr_assert_eq(privacy_request(d, a, "quentin@example.de", PRIVACY_ACCESS, "de", old, &s_done, &e),
               0, "%s", e.msg);
  json_t *doc = NULL;
  cr_assert_eq(privacy_access(d, a, s_done, old + 600, &doc, &e), PRIVACY_LINK_OK, "%s", e.msg);
  json_decref(doc);
  cr_assert_eq(
      privacy_request(d, a, "paula@example.de", PRIVACY_ACCESS, "de", recent, &s_recent, &e), 0,
      "%s", e.msg);
  const char *kind;
  cr_assert_eq(privacy_link_peek(d, s_old, now, &kind, &e), PRIVACY_LINK_GONE, "expired, kept");
  const char *waiting =
      "SELECT COUNT(*) FROM privacy_requests WHERE status = $1 AND tenant_id = $2";
  cr_assert_eq(count_as(0, waiting, "waiting"), 2, "A: Paula's old and recent request");
  cr_assert_eq(count_as(1, waiting, "waiting"), 2, "B: the same");
  cr_assert_eq(count_as(0, waiting, "completed"), 1, "A: Quentin's, confirmed");

  /* a sweep before the link has run out leaves everything */
  struct sweep x = {.now = old + 3600};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_sweep, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.st.tokens, 0);
  cr_expect_eq(x.st.requests, 0);

  x.now = now;
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_sweep, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.st.requests, 2, "Paula's unconfirmed request at A and at B");
  cr_expect_eq(x.st.tokens, 2, "both links of two days ago (a day past expiry)");
  cr_assert_eq(count_as(0, waiting, "waiting"), 1, "the recent one stays");
  cr_assert_eq(count_as(1, waiting, "waiting"), 1);
  cr_assert_eq(count_as(0, waiting, "completed"), 1, "a confirmed request is the record: kept");
  cr_expect_eq(privacy_link_peek(d, s_old, now, &kind, &e), PRIVACY_LINK_UNKNOWN, "gone");
  cr_expect_eq(privacy_link_peek(d, s_recent, now, &kind, &e), PRIVACY_LINK_OK, "still valid");
  /* again: nothing more */
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_sweep, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.st.tokens + x.st.requests, 0);
}
