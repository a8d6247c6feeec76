/* Store tests for dealer profiles — run on SQLite and on PostgreSQL
 * (CC24_TEST_DATABASE_URL): every field round-trips, hours and team are replaced
 * on save, a dealer's profile never shows up for another, the database refuses
 * impossible hours, and on PostgreSQL row-level security stops a dealer writing
 * another dealer's profile while the public site may read all of them. */
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static db *d;
static struct arena *a;

static void setup(void)
{
  ids_init();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  char dir[4096];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(tenant_store, .init = setup, .fini = teardown);

struct ctx {
  struct tenant t[2];
  struct tenant_profile p;
  struct tenant_profile got;
  struct tenant loaded;
  json_t *card;
  int rc;
};

static int tx_tenants(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  const char *slugs[] = {"autohaus-alpha", "autohaus-beta"};
  for (int i = 0; i < 2; i++) {
    memset(&x->t[i], 0, sizeof x->t[i]);
    x->t[i].slug = slugs[i];
    x->t[i].name = i ? "Autohaus Beta" : "Autohaus Alpha";
    x->t[i].city = "Hamburg";
    if (tenant_store_create(c, &x->t[i], e) < 0)
      return -1;
  }
  return 0;
}

static void full_profile(struct tenant_profile *p)
{
  tenant_profile_init(p);
  p->legal_name = "Autohaus Alpha GmbH & Co. KG";
  p->legal_form = LF_GMBH_CO_KG;
  p->managing_directors = "Jürgen Ölmann, Inés Ğüzel";
  p->register_court = "Amtsgericht Hamburg";
  p->register_number = "HRA 98765";
  p->vat_id = "DE273648192";
  p->tax_number = "43/721/01234";
  p->has_geo = true;
  p->lat_e6 = 53573100;
  p->lon_e6 = -10071200;
  p->about_de = "Seit 1978 <b>'; DROP TABLE dealer_profiles; --";
  p->about_en = "Since 1978.";
  p->logo_path = "/static/img/dealers/autohaus-berger.svg";
  snprintf(p->color_primary, sizeof p->color_primary, "#0b4f8a");
  snprintf(p->color_accent, sizeof p->color_accent, "#b45309");
  p->hours.n[0] = 2;
  p->hours.iv[0][0] = (struct tenant_interval){480, 750};
  p->hours.iv[0][1] = (struct tenant_interval){810, 1080};
  p->hours.n[5] = 1;
  p->hours.iv[5][0] = (struct tenant_interval){540, 1440};
  p->nteam = 2;
  p->team[0] = (struct tenant_member){"Anja Berger", "Verkauf", "+49 40 1", "anja@alpha.example"};
  p->team[1] = (struct tenant_member){"Ömer Kaya", "Service", "", ""};
  p->social[SOCIAL_INSTAGRAM] = "https://www.instagram.com/alpha";
  p->social[SOCIAL_YOUTUBE] = "https://youtube.com/@alpha";
}

static int tx_save(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return tenant_profile_save(c, a, &x->t[0], &x->p, e);
}

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  x->rc = tenant_profile_load(c, a, x->loaded.id, &x->got, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_card(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  x->rc = tenant_card_load(c, a, x->loaded.id, "de", 1790000000, &x->card, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_tenant(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  x->rc = tenant_store_by_id(c, a, x->loaded.id, &x->loaded, e);
  return x->rc < 0 ? -1 : 0;
}

static void load(struct ctx *x, int64_t tx_tenant_id, int64_t id)
{
  struct err e = {0};
  x->loaded.id = id;
  cr_assert_eq(db_tx(d, tx_tenant_id, DB_READ, tx_load, x, &e), 0, "%s", e.msg);
}

Test(tenant_store, profile_round_trip)
{
  struct ctx x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, &x, &e), 0, "%s", e.msg);
  full_profile(&x.p);
  x.t[0].name = "Autohaus Alpha";
  x.t[0].street = "Süderstraße 1";
  x.t[0].zip = "20097";
  x.t[0].phone = "+49 40 123456";
  x.t[0].email = "info@alpha.example";
  x.t[0].website = "https://alpha.example";
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_save, &x, &e), 0, "%s", e.msg);

  load(&x, x.t[0].id, x.t[0].id);
  cr_assert_eq(x.rc, 1);
  struct tenant_profile *g = &x.got;
  cr_assert_str_eq(g->legal_name, x.p.legal_name);
  cr_assert_eq(g->legal_form, LF_GMBH_CO_KG);
  cr_assert_str_eq(g->managing_directors, x.p.managing_directors);
  cr_assert_str_eq(g->register_court, "Amtsgericht Hamburg");
  cr_assert_str_eq(g->register_number, "HRA 98765");
  cr_assert_str_eq(g->vat_id, "DE273648192");
  cr_assert_str_eq(g->tax_number, "43/721/01234");
  cr_assert(g->has_geo);
  cr_assert_eq(g->lat_e6, 53573100);
  cr_assert_eq(g->lon_e6, -10071200);
  cr_assert_str_eq(g->about_de, x.p.about_de);
  cr_assert_str_eq(g->about_en, "Since 1978.");
  cr_assert_str_eq(g->logo_path, x.p.logo_path);
  cr_assert_str_eq(g->color_primary, "#0b4f8a");
  cr_assert_str_eq(g->color_accent, "#b45309");
  cr_assert_eq(g->hours.n[0], 2);
  cr_assert_eq(g->hours.iv[0][1].open, 810);
  cr_assert_eq(g->hours.iv[0][1].close, 1080);
  cr_assert_eq(g->hours.n[1], 0);
  cr_assert_eq(g->hours.iv[5][0].close, 1440);
  cr_assert_eq(g->nteam, 2);
  cr_assert_str_eq(g->team[1].name, "Ömer Kaya");
  cr_assert_str_eq(g->team[0].email, "anja@alpha.example");
  cr_assert_str_eq(g->social[SOCIAL_INSTAGRAM], "https://www.instagram.com/alpha");
  cr_assert_str_eq(g->social[SOCIAL_YOUTUBE], "https://youtube.com/@alpha");
  cr_assert_str_eq(g->social[SOCIAL_FACEBOOK], "");
  cr_assert_gt(g->updated_at, 0);

  /* the base data went to the tenants row */
  x.loaded.id = x.t[0].id;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_READ, tx_tenant, &x, &e), 0, "%s", e.msg);
  cr_assert_str_eq(x.loaded.street, "Süderstraße 1");
  cr_assert_str_eq(x.loaded.website, "https://alpha.example");
  cr_assert_str_eq(x.loaded.slug, "autohaus-alpha", "the slug stays");

  /* the other dealer has no profile: empty, not alpha's */
  load(&x, x.t[1].id, x.t[1].id);
  cr_assert_eq(x.rc, 0);
  cr_assert_str_eq(x.got.legal_name, "");
  cr_assert_eq(x.got.legal_form, -1);
  cr_assert_eq(x.got.nteam, 0);
  cr_assert_eq(x.got.hours.n[0], 0);

  /* the public site reads it (showroom, Impressum) */
  load(&x, 0, x.t[0].id);
  cr_assert_eq(x.rc, 1);
  cr_assert_str_eq(x.got.vat_id, "DE273648192");
}

