/* Store tests for the deal pipeline — SQLite and PostgreSQL (as cc24_app, so row-level
 * security applies): default stages per dealer, one open deal per lead, moves keep the
 * positions dense, the sale stage wins the deal, sells the vehicle and wins the lead; a
 * lost deal does not move; conversion and time in stage from the history; another
 * dealer's stages and deals are out of reach. */
#include "core/arena.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/deal.h"
#include "crm/lead.h"
#include "crm/reminders.h"
#include "inventory/vehicle_store.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t[2];
static struct vehicle v[2];

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-deal-a", "autohaus-deal-b"};
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

static void make_vehicle(struct vehicle *x, int tenant)
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
  x->status = STATUS_PUBLISHED;
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
  make_vehicle(&v[0], 0);
  make_vehicle(&v[1], 1);
  if (db_backend(d) == DB_PG)
    cr_assert_eq(db_use_role(d, "cc24_app", &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(deal_store, .init = setup, .fini = teardown);

struct lead_arg {
  struct lead l;
};

static int tx_lead(db_conn *c, void *arg, struct err *e)
{
  return lead_store_insert(c, &((struct lead_arg *)arg)->l, e);
}

/* a lead of dealer i about its vehicle, by the public site */
static const char *new_lead(int i, const char *name)
{
  struct lead_arg *x = arena_calloc(a, 1, sizeof *x);
  lead_init(&x->l);
  x->l.tenant_id = t[i].id;
  x->l.vehicle_id = v[i].id;
  x->l.name = name;
  x->l.email = arena_printf(a, "%s@kunde.example", name);
  x->l.message = "Hallo";
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_lead, x, &e), 0, "%s", e.msg);
  return x->l.public_id;
}

struct op {
  int tenant;
  const char *lead, *deal;
  char id[17];
  int rc;
  struct deal_stage *st;
  int nst;
  struct deal dl;
  int64_t stage, sold;
  int position;
  const char *reason;
  struct deal_stage_stats stats[DEAL_STAGES_MAX];
  struct err e;
};

