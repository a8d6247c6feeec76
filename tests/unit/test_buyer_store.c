/* Store tests for buyer accounts — favourites, saved searches, erasure and the alert
 * run — on SQLite and on PostgreSQL (CC24_TEST_DATABASE_URL). On PostgreSQL every
 * call after the set-up runs as the application role cc24_app, so row-level
 * security (migration 0012, keyed on cc24.user_id) applies; raw SQL as cc24_app
 * checks the policies themselves. */
#include "auth/auth.h"
#include "auth/session.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "inventory/vehicle_store.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db *d;
static db *owner; /* a second handle without the app role (PostgreSQL: sees every row) */
static struct arena *a;
static struct tenant dealer;
static int64_t buyer[3]; /* A, B verified; C unverified */
static bool rls;

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  memset(&dealer, 0, sizeof dealer);
  dealer.slug = "autohaus-buyer-test";
  dealer.name = "Autohaus Käufertest";
  if (tenant_store_create(c, &dealer, e) < 0)
    return -1;
  if (auth_tx_act_as(c, 0, e) < 0)
    return -1;
  const char *mails[] = {"a@kaeufer.example", "b@kaeufer.example", "c@kaeufer.example"};
  for (int i = 0; i < 3; i++) {
    struct auth_user u = {.role = AUTH_ROLE_BUYER,
                          .email = mails[i],
                          .name = i == 0   ? "Anna"
                                  : i == 1 ? "Ben"
                                           : "",
                          .email_verified_at = i < 2 ? 1 : 0};
    if (auth_user_create(c, a, &u, "Ein-langes-Passwort", e) < 0)
      return -1;
    buyer[i] = u.id;
  }
  return db_exec(c, "UPDATE users SET locale = 'en' WHERE id = $1", DB_PARAMS(db_i64(buyer[1])),
                 e) < 0
             ? -1
             : 0;
}

static void setup(void)
{
  ids_init();
  config_defaults();
  char dir[1024];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  owner = db_open(testdb_url(), 2, &e);
  cr_assert_not_null(owner, "%s", e.msg);
  rls = db_backend(d) == DB_PG && db_use_role(d, "cc24_app", &e) == 0;
  if (db_backend(d) == DB_PG)
    cr_assert(rls, "the application role cc24_app must be usable: %s", e.msg);
}

static void teardown(void)
{
  db_close(owner);
  arena_free(a);
  testdb_close(d);
}

TestSuite(buyer_store, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  return vehicle_store_insert(c, a, arg, e);
}

static void make_vehicle(struct vehicle *x, const char *make, const char *model, int fuel,
                         int status)
{
  vehicle_init(x);
  x->tenant_id = dealer.id;
  x->make = make;
  x->model = model;
  x->variant = "Testfahrzeug";
  x->body = BODY_ESTATE;
  x->condition = COND_USED;
  x->first_reg = 2021 * 12 + 2;
  x->mileage_km = 42000;
  x->power_kw = 140;
  x->fuel = fuel;
  x->gearbox = GEARBOX_AUTOMATIC;
  x->drive = DRIVE_REAR;
  x->colour = COLOUR_BLACK;
  x->price_cents = 3190000;
  x->vat_mode = VAT_MARGIN;
  x->status = status;
  struct err e = {0};
  cr_assert_eq(db_tx(d, dealer.id, DB_WRITE, tx_vehicle, x, &e), 0, "%s", e.msg);
}

struct sql_arg {
  const char *sql;
  const struct db_param *p;
  int64_t out;
  int rows;
};

static int tx_sql(db_conn *c, void *arg, struct err *e)
{
  struct sql_arg *x = arg;
  x->rows = db_exec(c, x->sql, x->p, e);
  return x->rows < 0 ? -1 : 0;
}

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct sql_arg *x = arg;
  return db_query_one(c, NULL, x->sql, x->p, DB_ROW(db_out_i64(&x->out)), e) == 1 ? 0 : -1;
}