Test(tenant_store, save_replaces_hours_and_team)
{
  struct ctx x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, &x, &e), 0, "%s", e.msg);
  full_profile(&x.p);
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_save, &x, &e), 0, "%s", e.msg);
  x.p.hours = (struct tenant_hours){0};
  x.p.hours.n[3] = 1;
  x.p.hours.iv[3][0] = (struct tenant_interval){600, 660};
  x.p.nteam = 1;
  x.p.team[0] = (struct tenant_member){"Nur Eine", "", "", ""};
  x.p.has_geo = false;
  x.p.social[SOCIAL_YOUTUBE] = "";
  x.p.legal_form = -1;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_save, &x, &e), 0, "%s", e.msg);
  load(&x, x.t[0].id, x.t[0].id);
  cr_assert_eq(x.got.hours.n[0], 0, "the old Monday is gone");
  cr_assert_eq(x.got.hours.n[3], 1);
  cr_assert_eq(x.got.hours.iv[3][0].open, 600);
  cr_assert_eq(x.got.nteam, 1);
  cr_assert_str_eq(x.got.team[0].name, "Nur Eine");
  cr_assert_not(x.got.has_geo, "the position can be removed");
  cr_assert_str_eq(x.got.social[SOCIAL_YOUTUBE], "");
  cr_assert_eq(x.got.legal_form, -1);
}