static int tx_from_lead(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  x->rc = deal_from_lead(c, a, t[x->tenant].id, x->lead, 0, x->id, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_stages(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  return deal_stages(c, a, t[x->tenant].id, &x->st, &x->nst, e);
}

static int tx_move(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  int rc = deal_get(c, a, t[x->tenant].id, x->deal, &x->dl, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no deal");
  if (x->reason)
    return deal_lose(c, t[x->tenant].id, &x->dl, x->reason, 0, e);
  return deal_move(c, a, t[x->tenant].id, &x->dl, x->stage, x->position, 0, &x->sold, e);
}

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  x->rc = deal_get(c, a, t[x->tenant].id, x->deal, &x->dl, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_stats(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  if (deal_stages(c, a, t[x->tenant].id, &x->st, &x->nst, e) < 0)
    return -1;
  return deal_stats(c, a, t[x->tenant].id, x->st, x->nst, x->stats, e);
}

struct chk {
  int tenant;
  const char *lead;
  char *vstatus, *lstatus;
};

static int tx_check(db_conn *c, void *arg, struct err *e)
{
  struct chk *x = arg;
  if (db_query_one(c, a, "SELECT status FROM vehicles WHERE id = $1",
                   DB_PARAMS(db_i64(v[x->tenant].id)), DB_ROW(db_out_text(&x->vstatus)), e) != 1)
    return -1;
  return db_query_one(c, a, "SELECT status FROM leads WHERE public_id = $1",
                      DB_PARAMS(db_text(x->lead)), DB_ROW(db_out_text(&x->lstatus)), e) == 1
             ? 0
             : -1;
}

static const char *deal_of(int tenant, const char *lead)
{
  struct op *x = arena_calloc(a, 1, sizeof *x);
  x->tenant = tenant;
  x->lead = lead;
  cr_assert_eq(db_tx(d, t[tenant].id, DB_WRITE, tx_from_lead, x, &x->e), 0, "%s", x->e.msg);
  return arena_strdup(a, x->id);
}

static int move(int tenant, const char *deal, int64_t stage, int position, struct err *e)
{
  struct op x = {.tenant = tenant, .deal = deal, .stage = stage, .position = position};
  int rc = db_tx(d, t[tenant].id, DB_WRITE, tx_move, &x, e);
  return rc;
}

static struct deal get(int tenant, const char *deal, int *found)
{
  struct op x = {.tenant = tenant, .deal = deal};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_READ, tx_get, &x, &e), 0, "%s", e.msg);
  *found = x.rc;
  return x.dl;
}

Test(deal_store, stages_deals_moves_and_the_sale)
{
  struct op s = {.tenant = 0};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_stages, &s, &s.e), 0, "%s", s.e.msg);
  cr_assert_eq(s.nst, 6, "the default stages");
  cr_expect_str_eq(s.st[0].name, "Anfrage");
  cr_expect(s.st[5].won && !s.st[4].won, "the last stage is the sale");
  const char *l1 = new_lead(0, "anna"), *l2 = new_lead(0, "bert");
  const char *d1 = deal_of(0, l1), *d2 = deal_of(0, l2);
  cr_expect_str_eq(deal_of(0, l1), d1, "one open deal per lead");
  int found;
  struct deal x1 = get(0, d1, &found), x2 = get(0, d2, &found);
  cr_expect_eq(x1.position, 0);
  cr_expect_eq(x2.position, 1, "dense positions per column");
  cr_expect_eq(x1.offer_cents, 2500000, "the offer starts at the list price");
  struct err e = {0};
  /* d2 before d1 in the same column */
  cr_assert_eq(move(0, d2, s.st[0].id, 0, &e), 0, "%s", e.msg);
  x1 = get(0, d1, &found);
  x2 = get(0, d2, &found);
  cr_expect_eq(x2.position, 0);
  cr_expect_eq(x1.position, 1);
  /* a stage of another dealer is refused, nothing moves */
  struct op sb = {.tenant = 1};
  cr_assert_eq(db_tx(d, t[1].id, DB_WRITE, tx_stages, &sb, &sb.e), 0, "%s", sb.e.msg);
  cr_expect_lt(move(0, d1, sb.st[1].id, -1, &e), 0);
  cr_expect_eq(e.code, CC24_E_VALIDATION);
  /* through Kontakt to the sale */
  cr_assert_eq(move(0, d1, s.st[1].id, -1, &e), 0, "%s", e.msg);
  cr_assert_eq(move(0, d1, s.st[5].id, -1, &e), 0, "%s", e.msg);
  x1 = get(0, d1, &found);
  cr_expect_str_eq(x1.state, "won");
  cr_expect_gt(x1.closed_at, 0);
  /* the vehicle is sold and the lead won */
  struct chk ck = {.tenant = 0, .lead = l1};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_check, &ck, &e), 0, "%s", e.msg);
  cr_expect_str_eq(ck.vstatus, "sold");
  cr_expect_str_eq(ck.lstatus, "won");
  /* a won deal does not move; a lost one neither */
  cr_expect_lt(move(0, d1, s.st[2].id, -1, &e), 0);
  cr_expect_eq(e.code, CC24_E_CONFLICT);
  struct op lose = {.tenant = 0, .deal = d2, .reason = "Zu teuer"};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_move, &lose, &lose.e), 0, "%s", lose.e.msg);
  cr_expect_lt(move(0, d2, s.st[1].id, -1, &e), 0);
  /* another dealer sees nothing */
  get(1, d1, &found);
  cr_expect_eq(found, 0, "another dealer's deal is not found");
  cr_expect_lt(move(1, d1, sb.st[1].id, -1, &e), 0);
  /* the figures: both reached Anfrage; d1 went on (Kontakt, sale), d2 was lost there */
  struct op st = {.tenant = 0};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_stats, &st, &st.e), 0, "%s", st.e.msg);
  cr_expect_eq(st.stats[0].reached, 2);
  cr_expect_eq(st.stats[0].advanced, 1);
  cr_expect_eq(st.stats[1].reached, 1);
  cr_expect_eq(st.stats[1].advanced, 1);
  cr_expect_eq(st.stats[5].reached, 1, "one sale");
  cr_expect_eq(st.stats[0].stays, 2, "two completed stays in Anfrage");
  cr_expect_geq(st.stats[0].mean_seconds, 0);
}

/* ---- the daily follow-up mail (crm/reminders.c) ---- */

struct fu {
  const char *lead;
  int64_t user, at;
  const char *status;
};