/* A count as the owner (every row, whatever the policies say). */
static int64_t owner_count(const char *sql, const struct db_param *p)
{
  struct sql_arg x = {sql, p, -1, 0};
  struct err e = {0};
  cr_assert_eq(db_tx(owner, 0, DB_READ, tx_count, &x, &e), 0, "%s: %s", sql, e.msg);
  return x.out;
}

/* A statement as the owner (set-up of times the application never sets itself). */
static void owner_exec(const char *sql, const struct db_param *p)
{
  struct sql_arg x = {sql, p, 0, 0};
  struct err e = {0};
  cr_assert_eq(db_tx(owner, 0, DB_WRITE, tx_sql, &x, &e), 0, "%s: %s", sql, e.msg);
}

struct fav_arg {
  int64_t user;
  const char *vehicle, *title;
  int rc;
  struct err le;
  struct buyer_favourite *list;
  int n;
};

static int tx_fav_add(db_conn *c, void *arg, struct err *e)
{
  struct fav_arg *x = arg;
  (void)e;
  x->le = (struct err){0};
  x->rc = buyer_fav_add(c, x->user, x->vehicle, x->title, &x->le);
  return x->rc < 0 && x->le.code != CC24_E_CONFLICT && x->le.code != CC24_E_VALIDATION ? -1 : 0;
}

static int tx_fav_remove(db_conn *c, void *arg, struct err *e)
{
  struct fav_arg *x = arg;
  x->rc = buyer_fav_remove(c, x->user, x->vehicle, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_fav_list(db_conn *c, void *arg, struct err *e)
{
  struct fav_arg *x = arg;
  return buyer_fav_list(c, a, x->user, &x->list, &x->n, e);
}

static int fav_add(int64_t user, const char *vehicle, struct err *le)
{
  struct fav_arg x = {.user = user, .vehicle = vehicle, .title = "VW Golf"};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, user, DB_WRITE, tx_fav_add, &x, &e), 0, "%s", e.msg);
  if (le)
    *le = x.le;
  return x.rc;
}

static struct fav_arg fav_list(int64_t user)
{
  struct fav_arg x = {.user = user};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, user, DB_READ, tx_fav_list, &x, &e), 0, "%s", e.msg);
  return x;
}

struct search_arg {
  struct buyer_search s;
  struct buyer_search *list;
  int n, rc;
  struct err le;
  int64_t user;
  const char *id, *name;
  bool on;
};

static int tx_search_create(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  (void)e;
  x->le = (struct err){0};
  x->rc = buyer_search_create(c, &x->s, &x->le);
  return x->rc < 0 && x->le.code != CC24_E_CONFLICT && x->le.code != CC24_E_DB_CONSTRAINT ? -1 : 0;
}

static int tx_search_list(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  return buyer_search_list(c, a, x->user, &x->list, &x->n, e);
}

static int tx_search_get(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  x->rc = buyer_search_get(c, a, x->user, x->id, &x->s, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_search_rename(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  x->rc = buyer_search_rename(c, x->user, x->id, x->name, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_search_alert(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  x->rc = buyer_search_set_alert(c, x->user, x->id, x->on, time_now(), e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_search_delete(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  x->rc = buyer_search_delete(c, x->user, x->id, e);
  return x->rc < 0 ? -1 : 0;
}

static int search_create(int64_t user, const char *name, const char *query, bool alert,
                         char id_out[ID_LEN + 1], struct err *le)
{
  struct search_arg x = {.s = {.user_id = user, .name = name, .query = query, .alert = alert}};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, user, DB_WRITE, tx_search_create, &x, &e), 0, "%s", e.msg);
  if (id_out)
    memcpy(id_out, x.s.id, ID_LEN + 1);
  if (le)
    *le = x.le;
  return x.rc;
}

static int search_op(int (*fn)(db_conn *, void *, struct err *), int64_t user, const char *id,
                     const char *name, bool on)
{
  struct search_arg x = {.user = user, .id = id, .name = name, .on = on};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, user, DB_WRITE, fn, &x, &e), 0, "%s", e.msg);
  return x.rc;
}

static struct search_arg search_get(int64_t user, const char *id)
{
  struct search_arg x = {.user = user, .id = id};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, user, DB_READ, tx_search_get, &x, &e), 0, "%s", e.msg);
  return x;
}