Test(tenant_store, card_load)
{
  struct ctx x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, &x, &e), 0, "%s", e.msg);
  full_profile(&x.p);
  x.t[0].phone = "+49 40 123456";
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_save, &x, &e), 0, "%s", e.msg);
  x.loaded.id = x.t[0].id;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_card, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.rc, 1);
  cr_assert_str_eq(json_string_value(json_object_get(x.card, "name")), "Autohaus Alpha");
  cr_assert_str_eq(json_string_value(json_object_get(x.card, "lat")), "53.5731");
  cr_assert_eq(json_array_size(json_object_get(x.card, "hours")), 7);
  json_decref(x.card);
  x.loaded.id = 999999;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_card, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.rc, 0, "no such dealer");
  cr_assert_null(x.card);
}

static int tx_bad_hours(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return db_exec(c,
                 "INSERT INTO dealer_hours (tenant_id, weekday, opens, closes)"
                 " VALUES ($1, 2, 900, 800)",
                 DB_PARAMS(db_i64(x->t[0].id)), e) < 0
             ? -1
             : 0;
}

static int tx_bad_weekday(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return db_exec(c,
                 "INSERT INTO dealer_hours (tenant_id, weekday, opens, closes)"
                 " VALUES ($1, 7, 800, 900)",
                 DB_PARAMS(db_i64(x->t[0].id)), e) < 0
             ? -1
             : 0;
}

Test(tenant_store, database_refuses_impossible_hours)
{
  struct ctx x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_bad_hours, &x, &e), -1);
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_bad_weekday, &x, &e), -1);
}

/* ---- PostgreSQL: row-level security as `serve` runs it (role cc24_app) ---- */

struct rls {
  struct ctx *x;
  int64_t target;
  int rc;
};

static int tx_write_other(db_conn *c, void *arg, struct err *e)
{
  struct rls *r = arg;
  struct tenant t = r->x->t[1];
  struct tenant_profile p;
  full_profile(&p);
  p.legal_name = "Gekapert GmbH";
  return tenant_profile_save(c, a, &t, &p, e);
}

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct rls *r = arg;
  int64_t n = -1;
  if (db_query_one(c, NULL, "SELECT COUNT(*) FROM dealer_profiles", DB_NOPARAMS,
                   DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  r->rc = (int)n;
  return 0;
}

Test(tenant_store, row_level_security_on_postgresql)
{
  if (strcmp(testdb_backend_name(), "postgresql") != 0)
    cr_skip_test("PostgreSQL only");
  struct ctx x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, &x, &e), 0, "%s", e.msg);
  full_profile(&x.p);
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_save, &x, &e), 0, "%s", e.msg);

  db *app = db_open(testdb_url(), 2, &e);
  cr_assert_not_null(app, "%s", e.msg);
  cr_assert_eq(db_use_role(app, "cc24_app", &e), 0, "%s", e.msg);
  struct rls r = {.x = &x};
  /* dealer alpha writing beta's profile: refused by the policy */
  cr_assert_eq(db_tx(app, x.t[0].id, DB_WRITE, tx_write_other, &r, &e), -1);
  /* dealer beta sees no profile (alpha's is not theirs), the public sees alpha's */
  cr_assert_eq(db_tx(app, x.t[1].id, DB_READ, tx_count, &r, &e), 0, "%s", e.msg);
  cr_assert_eq(r.rc, 0);
  cr_assert_eq(db_tx(app, 0, DB_READ, tx_count, &r, &e), 0, "%s", e.msg);
  cr_assert_eq(r.rc, 1);
  /* and beta may write its own */
  cr_assert_eq(db_tx(app, x.t[1].id, DB_WRITE, tx_write_other, &r, &e), 0, "%s", e.msg);
  db_close(app);
}