static int tx_follow(db_conn *c, void *arg, struct err *e)
{
  struct fu *x = arg;
  struct crm_lead l;
  if (crm_lead_get(c, a, t[0].id, x->lead, &l, e) != 1)
    return -1;
  if (x->user && crm_lead_assign(c, t[0].id, l.l.id, 0, x->user, e) < 0)
    return -1;
  if (x->status && crm_lead_set_status(c, t[0].id, l.l.id, 0, x->status, e) < 0)
    return -1;
  return crm_lead_follow_up(c, t[0].id, l.l.id, 0, x->at, e);
}

struct mails {
  int64_t n;
  char *text;
};

static int tx_mails(db_conn *c, void *arg, struct err *e)
{
  struct mails *x = arg;
  if (db_query_one(c, a, "SELECT COUNT(*) FROM outbox WHERE kind = 'crm.reminder'", NULL,
                   DB_ROW(db_out_i64(&x->n)), e) < 0)
    return -1;
  x->text = "";
  return db_query_one(c, a, "SELECT body FROM outbox WHERE kind = 'crm.reminder' ORDER BY id DESC",
                      NULL, DB_ROW(db_out_text(&x->text)), e) < 0
             ? -1
             : 0;
}

static int tx_user(db_conn *c, void *arg, struct err *e)
{
  int64_t *id = arg;
  char pub[ID_LEN + 1];
  id_new(pub);
  if (db_exec(c,
              "INSERT INTO users (public_id, tenant_id, email, password_hash, name, role,"
              " created_at) VALUES ($1, $2, 'verkauf@deal-a.example', 'x', 'Vera Verkauf',"
              " 'staff', 0)",
              DB_PARAMS(db_text(pub), db_i64(t[0].id)), e) < 0)
    return -1;
  return db_query_one(c, a, "SELECT id FROM users WHERE public_id = $1", DB_PARAMS(db_text(pub)),
                      DB_ROW(db_out_i64(id)), e) == 1
             ? 0
             : -1;
}

Test(deal_store, daily_follow_up_mail)
{
  /* 2026-12-07 06:30 UTC = 07:30 Berlin (winter): the next run is tomorrow 07:00 = 06:00 UTC */
  int64_t now = 1796625000;
  cr_expect_eq(crm_reminders_next(now), 1796709600);
  cr_expect_eq(crm_reminders_next(now - 3600), 1796623200, "before 07:00: today 07:00");
  /* summer: 2026-07-01 04:00 UTC = 06:00 Berlin → 05:00 UTC */
  cr_expect_eq(crm_reminders_next(1782878400), 1782882000);
  int64_t user = 0;
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_user, &user, &e), 0, "%s", e.msg);
  const char *due = new_lead(0, "dora"), *later = new_lead(0, "lena"), *done = new_lead(0, "ede"),
             *free = new_lead(0, "fritz");
  struct fu f1 = {due, user, now - 3600, NULL}, f2 = {later, user, now + 3 * 86400, NULL},
            f3 = {done, user, now - 3600, "done"}, f4 = {free, 0, now - 3600, NULL};
  struct fu *all[] = {&f1, &f2, &f3, &f4};
  for (int i = 0; i < 4; i++)
    cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_follow, all[i], &e), 0, "%s", e.msg);
  int mails = -1;
  cr_assert_eq(crm_reminders_run(d, now, &mails, &e), 0, "%s", e.msg);
  cr_expect_eq(mails, 1, "one mail for the one assignee with due enquiries");
  struct mails m = {0};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_mails, &m, &e), 0, "%s", e.msg);
  cr_expect_eq(m.n, 1);
  cr_expect(strstr(m.text, "dora") != NULL, "the due enquiry is listed: %s", m.text);
  cr_expect(strstr(m.text, due) != NULL, "with its link");
  cr_expect_null(strstr(m.text, "lena"), "not yet due");
  cr_expect_null(strstr(m.text, "ede"), "done");
  cr_expect_null(strstr(m.text, "fritz"), "nobody assigned");
}

/* ---- adding, removing and reordering stages ---- */

struct stage_op {
  int tenant;
  const char *op, *name;
  int before, dir, moved;
  int64_t stage, target, id;
};