/* ---- favourites ---- */

Test(buyer_store, favourites_belong_to_one_buyer)
{
  struct vehicle v[2];
  make_vehicle(&v[0], "VW", "Golf", FUEL_PETROL, STATUS_PUBLISHED);
  make_vehicle(&v[1], "BMW", "320d", FUEL_DIESEL, STATUS_PUBLISHED);
  cr_expect_eq(fav_add(buyer[0], v[0].public_id, NULL), 1);
  cr_expect_eq(fav_add(buyer[0], v[0].public_id, NULL), 0, "the pair is unique");
  cr_expect_eq(fav_add(buyer[0], v[1].public_id, NULL), 1);
  cr_expect_eq(fav_add(buyer[1], v[1].public_id, NULL), 1);
  struct err le;
  cr_expect_eq(fav_add(buyer[0], "not-an-id", &le), -1);
  cr_expect_eq(le.code, CC24_E_VALIDATION);

  struct fav_arg la = fav_list(buyer[0]), lb = fav_list(buyer[1]);
  cr_assert_eq(la.n, 2);
  cr_assert_eq(lb.n, 1);
  cr_expect_str_eq(lb.list[0].vehicle_id, v[1].public_id);
  cr_expect_str_eq(la.list[0].title, "VW Golf");
  cr_expect_gt(la.list[0].created_at, 0);

  /* B removes "A's" vehicle from B's own list: A keeps it */
  struct fav_arg r = {.user = buyer[1], .vehicle = v[0].public_id};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, buyer[1], DB_WRITE, tx_fav_remove, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.rc, 0);
  cr_expect_eq(fav_list(buyer[0]).n, 2);
  r = (struct fav_arg){.user = buyer[0], .vehicle = v[0].public_id};
  cr_assert_eq(db_tx_user(d, buyer[0], DB_WRITE, tx_fav_remove, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.rc, 1);
  cr_expect_eq(fav_list(buyer[0]).n, 1);

  if (rls) {
    /* a transaction for buyer A that asks for B's favourites by B's id gets none */
    struct fav_arg cross = {.user = buyer[1]};
    cr_assert_eq(db_tx_user(d, buyer[0], DB_READ, tx_fav_list, &cross, &e), 0, "%s", e.msg);
    cr_expect_eq(cross.n, 0, "row-level security hides B's favourites from A");
    /* and one for nobody sees no favourites at all */
    cr_assert_eq(db_tx(d, 0, DB_READ, tx_fav_list, &cross, &e), 0, "%s", e.msg);
    cr_expect_eq(cross.n, 0);
  }
}

Test(buyer_store, the_favourites_list_has_a_limit)
{
  char id[ID_LEN + 1];
  for (int i = 0; i < BUYER_FAVOURITES_MAX; i++) {
    id_new(id);
    cr_assert_eq(fav_add(buyer[0], id, NULL), 1, "favourite %d", i);
  }
  struct err le;
  id_new(id);
  cr_expect_eq(fav_add(buyer[0], id, &le), -1);
  cr_expect_eq(le.code, CC24_E_CONFLICT);
  cr_expect_eq(fav_list(buyer[0]).n, BUYER_FAVOURITES_MAX);
  cr_expect_eq(fav_add(buyer[1], id, NULL), 1, "another buyer's list is not full");
}

/* ---- saved searches ---- */

