/* Store tests for leads — run on SQLite and on PostgreSQL (CC24_TEST_DATABASE_URL),
 * on PostgreSQL as the application role so row-level security applies: the public
 * inserts leads only for a public vehicle of the same dealer and never reads them;
 * a dealer lists and reads only its own leads. */
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "crm/lead.h"
#include "inventory/vehicle_store.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t[2];
static struct vehicle v[3]; /* A published, A draft, B published */
static bool rls;            /* PostgreSQL as cc24_app */

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-lead-a", "autohaus-lead-b"};
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

static void make_vehicle(struct vehicle *x, int tenant, int status)
{
  vehicle_init(x);
  x->tenant_id = t[tenant].id;
  x->make = "VW";
  x->model = "Golf";
  x->variant = "GTI";
  x->body = BODY_COMPACT;
  x->condition = COND_USED;
  x->first_reg = 2020 * 12;
  x->mileage_km = 40000;
  x->power_kw = 180;
  x->fuel = FUEL_PETROL;
  x->gearbox = GEARBOX_AUTOMATIC;
  x->drive = DRIVE_FRONT;
  x->colour = COLOUR_RED;
  x->price_cents = 2500000;
  x->vat_mode = VAT_SHOWN;
  x->status = status;
  struct err e = {0};
  cr_assert_eq(db_tx(d, x->tenant_id, DB_WRITE, tx_vehicle, x, &e), 0, "%s", e.msg);
}

static void setup(void)
{
  ids_init();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  make_vehicle(&v[0], 0, STATUS_PUBLISHED);
  make_vehicle(&v[1], 0, STATUS_DRAFT);
  make_vehicle(&v[2], 1, STATUS_PUBLISHED);
  rls = db_backend(d) == DB_PG && db_use_role(d, "cc24_app", &e) == 0;
  if (db_backend(d) == DB_PG)
    cr_assert(rls, "the application role cc24_app must be usable: %s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(lead_store, .init = setup, .fini = teardown);

struct ins {
  struct lead l;
};

static int tx_insert(db_conn *c, void *arg, struct err *e)
{
  return lead_store_insert(c, &((struct ins *)arg)->l, e);
}

static struct lead sample(int tenant, const struct vehicle *veh, int kind, const char *name)
{
  struct lead l;
  lead_init(&l);
  l.tenant_id = t[tenant].id;
  l.vehicle_id = veh->id;
  l.kind = kind;
  l.name = name;
  l.email = "kunde@example.de";
  l.phone = "+49 171 1234567";
  l.message = "Noch da? '; DROP TABLE leads; -- <b>";
  l.preferred_date = kind == LEAD_TEST_DRIVE ? "2026-07-01" : "";
  return l;
}

struct list {
  int64_t tenant;
  struct lead *out;
  int n;
  int64_t total;
  const char *id;
  struct lead one;
  int rc;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  return lead_store_list(c, a, x->tenant, 1, 50, &x->out, &x->n, &x->total, e);
}

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  x->rc = lead_store_get(c, a, x->tenant, x->id, &x->one, e);
  return x->rc < 0 ? -1 : 0;
}

Test(lead_store, public_insert_then_the_dealer_reads_it_back)
{
  struct ins in = {sample(0, &v[0], LEAD_TEST_DRIVE, "Erika Mustermann")};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert, &in, &e), 0, "%s", e.msg);
  cr_expect(id_valid(in.l.public_id));
  cr_expect_gt(in.l.created_at, 0);

  struct list x = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.n, 1);
  cr_expect_eq(x.total, 1);
  struct lead *l = &x.out[0];
  cr_expect_str_eq(l->public_id, in.l.public_id);
  cr_expect_eq(l->kind, LEAD_TEST_DRIVE);
  cr_expect_str_eq(l->name, "Erika Mustermann");
  cr_expect_str_eq(l->email, "kunde@example.de");
  cr_expect_str_eq(l->phone, "+49 171 1234567");
  cr_expect_str_eq(l->message, "Noch da? '; DROP TABLE leads; -- <b>");
  cr_expect_str_eq(l->preferred_date, "2026-07-01");
  cr_expect_str_eq(l->privacy_notice, LEAD_PRIVACY_NOTICE);
  cr_expect_str_eq(l->status, "new");
  cr_expect_str_eq(l->vehicle_public_id, v[0].public_id);
  cr_expect_str_eq(l->vehicle_title, "VW Golf GTI");
  cr_expect_eq(l->vehicle_id, v[0].id);

  x.id = in.l.public_id;
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_get, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc, 1);
  cr_expect_str_eq(x.one.name, "Erika Mustermann");
}