static int tx_stage_op(db_conn *c, void *arg, struct err *e)
{
  struct stage_op *x = arg;
  int64_t tid = t[x->tenant].id;
  if (!strcmp(x->op, "add"))
    return deal_stage_add(c, tid, x->name, x->before, &x->id, e);
  if (!strcmp(x->op, "remove"))
    return deal_stage_remove(c, a, tid, x->stage, x->target, 0, &x->moved, e);
  return deal_stage_move(c, tid, x->stage, x->dir, e);
}

static int stage_op(struct stage_op *x, struct err *e)
{
  memset(e, 0, sizeof *e);
  return db_tx(d, t[x->tenant].id, DB_WRITE, tx_stage_op, x, e);
}

static struct op stages_of(int tenant)
{
  struct op s = {.tenant = tenant};
  cr_assert_eq(db_tx(d, t[tenant].id, DB_WRITE, tx_stages, &s, &s.e), 0, "%s", s.e.msg);
  for (int i = 0; i < s.nst; i++)
    cr_expect_eq(s.st[i].position, i, "dense positions: %s at %d", s.st[i].name, s.st[i].position);
  return s;
}

struct hist {
  int64_t deal_id;
  struct deal_move *m;
  int n;
};

static int tx_hist(db_conn *c, void *arg, struct err *e)
{
  struct hist *x = arg;
  return deal_history(c, a, t[0].id, x->deal_id, &x->m, &x->n, e);
}