Test(buyer_store, saved_searches_crud_and_isolation)
{
  char sa[ID_LEN + 1], sb[ID_LEN + 1];
  cr_assert_eq(search_create(buyer[0], "BMW Diesel", "make=BMW&fuel=diesel", true, sa, NULL), 0);
  cr_assert_eq(search_create(buyer[1], "Golf", "make=VW&model=Golf", false, sb, NULL), 0);
  cr_expect(id_valid(sa));
  struct err le;
  cr_expect_eq(search_create(buyer[0], "again", "make=BMW&fuel=diesel", true, NULL, &le), -1);
  cr_expect_eq(le.code, CC24_E_DB_CONSTRAINT, "the same query twice");
  cr_expect_eq(search_create(buyer[1], "BMW too", "make=BMW&fuel=diesel", true, NULL, NULL), 0,
               "another buyer may save the same query");

  struct search_arg g = search_get(buyer[0], sa);
  cr_assert_eq(g.rc, 1);
  cr_expect_str_eq(g.s.name, "BMW Diesel");
  cr_expect_str_eq(g.s.query, "make=BMW&fuel=diesel");
  cr_expect(g.s.alert);
  cr_expect_geq(g.s.seen_until, g.s.created_at, "only vehicles from now on are new");
  cr_expect_eq(search_get(buyer[0], sb).rc, 0, "B's search is not A's");
  cr_expect_eq(search_get(buyer[1], sa).rc, 0);

  cr_expect_eq(search_op(tx_search_rename, buyer[1], sa, "taken over", false), 0);
  cr_expect_eq(search_op(tx_search_alert, buyer[1], sa, NULL, false), 0);
  cr_expect_eq(search_op(tx_search_delete, buyer[1], sa, NULL, false), 0);
  g = search_get(buyer[0], sa);
  cr_expect_str_eq(g.s.name, "BMW Diesel", "untouched by B");
  cr_expect(g.s.alert);

  cr_expect_eq(search_op(tx_search_rename, buyer[0], sa, "Mein BMW", false), 1);
  cr_expect_eq(search_op(tx_search_alert, buyer[0], sa, NULL, false), 1);
  g = search_get(buyer[0], sa);
  cr_expect_str_eq(g.s.name, "Mein BMW");
  cr_expect_not(g.s.alert);

  struct search_arg l = {.user = buyer[0]};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, buyer[0], DB_READ, tx_search_list, &l, &e), 0, "%s", e.msg);
  cr_expect_eq(l.n, 1);
  if (rls) {
    struct search_arg cross = {.user = buyer[1]};
    cr_assert_eq(db_tx_user(d, buyer[0], DB_READ, tx_search_list, &cross, &e), 0, "%s", e.msg);
    cr_expect_eq(cross.n, 0, "row-level security hides B's searches from A");
  }
  cr_expect_eq(search_op(tx_search_delete, buyer[0], sa, NULL, false), 1);
  cr_expect_eq(search_get(buyer[0], sa).rc, 0);
}

Test(buyer_store, at_most_fifty_searches)
{
  char q[64];
  for (int i = 0; i < BUYER_SEARCHES_MAX; i++) {
    snprintf(q, sizeof q, "make=VW&price_max=%d", 1000 + i);
    cr_assert_eq(search_create(buyer[0], "Suche", q, false, NULL, NULL), 0, "search %d", i);
  }
  struct err le;
  cr_expect_eq(search_create(buyer[0], "Nr. 51", "make=Seat", false, NULL, &le), -1);
  cr_expect_eq(le.code, CC24_E_CONFLICT, "the 51st search is refused");
  cr_expect_eq(owner_count("SELECT COUNT(*) FROM saved_searches WHERE user_id = $1",
                           DB_PARAMS(db_i64(buyer[0]))),
               BUYER_SEARCHES_MAX);
  cr_expect_eq(search_create(buyer[1], "B", "make=Seat", false, NULL, NULL), 0);
}

/* ---- alerts ---- */