Test(lead_store, dealers_see_only_their_own_leads)
{
  struct err e = {0};
  struct ins in[3] = {{sample(0, &v[0], LEAD_CONTACT, "Kunde A1")},
                      {sample(0, &v[0], LEAD_CONTACT, "Kunde A2")},
                      {sample(1, &v[2], LEAD_CONTACT, "Kunde B1")}};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert, &in[i], &e), 0, "%s", e.msg);

  struct list xa = {.tenant = t[0].id}, xb = {.tenant = t[1].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &xa, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, t[1].id, DB_READ, tx_list, &xb, &e), 0, "%s", e.msg);
  cr_expect_eq(xa.n, 2);
  cr_expect_eq(xb.n, 1);
  cr_expect_str_eq(xb.out[0].name, "Kunde B1");
  /* newest first (equal seconds: the later row first) */
  cr_expect_str_eq(xa.out[0].name, "Kunde A2");

  /* dealer A asks for dealer B's lead by id: not found */
  struct list g = {.tenant = t[0].id, .id = in[2].l.public_id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_get, &g, &e), 0, "%s", e.msg);
  cr_expect_eq(g.rc, 0);
  /* a dealer-scoped transaction that asks for B's leads with A's tenant filter gets none,
   * and with RLS even a query for B's tenant inside A's transaction sees nothing */
  if (rls) {
    struct list cross = {.tenant = t[1].id};
    cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &cross, &e), 0, "%s", e.msg);
    cr_expect_eq(cross.n, 0, "RLS hides dealer B's leads from dealer A's transaction");
    /* the public cannot read leads at all */
    struct list pub = {.tenant = t[0].id};
    cr_assert_eq(db_tx(d, 0, DB_READ, tx_list, &pub, &e), 0, "%s", e.msg);
    cr_expect_eq(pub.n, 0, "the public reads no leads");
  }
}

Test(lead_store, rls_refuses_leads_for_drafts_or_another_dealer)
{
  if (!rls) /* SQLite has no row-level security; the handler checks */
    cr_skip_test("row-level security exists on PostgreSQL only");
  struct err e = {0};
  struct ins draft = {sample(0, &v[1], LEAD_CONTACT, "Draft")};
  cr_expect_lt(db_tx(d, 0, DB_WRITE, tx_insert, &draft, &e), 0, "no lead for a draft");
  struct ins wrong = {sample(0, &v[2], LEAD_CONTACT, "Wrong dealer")};
  memset(&e, 0, sizeof e);
  cr_expect_lt(db_tx(d, 0, DB_WRITE, tx_insert, &wrong, &e), 0, "no lead for A about B's vehicle");
  struct list xa = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &xa, &e), 0, "%s", e.msg);
  cr_expect_eq(xa.n, 0);
}

Test(lead_store, paging_counts_everything)
{
  struct err e = {0};
  for (int i = 0; i < 7; i++) {
    struct ins in = {sample(0, &v[0], LEAD_CONTACT, "Kunde")};
    cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert, &in, &e), 0, "%s", e.msg);
  }
  struct list x = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.total, 7);
  cr_expect_eq(x.n, 7);
}