Test(deal_store, stages_are_added_removed_and_reordered)
{
  struct op s = stages_of(0);
  cr_assert_eq(s.nst, 6);
  struct err e;
  /* add "Finanzierung" before Vertrag (index 4) */
  struct stage_op add = {.op = "add", .name = "  Finanzierung ", .before = 4};
  cr_assert_eq(stage_op(&add, &e), 0, "%s", e.msg);
  s = stages_of(0);
  cr_assert_eq(s.nst, 7);
  cr_expect_str_eq(s.st[4].name, "Finanzierung");
  cr_expect_eq(s.st[4].id, add.id);
  cr_expect_str_eq(s.st[5].name, "Vertrag");
  cr_expect(s.st[6].won, "the sale stays last");
  /* not after the sale, no empty name, not beyond the maximum */
  struct stage_op bad = {.op = "add", .name = "Nachher", .before = 7};
  cr_expect_lt(stage_op(&bad, &e), 0);
  cr_expect_str_eq(e.field, "position");
  bad = (struct stage_op){.op = "add", .name = " ", .before = 0};
  cr_expect_lt(stage_op(&bad, &e), 0);
  cr_expect_str_eq(e.field, "name");
  for (int i = 7; i < DEAL_STAGES_MAX; i++) {
    struct stage_op more = {.op = "add", .name = "Extra", .before = 0};
    cr_assert_eq(stage_op(&more, &e), 0, "%s", e.msg);
  }
  bad = (struct stage_op){.op = "add", .name = "Zu viel", .before = 0};
  cr_expect_lt(stage_op(&bad, &e), 0);
  cr_expect_str_eq(e.field, "full");
  s = stages_of(0);
  cr_assert_eq(s.nst, DEAL_STAGES_MAX);
  /* empty stages go without a target */
  for (int i = 7; i < DEAL_STAGES_MAX; i++) {
    struct stage_op rm = {.op = "remove", .stage = s.st[0].id};
    cr_assert_eq(stage_op(&rm, &e), 0, "%s", e.msg);
    s = stages_of(0);
  }
  cr_assert_eq(s.nst, 7);
  cr_expect_str_eq(s.st[0].name, "Anfrage");

  /* a stage with deals: only with a target, not the sale, not itself */
  const char *l1 = new_lead(0, "carla"), *l2 = new_lead(0, "dora");
  const char *d1 = deal_of(0, l1), *d2 = deal_of(0, l2);
  int64_t kontakt = s.st[1].id, probe = s.st[2].id, sale = s.st[6].id;
  cr_assert_eq(move(0, d1, kontakt, -1, &e), 0, "%s", e.msg);
  cr_assert_eq(move(0, d2, kontakt, -1, &e), 0, "%s", e.msg);
  struct stage_op rm = {.op = "remove", .stage = kontakt};
  cr_expect_lt(stage_op(&rm, &e), 0);
  cr_expect_str_eq(e.field, "target");
  rm.target = kontakt;
  cr_expect_lt(stage_op(&rm, &e), 0, "not onto itself");
  rm.target = sale;
  cr_expect_lt(stage_op(&rm, &e), 0, "not onto the sale");
  cr_expect_str_eq(e.field, "target");
  struct op sb = stages_of(1);
  rm.target = sb.st[2].id;
  cr_expect_lt(stage_op(&rm, &e), 0, "not onto another dealer's stage");
  int found;
  cr_expect_eq(get(0, d1, &found).stage_id, kontakt, "nothing moved");
  rm.target = probe;
  cr_assert_eq(stage_op(&rm, &e), 0, "%s", e.msg);
  cr_expect_eq(rm.moved, 2);
  struct deal x1 = get(0, d1, &found), x2 = get(0, d2, &found);
  cr_expect_eq(x1.stage_id, probe);
  cr_expect_eq(x2.stage_id, probe);
  cr_expect_eq(x1.position, 0, "the order is kept");
  cr_expect_eq(x2.position, 1);
  cr_expect_str_eq(x1.state, "open");
  /* the move is in the history, and the removed stage keeps its name there */
  struct hist h = {.deal_id = x1.id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_hist, &h, &e), 0, "%s", e.msg);
  cr_assert_eq(h.n, 3, "created, to Kontakt, to Probefahrt");
  cr_expect_str_eq(h.m[2].from, "Kontakt");
  cr_expect_str_eq(h.m[2].to, "Probefahrt");
  cr_expect_str_eq(h.m[2].state, "open");
  s = stages_of(0);
  cr_assert_eq(s.nst, 6);
  for (int i = 0; i < s.nst; i++)
    cr_expect_neq(s.st[i].id, kontakt, "Kontakt is gone from the board");
  /* a removed stage takes no deals */
  cr_expect_lt(move(0, d1, kontakt, -1, &e), 0);
  cr_expect_eq(e.code, CC24_E_VALIDATION);

  /* the sale stage cannot be removed, nor moved, nor passed */
  rm = (struct stage_op){.op = "remove", .stage = sale, .target = probe};
  cr_expect_lt(stage_op(&rm, &e), 0);
  cr_expect_str_eq(e.field, "won");
  struct stage_op mv = {.op = "move", .stage = sale, .dir = -1};
  cr_expect_lt(stage_op(&mv, &e), 0);
  cr_expect_str_eq(e.field, "won");
  mv = (struct stage_op){.op = "move", .stage = s.st[4].id, .dir = 1};
  cr_expect_lt(stage_op(&mv, &e), 0, "Vertrag does not pass the sale");
  mv = (struct stage_op){.op = "move", .stage = s.st[0].id, .dir = -1};
  cr_expect_lt(stage_op(&mv, &e), 0, "the first does not go up");
  cr_expect_str_eq(e.field, "position");
  /* Probefahrt (index 1) down one, behind Angebot, and back */
  mv = (struct stage_op){.op = "move", .stage = probe, .dir = 1};
  cr_assert_eq(stage_op(&mv, &e), 0, "%s", e.msg);
  s = stages_of(0);
  cr_expect_str_eq(s.st[1].name, "Angebot");
  cr_expect_str_eq(s.st[2].name, "Probefahrt");
  mv.dir = -1;
  cr_assert_eq(stage_op(&mv, &e), 0, "%s", e.msg);
  s = stages_of(0);
  cr_expect_str_eq(s.st[1].name, "Probefahrt");
  /* another dealer cannot touch these stages */
  struct stage_op foreign = {.tenant = 1, .op = "move", .stage = probe, .dir = 1};
  cr_expect_lt(stage_op(&foreign, &e), 0);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND);
  foreign.op = "remove";
  cr_expect_lt(stage_op(&foreign, &e), 0);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND);
  cr_expect_eq(stages_of(0).nst, 6);

  /* the last stage before the sale stays */
  for (int i = 0; i < 4; i++) {
    s = stages_of(0);
    struct stage_op r = {.op = "remove", .stage = s.st[0].id, .target = s.st[1].id};
    cr_assert_eq(stage_op(&r, &e), 0, "%s", e.msg);
  }
  s = stages_of(0);
  cr_assert_eq(s.nst, 2);
  rm = (struct stage_op){.op = "remove", .stage = s.st[0].id};
  cr_expect_lt(stage_op(&rm, &e), 0);
  cr_expect_str_eq(e.field, "last");
  cr_expect_eq(get(0, d1, &found).stage_id, s.st[0].id, "the deals went along");
}