static int64_t outbox_to(const char *to)
{
  return owner_count("SELECT COUNT(*) FROM outbox WHERE recipient = $1", DB_PARAMS(db_text(to)));
}

struct body_arg {
  const char *to;
  char *subject, *body;
};

static int tx_last_mail(db_conn *c, void *arg, struct err *e)
{
  struct body_arg *x = arg;
  return db_query_one(c, a,
                      "SELECT subject, body FROM outbox WHERE recipient = $1 ORDER BY id DESC"
                      " LIMIT 1",
                      DB_PARAMS(db_text(x->to)),
                      DB_ROW(db_out_text(&x->subject), db_out_text(&x->body)), e) == 1
             ? 0
             : -1;
}

Test(buyer_store, alert_run_mails_new_matching_vehicles_once)
{
  int64_t now = time_now();
  char sa[ID_LEN + 1], sb[ID_LEN + 1], soff[ID_LEN + 1], sc[ID_LEN + 1];
  cr_assert_eq(search_create(buyer[0], "BMW Diesel", "make=BMW&fuel=diesel", true, sa, NULL), 0);
  cr_assert_eq(search_create(buyer[1], "Any BMW", "make=BMW", true, sb, NULL), 0);
  cr_assert_eq(search_create(buyer[0], "Switched off", "make=BMW&model=320d", false, soff, NULL),
               0);
  cr_assert_eq(search_create(buyer[2], "Unverified", "make=BMW", true, sc, NULL), 0);
  /* the searches were saved 1000 s ago */
  owner_exec("UPDATE saved_searches SET created_at = $1, seen_until = $1",
             DB_PARAMS(db_i64(now - 1000)));

  struct vehicle old, fresh, petrol, draft;
  make_vehicle(&old, "BMW", "320d", FUEL_DIESEL, STATUS_PUBLISHED);
  make_vehicle(&fresh, "BMW", "520d", FUEL_DIESEL, STATUS_PUBLISHED);
  make_vehicle(&petrol, "BMW", "118i", FUEL_PETROL, STATUS_PUBLISHED);
  make_vehicle(&draft, "BMW", "X5", FUEL_DIESEL, STATUS_DRAFT);
  owner_exec("UPDATE vehicles SET published_at = $1 WHERE id = $2",
             DB_PARAMS(db_i64(now - 2000), db_i64(old.id)));
  owner_exec("UPDATE vehicles SET published_at = $1 WHERE id IN ($2, $3, $4)",
             DB_PARAMS(db_i64(now - 500), db_i64(fresh.id), db_i64(petrol.id), db_i64(draft.id)));

  struct buyer_alert_stats st;
  struct err e = {0};
  cr_assert_eq(buyer_alerts_run(d, now, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.searches, 2, "alert on and verified: A's and B's");
  cr_expect_eq(st.mails, 2);
  cr_expect_eq(outbox_to("a@kaeufer.example"), 1);
  cr_expect_eq(outbox_to("b@kaeufer.example"), 1);
  cr_expect_eq(outbox_to("c@kaeufer.example"), 0, "no alerts to unconfirmed addresses");

  struct body_arg m = {.to = "a@kaeufer.example"};
  cr_assert_eq(db_tx(owner, 0, DB_READ, tx_last_mail, &m, &e), 0, "%s", e.msg);
  cr_expect_str_eq(m.subject, "Neues Fahrzeug für Ihre Suche „BMW Diesel“");
  cr_expect(strstr(m.body, fresh.public_id), "the new diesel is in A's mail:\n%s", m.body);
  cr_expect_null(strstr(m.body, old.public_id), "published before the search was saved");
  cr_expect_null(strstr(m.body, petrol.public_id), "not a diesel");
  cr_expect_null(strstr(m.body, draft.public_id), "not public");
  cr_expect(strstr(m.body, "/suchalarm/abbestellen?t="), "an unsubscribe link");
  cr_expect(strstr(m.body, "Hallo Anna,"));

  m = (struct body_arg){.to = "b@kaeufer.example"};
  cr_assert_eq(db_tx(owner, 0, DB_READ, tx_last_mail, &m, &e), 0, "%s", e.msg);
  cr_expect_str_eq(m.subject, "2 new vehicles for your search “Any BMW”", "B reads English");
  cr_expect(strstr(m.body, fresh.public_id) && strstr(m.body, petrol.public_id));

  /* every alert mail carries its unsubscribe token */
  const char *t = strstr(m.body, "?t=");
  cr_assert_not_null(t);

  struct search_arg g = search_get(buyer[0], sa);
  cr_expect_eq(g.s.last_checked_at, now);
  cr_expect_eq(g.s.seen_until, now - 3, "up to a few seconds before now");
  cr_expect_eq(g.s.alerts_sent, 1);
  cr_expect_eq(search_get(buyer[0], soff).s.last_checked_at, 0, "alert off: not looked at");

  /* a second run finds nothing new: no second mail */
  cr_assert_eq(buyer_alerts_run(d, now + 60, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mails, 0);
  cr_expect_eq(outbox_to("a@kaeufer.example"), 1);

  /* a vehicle published after that: announced in the next run */
  struct vehicle later;
  make_vehicle(&later, "BMW", "330d", FUEL_DIESEL, STATUS_PUBLISHED);
  owner_exec("UPDATE vehicles SET published_at = $1 WHERE id = $2",
             DB_PARAMS(db_i64(now + 100), db_i64(later.id)));
  cr_assert_eq(buyer_alerts_run(d, now + 200, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.mails, 2);
  m = (struct body_arg){.to = "a@kaeufer.example"};
  cr_assert_eq(db_tx(owner, 0, DB_READ, tx_last_mail, &m, &e), 0, "%s", e.msg);
  cr_expect(strstr(m.body, later.public_id));
  cr_expect_null(strstr(m.body, fresh.public_id), "announced once");
}

/* ---- the account ---- */

struct erase_arg {
  int64_t user;
  int rc, fav, searches;
};

static int tx_erase(db_conn *c, void *arg, struct err *e)
{
  struct erase_arg *x = arg;
  if (auth_tx_act_as(c, 0, e) < 0)
    return -1;
  x->rc = buyer_account_erase(c, x->user, &x->fav, &x->searches, e);
  return x->rc < 0 ? -1 : 0;
}

struct sess_arg {
  int64_t user;
  char *token;
};

static int tx_session(db_conn *c, void *arg, struct err *e)
{
  struct sess_arg *x = arg;
  struct auth_user u = {.id = x->user, .role = AUTH_ROLE_BUYER};
  if (auth_tx_act_as(c, 0, e) < 0 || session_create(c, a, &u, &x->token, NULL, e) < 0)
    return -1;
  char *tok;
  if (auth_onetime_create(c, a, x->user, "reset", 3600, &tok, e) < 0 ||
      auth_audit(c, 0, x->user, "login", "password", "192.0.2.7", e) < 0 ||
      mail_queue(c, &(struct mail){.to = "a@kaeufer.example", .subject = "Betreff", .text = "Text"},
                 e) < 0)
    return -1;
  return 0;
}

Test(buyer_store, erasure_removes_the_account_with_everything_at_once)
{
  struct vehicle v;
  make_vehicle(&v, "VW", "Golf", FUEL_PETROL, STATUS_PUBLISHED);
  cr_assert_eq(fav_add(buyer[0], v.public_id, NULL), 1);
  cr_assert_eq(fav_add(buyer[1], v.public_id, NULL), 1);
  cr_assert_eq(search_create(buyer[0], "S1", "make=VW", true, NULL, NULL), 0);
  cr_assert_eq(search_create(buyer[0], "S2", "make=BMW", true, NULL, NULL), 0);
  struct sess_arg s = {.user = buyer[0]};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, buyer[0], DB_WRITE, tx_session, &s, &e), 0, "%s", e.msg);

  /* A's transaction cannot erase B */
  struct erase_arg x = {.user = buyer[1]};
  if (rls) {
    cr_assert_eq(db_tx_user(d, buyer[0], DB_WRITE, tx_erase, &x, &e), 0, "%s", e.msg);
    cr_expect_eq(x.rc, 0, "B is not in A's transaction");
  }
  x = (struct erase_arg){.user = buyer[0]};
  cr_assert_eq(db_tx_user(d, buyer[0], DB_WRITE, tx_erase, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc, 1);
  cr_expect_eq(x.fav, 1);
  cr_expect_eq(x.searches, 2);
  cr_expect_eq(owner_count("SELECT COUNT(*) FROM users WHERE id = $1", DB_PARAMS(db_i64(buyer[0]))),
               0);
  const char *per_user[] = {"favourites", "saved_searches", "sessions", "auth_tokens", "audit_log"};
  for (size_t i = 0; i < sizeof per_user / sizeof per_user[0]; i++)
    cr_expect_eq(
        owner_count(arena_printf(a, "SELECT COUNT(*) FROM %s WHERE user_id = $1", per_user[i]),
                    DB_PARAMS(db_i64(buyer[0]))),
        0, "%s rows of the erased buyer", per_user[i]);
  cr_expect_eq(outbox_to("a@kaeufer.example"), 0, "mails to the address are gone");
  cr_expect_eq(owner_count("SELECT COUNT(*) FROM audit_log WHERE ip = '192.0.2.7'", DB_NOPARAMS), 0,
               "the audit log keeps no address of the person");
  cr_expect_eq(
      owner_count("SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND user_id IS NULL",
                  DB_NOPARAMS),
      1, "the entry stays, without the person");
  cr_expect_eq(fav_list(buyer[1]).n, 1, "B keeps B's favourites");
  cr_expect_eq(owner_count("SELECT COUNT(*) FROM users WHERE id = $1", DB_PARAMS(db_i64(buyer[1]))),
               1);
}

struct acc_arg {
  int64_t user;
  struct buyer_account acc;
  int rc;
};

static int tx_acc(db_conn *c, void *arg, struct err *e)
{
  struct acc_arg *x = arg;
  x->rc = buyer_account_get(c, a, x->user, &x->acc, e);
  return x->rc < 0 ? -1 : 0;
}

Test(buyer_store, a_buyer_reads_only_the_own_account)
{
  struct acc_arg x = {.user = buyer[1]};
  struct err e = {0};
  cr_assert_eq(db_tx_user(d, buyer[1], DB_READ, tx_acc, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc, 1);
  cr_expect_str_eq(x.acc.email, "b@kaeufer.example");
  cr_expect_str_eq(x.acc.locale, "en");
  if (rls) {
    struct acc_arg other = {.user = buyer[1]};
    cr_assert_eq(db_tx_user(d, buyer[0], DB_READ, tx_acc, &other, &e), 0, "%s", e.msg);
    cr_expect_eq(other.rc, 0, "A's transaction does not see B's account");
  }
}

/* ---- the policies themselves, with raw SQL as cc24_app ---- */

static int64_t raw_count(db_conn *c, const char *sql)
{
  struct err e = {0};
  int64_t n = -1;
  cr_assert_eq(db_query_one(c, NULL, sql, DB_NOPARAMS, DB_ROW(db_out_i64(&n)), &e), 1, "%s: %s",
               sql, e.msg);
  return n;
}

static void raw_ctx(db_conn *c, const char *tenant, const char *user)
{
  struct err e = {0};
  cr_assert_geq(db_exec(c,
                        "SELECT set_config('cc24.tenant_id', $1, false),"
                        " set_config('cc24.public', 'off', false),"
                        " set_config('cc24.user_id', $2, false)",
                        DB_PARAMS(db_text(tenant), db_text(user)), &e),
                0, "%s", e.msg);
}

Test(buyer_store, row_level_security_keys_on_the_buyer)
{
  if (!rls)
    cr_skip_test("row-level security exists only on PostgreSQL");
  char id[ID_LEN + 1];
  id_new(id);
  cr_assert_eq(fav_add(buyer[0], id, NULL), 1);
  cr_assert_eq(fav_add(buyer[1], id, NULL), 1);
  char sa[ID_LEN + 1];
  cr_assert_eq(search_create(buyer[0], "A", "make=VW", true, sa, NULL), 0);
  cr_assert_eq(search_create(buyer[1], "B", "make=VW", true, NULL, NULL), 0);

  struct err e = {0};
  db_conn *c = db_acquire(owner, &e);
  cr_assert_not_null(c, "%s", e.msg);
  cr_assert_eq(db_exec_script(c, "SET ROLE cc24_app", &e), 0, "%s", e.msg);
  char ua[24], ub[24];
  snprintf(ua, sizeof ua, "%lld", (long long)buyer[0]);
  snprintf(ub, sizeof ub, "%lld", (long long)buyer[1]);

  /* nobody: no buyer rows */
  raw_ctx(c, "", "");
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM favourites"), 0);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM saved_searches"), 0);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM users WHERE role = 'buyer'"), 0);
  /* a dealer sees no buyer rows either */
  char td[24];
  snprintf(td, sizeof td, "%lld", (long long)dealer.id);
  raw_ctx(c, td, "");
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM favourites"), 0);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM users WHERE role = 'buyer'"), 0);
  /* buyer A: exactly A's rows, the own account and no other buyer's */
  raw_ctx(c, "", ua);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM favourites"), 1);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM saved_searches"), 1);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM users"), 1);
  raw_ctx(c, "0", ua);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM users WHERE role = 'buyer'"), 1,
               "with the platform rows too, still only the own buyer account");
  raw_ctx(c, "", ua);
  struct err we = {0};
  cr_expect_lt(db_exec(c,
                       "INSERT INTO favourites (user_id, vehicle_public_id, created_at)"
                       " VALUES ($1, 'aaaaaaaaaaaaaaaa', 0)",
                       DB_PARAMS(db_i64(buyer[1])), &we),
               0, "a favourite for another buyer");
  we = (struct err){0};
  cr_expect_eq(db_exec(c, "UPDATE saved_searches SET alert = 0 WHERE user_id = $1",
                       DB_PARAMS(db_i64(buyer[1])), &we),
               0, "B's searches are not there to change");
  we = (struct err){0};
  cr_expect_lt(
      db_exec(c, "UPDATE saved_searches SET user_id = $1", DB_PARAMS(db_i64(buyer[1])), &we), 0,
      "moving A's search to B");
  /* the definer functions: the owner of a named search, the due list (ids only) */
  raw_ctx(c, "", "");
  struct arena *ra = arena_new(0);
  int64_t own = 0;
  cr_expect_eq(db_query_one(c, ra, "SELECT cc24_buyer_search_owner($1)", DB_PARAMS(db_text(sa)),
                            DB_ROW(db_out_i64(&own)), &e),
               1, "%s", e.msg);
  cr_expect_eq(own, buyer[0]);
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM cc24_buyer_alerts_due(0, 100)"), 2);
  cr_expect_eq(raw_count(c, "SELECT cc24_buyer_erase()"), 0, "erases nobody without a buyer");
  arena_free(ra);
  /* the tables are the app's to use */
  cr_expect_eq(raw_count(c, "SELECT COUNT(*) FROM information_schema.role_table_grants"
                            " WHERE grantee = 'cc24_app' AND table_name IN ('favourites',"
                            " 'saved_searches') AND privilege_type = 'DELETE'"),
               2);
  db_exec_script(c, "RESET ROLE", &e);
  raw_ctx(c, "", "");
  db_release(c);
}
