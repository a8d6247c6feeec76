/* market_store.c — listings, offers, deals and their notifications in SQL
 * (both backends). See market_store.h for the visibility rules; the search
 * lives in market_search.c. */
#include "market/market_store.h"

#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/str.h"
#include "inventory/vehicle_api.h"
#include "inventory/vehicle_store.h"
#include "mail/mail.h"
#include "market/market_internal.h"
#include "tenant/tenant.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ listing rows */

void market_listing_outs(struct db_out *o, struct market_listing *l, struct market_lrow *t)
{
  int i = 0;
  memset(t, 0, sizeof *t);
  memset(l, 0, sizeof *l);
  o[i++] = db_out_i64(&l->id);
  o[i++] = db_out_text(&t->pub);
  o[i++] = db_out_i64(&l->tenant_id);
  o[i++] = db_out_text((char **)&l->seller_slug);
  o[i++] = db_out_text((char **)&l->seller_name);
  o[i++] = db_out_text((char **)&l->seller_city);
  o[i++] = db_out_i64(&l->vehicle_id);
  o[i++] = db_out_text(&t->vpub);
  o[i++] = db_out_text((char **)&l->make);
  o[i++] = db_out_text((char **)&l->model);
  o[i++] = db_out_text((char **)&l->variant);
  o[i++] = db_out_int(&l->first_reg);
  o[i++] = db_out_int(&l->mileage_km);
  o[i++] = db_out_int(&l->power_kw);
  o[i++] = db_out_text(&t->fuel);
  o[i++] = db_out_text(&t->gearbox);
  o[i++] = db_out_text(&t->body);
  o[i++] = db_out_text(&t->cond);
  o[i++] = db_out_text(&t->colour);
  o[i++] = db_out_text(&t->vat);
  o[i++] = db_out_text(&t->vstatus);
  o[i++] = db_out_i64(&t->features);
  o[i++] = db_out_i64(&l->price_cents);
  o[i++] = db_out_i64(&l->valid_until);
  o[i++] = db_out_text((char **)&l->note);
  o[i++] = db_out_text(&t->lstatus);
  o[i++] = db_out_i64(&l->created_at);
  o[i++] = db_out_i64(&l->updated_at);
  o[i++] = db_out_text((char **)&l->cover);
  o[i] = (struct db_out){.t = DB_T_END};
}

static int enum_or(const struct enum_def *e, const char *s, int dflt)
{
  int v = enum_parse(e, s);
  return v < 0 ? dflt : v;
}

void market_listing_finish(struct market_listing *l, const struct market_lrow *t)
{
  snprintf(l->public_id, sizeof l->public_id, "%s", t->pub ? t->pub : "");
  snprintf(l->vehicle_public_id, sizeof l->vehicle_public_id, "%s", t->vpub ? t->vpub : "");
  l->fuel = enum_or(&vehicle_enum_fuel, t->fuel, FUEL_OTHER);
  l->gearbox = enum_or(&vehicle_enum_gearbox, t->gearbox, GEARBOX_MANUAL);
  l->body = enum_or(&vehicle_enum_body, t->body, BODY_OTHER);
  l->condition = enum_or(&vehicle_enum_condition, t->cond, COND_USED);
  l->colour = enum_or(&vehicle_enum_colour, t->colour, COLOUR_OTHER);
  l->vat_mode = enum_or(&vehicle_enum_vat, t->vat, VAT_SHOWN);
  l->vehicle_status = enum_or(&vehicle_enum_status, t->vstatus, STATUS_DRAFT);
  l->features = (uint64_t)t->features;
  int s = market_name_parse(market_listing_status_names, MARKET_LISTING__COUNT, t->lstatus);
  l->status = s < 0 ? MARKET_LISTING_WITHDRAWN : s;
  const char **strs[] = {&l->seller_slug, &l->seller_name, &l->seller_city, &l->make,
                         &l->model,       &l->variant,     &l->note};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (!*strs[i])
      *strs[i] = "";
}

const char *market_title(struct arena *a, const char *make, const char *model, const char *variant)
{
  if (variant && *variant)
    return arena_printf(a, "%s %s %s", make, model, variant);
  return arena_printf(a, "%s %s", make, model);
}

/* ------------------------------------------------------------ notifications */

static const char *euros(struct arena *a, int64_t cents)
{
  char s[48];
  money_format(cents, s, sizeof s);
  return arena_strdup(a, s);
}

/* The dealer's business address, or its owners when it has none. */
static int notify(db_conn *c, struct arena *a, int64_t tenant_id, const char *subject,
                  const char *body, struct err *e)
{
  struct tenant t;
  int rc = tenant_store_by_id(c, a, tenant_id, &t, e);
  if (rc < 0)
    return -1;
  struct mail m = {.tenant_id = tenant_id, .kind = "market.step", .subject = subject, .text = body};
  if (rc == 1 && t.email && *t.email) {
    m.to = t.email;
    return mail_queue(c, &m, e);
  }
  db_stmt *st = db_query(c,
                         "SELECT email FROM users WHERE tenant_id = $1 AND role = 'owner'"
                         " AND disabled = 0 ORDER BY id",
                         DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  char *to;
  const char *list[8];
  int n = 0;
  while (n < 8 && (rc = db_next(st, a, DB_ROW(db_out_text(&to)), e)) == 1)
    list[n++] = to;
  db_finish(st);
  if (rc < 0)
    return -1;
  for (int i = 0; i < n; i++) {
    m.to = list[i];
    if (mail_queue(c, &m, e) < 0)
      return -1;
  }
  return 0;
}

static const char *offer_link(struct arena *a, const char *offer_pub)
{
  return arena_printf(a, "%s/dashboard/boerse/angebote/%s", cfg.base_url, offer_pub);
}

/* Both dealers hear of every step; `actor` tells who did it. */
static int notify_step(db_conn *c, struct arena *a, const struct market_offer *o, int actor,
                       int action, int64_t amount, const char *deal_pub, struct err *e)
{
  const char *title = o->title, *link = offer_link(a, o->public_id);
  const char *sum = euros(a, amount);
  const char *actor_name = actor == MARKET_SELLER ? o->seller_name : o->buyer_name;
  const char *other_name = actor == MARKET_SELLER ? o->buyer_name : o->seller_name;
  int64_t actor_t = actor == MARKET_SELLER ? o->tenant_id : o->buyer_tenant_id;
  int64_t other_t = actor == MARKET_SELLER ? o->buyer_tenant_id : o->tenant_id;
  const char *s_other = NULL, *b_other = NULL, *s_self = NULL, *b_self = NULL;
  switch (action) {
  case MARKET_ACT_OFFER:
    s_other = arena_printf(a, "Börse: neues Angebot für %s", title);
    b_other = arena_printf(a,
                           "%s bietet %s netto für %s.\n\nAnnehmen, ablehnen oder ein "
                           "Gegenangebot machen:\n%s",
                           actor_name, sum, title, link);
    s_self = arena_printf(a, "Börse: Ihr Angebot für %s ist eingegangen", title);
    b_self = arena_printf(a, "Ihr Angebot über %s netto für %s ging an %s.\n\n%s", sum, title,
                          other_name, link);
    break;
  case MARKET_ACT_COUNTER:
    s_other = arena_printf(a, "Börse: Gegenangebot für %s", title);
    b_other =
        arena_printf(a, "%s antwortet mit %s netto für %s.\n\n%s", actor_name, sum, title, link);
    s_self = arena_printf(a, "Börse: Ihr Gegenangebot für %s ist eingegangen", title);
    b_self = arena_printf(a, "Ihr Gegenangebot über %s netto für %s ging an %s.\n\n%s", sum, title,
                          other_name, link);
    break;
  case MARKET_ACT_ACCEPT:
    s_other = s_self = arena_printf(a, "Börse: Abschluss für %s", title);
    b_other = b_self = arena_printf(a,
                                    "%s und %s haben %s zu %s netto abgeschlossen. Das Fahrzeug "
                                    "ist reserviert.\n\n%s/dashboard/boerse/abschluesse/%s",
                                    o->seller_name, o->buyer_name, title, sum, cfg.base_url,
                                    deal_pub ? deal_pub : "");
    break;
  case MARKET_ACT_REJECT:
    s_other = s_self = arena_printf(a, "Börse: Angebot für %s abgelehnt", title);
    b_other = b_self = arena_printf(a, "%s hat das Angebot über %s netto für %s abgelehnt.\n\n%s",
                                    actor_name, sum, title, link);
    break;
  case MARKET_ACT_WITHDRAW:
    s_other = s_self = arena_printf(a, "Börse: Angebot für %s zurückgezogen", title);
    b_other = b_self =
        arena_printf(a, "%s hat das Angebot über %s netto für %s zurückgezogen.\n\n%s", actor_name,
                     sum, title, link);
    break;
  default:
    return 0;
  }
  if (notify(c, a, other_t, s_other, b_other, e) < 0)
    return -1;
  return notify(c, a, actor_t, s_self, b_self, e);
}

/* ------------------------------------------------------------------ events */

static int add_event(db_conn *c, const struct market_offer *o, int actor, int action,
                     int64_t amount, const char *message, int64_t user_id, int64_t now,
                     struct err *e)
{
  return db_exec(c,
                 "INSERT INTO market_offer_events (offer_id, tenant_id, buyer_tenant_id, actor,"
                 " action, amount_cents, message, user_id, created_at)"
                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 DB_PARAMS(db_i64(o->id), db_i64(o->tenant_id), db_i64(o->buyer_tenant_id),
                           db_text(market_side_names[actor]), db_text(market_action_names[action]),
                           db_i64(amount), db_text(message ? message : ""),
                           user_id > 0 ? db_i64(user_id) : db_null(), db_i64(now)),
                 e) < 0
             ? -1
             : 0;
}

/* ---------------------------------------------------------------- listings */

static const char *const live_sql =
    "(l.status = 'active' AND l.valid_until >= $3 AND v.status IN ('draft', 'published'))";

int market_listing_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                       int64_t now, struct market_listing *out, struct err *e)
{
  struct db_out o[MARKET_LISTING_NCOLS + 1];
  struct market_lrow t;
  market_listing_outs(o, out, &t);
  if (viewer <= 0)
    return 0; /* the Börse is never public */
  /* the rule of market_store.h: the seller, anyone while live, a buyer that negotiated */
  char *sql =
      arena_printf(a,
                   "SELECT " MARKET_LISTING_COLS MARKET_LISTING_FROM
                   " WHERE l.public_id = $1 AND (l.tenant_id = $2 OR %s OR EXISTS (SELECT 1 FROM"
                   " market_offers o WHERE o.listing_id = l.id AND o.buyer_tenant_id = $2))",
                   live_sql);
  int rc =
      db_query_one(c, a, sql, DB_PARAMS(db_text(public_id), db_i64(viewer), db_i64(now)), o, e);
  if (rc == 1)
    market_listing_finish(out, &t);
  return rc;
}

int market_listing_create(db_conn *c, struct arena *a, int64_t tenant_id,
                          const char *vehicle_public_id, int64_t price_cents, int64_t valid_until,
                          const char *note, int64_t now, struct market_listing *out, struct err *e)
{
  struct vehicle v;
  int rc = vehicle_store_get(c, a, tenant_id, vehicle_public_id, &v, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set_field(e, CC24_E_VEHICLE_NOT_FOUND, "vehicle", "no such vehicle");
  if (v.status != STATUS_DRAFT && v.status != STATUS_PUBLISHED)
    return err_set_field(e, CC24_E_CONFLICT, "vehicle", "a %s vehicle cannot be listed",
                         enum_value(&vehicle_enum_status, v.status));
  /* a listing that ran out leaves room for a new one; its offers end with it */
  if (db_exec(c,
              "UPDATE market_offers SET status = 'closed', updated_at = $3 WHERE status = 'open'"
              " AND listing_id IN (SELECT id FROM market_listings WHERE vehicle_id = $1"
              " AND tenant_id = $2 AND status = 'active' AND valid_until < $3)",
              DB_PARAMS(db_i64(v.id), db_i64(tenant_id), db_i64(now)), e) < 0 ||
      db_exec(c,
              "UPDATE market_listings SET status = 'expired', updated_at = $3"
              " WHERE vehicle_id = $1 AND tenant_id = $2 AND status = 'active'"
              " AND valid_until < $3",
              DB_PARAMS(db_i64(v.id), db_i64(tenant_id), db_i64(now)), e) < 0)
    return -1;
  char *other = NULL;
  rc = db_query_one(c, a,
                    "SELECT public_id FROM market_listings WHERE vehicle_id = $1 AND tenant_id = $2"
                    " AND status = 'active'",
                    DB_PARAMS(db_i64(v.id), db_i64(tenant_id)), DB_ROW(db_out_text(&other)), e);
  if (rc < 0)
    return -1;
  if (rc == 1)
    return err_set_field(e, CC24_E_CONFLICT, "listing", "the vehicle is listed already");
  char pub[ID_LEN + 1];
  id_new(pub);
  int64_t id;
  if (db_query_one(c, a,
                   "INSERT INTO market_listings (public_id, tenant_id, vehicle_id, price_cents,"
                   " valid_until, note, status, created_at, updated_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) RETURNING id",
                   DB_PARAMS(db_text(pub), db_i64(tenant_id), db_i64(v.id), db_i64(price_cents),
                             db_i64(valid_until), db_text(note ? note : ""), db_i64(now)),
                   DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  rc = market_listing_get(c, a, tenant_id, pub, now, out, e);
  if (rc < 0)
    return -1;
  return rc == 1 ? 0 : err_set(e, CC24_E_INTERNAL, "the new listing cannot be read back");
}

int market_listing_update(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                          int64_t price_cents, int64_t valid_until, const char *note, int64_t now,
                          struct err *e)
{
  int rc = db_exec(c,
                   "UPDATE market_listings SET price_cents = $3, valid_until = $4, note = $5,"
                   " updated_at = $6 WHERE tenant_id = $1 AND public_id = $2 AND status = 'active'",
                   DB_PARAMS(db_i64(tenant_id), db_text(public_id), db_i64(price_cents),
                             db_i64(valid_until), db_text(note ? note : ""), db_i64(now)),
                   e);
  if (rc != 0)
    return rc < 0 ? -1 : 1;
  char *status = NULL;
  rc = db_query_one(
      c, a, "SELECT status FROM market_listings WHERE tenant_id = $1 AND public_id = $2",
      DB_PARAMS(db_i64(tenant_id), db_text(public_id)), DB_ROW(db_out_text(&status)), e);
  if (rc <= 0)
    return rc;
  return err_set(e, CC24_E_CONFLICT, "the listing is %s", status);
}

/* Close the listing's open offers (all but `except`), each with a history line,
 * and tell their buyers why. */
static int close_open_offers(db_conn *c, struct arena *a, int64_t listing_id, int64_t except,
                             const char *why, int64_t now, struct err *e)
{
  db_stmt *st = db_query(c,
                         "SELECT o.public_id FROM market_offers o WHERE o.listing_id = $1"
                         " AND o.status = 'open' AND o.id <> $2 ORDER BY o.id",
                         DB_PARAMS(db_i64(listing_id), db_i64(except)), e);
  if (!st)
    return -1;
  char *pub;
  const char **ids = NULL;
  int n = 0, cap = 0, rc;
  while ((rc = db_next(st, a, DB_ROW(db_out_text(&pub)), e)) == 1) {
    if (n == cap) {
      int nc = cap ? cap * 2 : 8;
      ids = arena_realloc(a, ids, sizeof *ids * (size_t)cap, sizeof *ids * (size_t)nc);
      cap = nc;
    }
    ids[n++] = pub;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  for (int i = 0; i < n; i++) {
    struct market_offer o;
    if (market_offer_load(c, a, ids[i], &o, e) != 1)
      return -1;
    if (db_exec(c, "UPDATE market_offers SET status = 'closed', updated_at = $2 WHERE id = $1",
                DB_PARAMS(db_i64(o.id), db_i64(now)), e) < 0 ||
        add_event(c, &o, MARKET_PLATFORM, MARKET_ACT_CLOSE, o.amount_cents, why, 0, now, e) < 0 ||
        notify(c, a, o.buyer_tenant_id,
               arena_printf(a, "Börse: %s ist nicht mehr verfügbar", o.title),
               arena_printf(a, "Ihr Angebot über %s netto für %s ist beendet: %s\n\n%s",
                            euros(a, o.amount_cents), o.title, why, offer_link(a, o.public_id)),
               e) < 0)
      return -1;
  }
  return 0;
}

int market_listing_withdraw(db_conn *c, struct arena *a, int64_t tenant_id, int64_t user_id,
                            const char *public_id, int64_t now, struct err *e)
{
  (void)user_id;
  int64_t id = 0;
  int rc = db_query_one(
      c, a,
      "UPDATE market_listings SET status = 'withdrawn', updated_at = $3"
      " WHERE tenant_id = $1 AND public_id = $2 AND status = 'active' RETURNING id",
      DB_PARAMS(db_i64(tenant_id), db_text(public_id), db_i64(now)), DB_ROW(db_out_i64(&id)), e);
  if (rc < 0)
    return -1;
  if (rc == 0) {
    char *status = NULL;
    rc = db_query_one(
        c, a, "SELECT status FROM market_listings WHERE tenant_id = $1 AND public_id = $2",
        DB_PARAMS(db_i64(tenant_id), db_text(public_id)), DB_ROW(db_out_text(&status)), e);
    if (rc <= 0)
      return rc;
    return err_set(e, CC24_E_CONFLICT, "the listing is %s", status);
  }
  if (close_open_offers(c, a, id, 0, "Der Verkäufer hat das Inserat zurückgezogen.", now, e) < 0)
    return -1;
  return 1;
}

static int collect_listings(db_stmt *st, struct arena *a, bool counts, struct market_listing **out,
                            int *n, struct err *e)
{
  int cap = 0, rc;
  *out = NULL;
  *n = 0;
  for (;;) {
    struct market_listing l;
    struct market_lrow t;
    struct db_out o[MARKET_LISTING_NCOLS + 3];
    market_listing_outs(o, &l, &t);
    if (counts) {
      o[MARKET_LISTING_NCOLS] = db_out_int(&l.open_offers);
      o[MARKET_LISTING_NCOLS + 1] = db_out_i64(&l.best_offer_cents);
      o[MARKET_LISTING_NCOLS + 2] = (struct db_out){.t = DB_T_END};
    }
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    market_listing_finish(&l, &t);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)nc);
      cap = nc;
    }
    (*out)[(*n)++] = l;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int market_listings_mine(db_conn *c, struct arena *a, int64_t tenant_id,
                         struct market_listing **out, int *n, struct err *e)
{
  db_stmt *st = db_query(
      c,
      "SELECT " MARKET_LISTING_COLS ","
      " (SELECT COUNT(*) FROM market_offers o WHERE o.listing_id = l.id AND o.status = 'open'),"
      " (SELECT COALESCE(MAX(o.amount_cents), 0) FROM market_offers o WHERE o.listing_id = l.id"
      " AND o.status = 'open')" MARKET_LISTING_FROM
      " WHERE l.tenant_id = $1 AND l.status <> 'expired'"
      " ORDER BY l.created_at DESC, l.id DESC LIMIT 500",
      DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  return collect_listings(st, a, true, out, n, e);
}

int market_listable_vehicles(db_conn *c, struct arena *a, int64_t tenant_id, int64_t now, int max,
                             struct market_listing **out, int *n, struct err *e)
{
  *out = arena_calloc(a, (size_t)(max > 0 ? max : 1), sizeof **out);
  *n = 0;
  db_stmt *st = db_query(c,
                         "SELECT v.public_id, v.make, v.model, v.variant, v.price_cents, v.status,"
                         " v.vat_mode FROM vehicles v WHERE v.tenant_id = $1"
                         " AND v.status IN ('draft', 'published') AND NOT EXISTS (SELECT 1 FROM"
                         " market_listings l WHERE l.vehicle_id = v.id AND l.status = 'active'"
                         " AND l.valid_until >= $2) ORDER BY v.updated_at DESC, v.id DESC LIMIT $3",
                         DB_PARAMS(db_i64(tenant_id), db_i64(now), db_i64(max)), e);
  if (!st)
    return -1;
  int rc = 0;
  while (*n < max) {
    struct market_listing *l = &(*out)[*n];
    char *pub = NULL, *status = NULL, *vat = NULL;
    rc = db_next(st, a,
                 DB_ROW(db_out_text(&pub), db_out_text((char **)&l->make),
                        db_out_text((char **)&l->model), db_out_text((char **)&l->variant),
                        db_out_i64(&l->price_cents), db_out_text(&status), db_out_text(&vat)),
                 e);
    if (rc <= 0)
      break;
    snprintf(l->vehicle_public_id, sizeof l->vehicle_public_id, "%s", pub ? pub : "");
    l->vehicle_status = enum_or(&vehicle_enum_status, status, STATUS_DRAFT);
    l->vat_mode = enum_or(&vehicle_enum_vat, vat, VAT_SHOWN);
    if (!l->variant)
      l->variant = "";
    (*n)++;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ offers */

#define OFFER_COLS                                                                                 \
  "o.id, o.public_id, o.tenant_id, o.buyer_tenant_id, ts.name, ts.slug, tb.name, tb.slug,"         \
  " o.listing_id, l.public_id, l.status, l.valid_until, l.price_cents, v.make, v.model,"           \
  " v.variant, v.vat_mode, l.vehicle_id, o.amount_cents, o.status, o.turn, o.created_at,"          \
  " o.updated_at, COALESCE((SELECT d.public_id FROM market_deals d WHERE d.offer_id = o.id), '')"
#define OFFER_FROM                                                                                 \
  " FROM market_offers o JOIN market_listings l ON l.id = o.listing_id"                            \
  " JOIN vehicles v ON v.id = l.vehicle_id JOIN tenants ts ON ts.id = o.tenant_id"                 \
  " JOIN tenants tb ON tb.id = o.buyer_tenant_id"

struct orow {
  char *pub, *lpub, *lstatus, *make, *model, *variant, *vat, *status, *turn, *deal;
};

static void offer_outs(struct db_out *o, struct market_offer *x, struct orow *t)
{
  int i = 0;
  memset(x, 0, sizeof *x);
  memset(t, 0, sizeof *t);
  o[i++] = db_out_i64(&x->id);
  o[i++] = db_out_text(&t->pub);
  o[i++] = db_out_i64(&x->tenant_id);
  o[i++] = db_out_i64(&x->buyer_tenant_id);
  o[i++] = db_out_text((char **)&x->seller_name);
  o[i++] = db_out_text((char **)&x->seller_slug);
  o[i++] = db_out_text((char **)&x->buyer_name);
  o[i++] = db_out_text((char **)&x->buyer_slug);
  o[i++] = db_out_i64(&x->listing_id);
  o[i++] = db_out_text(&t->lpub);
  o[i++] = db_out_text(&t->lstatus);
  o[i++] = db_out_i64(&x->listing_valid_until);
  o[i++] = db_out_i64(&x->list_price_cents);
  o[i++] = db_out_text(&t->make);
  o[i++] = db_out_text(&t->model);
  o[i++] = db_out_text(&t->variant);
  o[i++] = db_out_text(&t->vat);
  o[i++] = db_out_i64(&x->vehicle_id);
  o[i++] = db_out_i64(&x->amount_cents);
  o[i++] = db_out_text(&t->status);
  o[i++] = db_out_text(&t->turn);
  o[i++] = db_out_i64(&x->created_at);
  o[i++] = db_out_i64(&x->updated_at);
  o[i++] = db_out_text(&t->deal);
  o[i] = (struct db_out){.t = DB_T_END};
}

#define OFFER_NCOLS 24

static void offer_finish(struct arena *a, struct market_offer *x, const struct orow *t)
{
  snprintf(x->public_id, sizeof x->public_id, "%s", t->pub ? t->pub : "");
  snprintf(x->listing_public_id, sizeof x->listing_public_id, "%s", t->lpub ? t->lpub : "");
  snprintf(x->deal_public_id, sizeof x->deal_public_id, "%s", t->deal ? t->deal : "");
  int s = market_name_parse(market_listing_status_names, MARKET_LISTING__COUNT, t->lstatus);
  x->listing_status = s < 0 ? MARKET_LISTING_WITHDRAWN : s;
  s = market_name_parse(market_offer_status_names, MARKET_OFFER__COUNT, t->status);
  x->status = s < 0 ? MARKET_OFFER_CLOSED : s;
  s = market_name_parse(market_side_names, MARKET_SIDE__COUNT, t->turn);
  x->turn = s < 0 ? MARKET_SELLER : s;
  x->vat_mode = enum_or(&vehicle_enum_vat, t->vat, VAT_SHOWN);
  x->title = market_title(a, t->make ? t->make : "", t->model ? t->model : "", t->variant);
  const char **strs[] = {&x->seller_name, &x->seller_slug, &x->buyer_name, &x->buyer_slug};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (!*strs[i])
      *strs[i] = "";
}

/* The offer by public id, whoever's it is: only for use after the caller has
 * established that it may act on it (or for the platform closing offers). */
int market_offer_load(db_conn *c, struct arena *a, const char *public_id, struct market_offer *out,
                      struct err *e)
{
  struct db_out o[OFFER_NCOLS + 1];
  struct orow t;
  offer_outs(o, out, &t);
  int rc = db_query_one(c, a, "SELECT " OFFER_COLS OFFER_FROM " WHERE o.public_id = $1",
                        DB_PARAMS(db_text(public_id)), o, e);
  if (rc == 1)
    offer_finish(a, out, &t);
  return rc;
}

int market_offer_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                     struct market_offer *out, struct market_event **events, int *nevents,
                     struct err *e)
{
  struct db_out o[OFFER_NCOLS + 1];
  struct orow t;
  offer_outs(o, out, &t);
  int rc = db_query_one(c, a,
                        "SELECT " OFFER_COLS OFFER_FROM
                        " WHERE o.public_id = $1 AND (o.tenant_id = $2 OR o.buyer_tenant_id = $2)",
                        DB_PARAMS(db_text(public_id), db_i64(viewer)), o, e);
  if (rc != 1)
    return rc;
  offer_finish(a, out, &t);
  if (!events)
    return 1;
  *events = NULL;
  *nevents = 0;
  db_stmt *st = db_query(c,
                         "SELECT actor, action, amount_cents, message, created_at"
                         " FROM market_offer_events WHERE offer_id = $1 ORDER BY id",
                         DB_PARAMS(db_i64(out->id)), e);
  if (!st)
    return -1;
  int cap = 0;
  for (;;) {
    struct market_event ev = {0};
    char *actor = NULL, *action = NULL;
    rc = db_next(st, a,
                 DB_ROW(db_out_text(&actor), db_out_text(&action), db_out_i64(&ev.amount_cents),
                        db_out_text((char **)&ev.message), db_out_i64(&ev.created_at)),
                 e);
    if (rc <= 0)
      break;
    ev.actor = market_name_parse(market_side_names, MARKET_SIDE__COUNT, actor);
    ev.action = market_name_parse(market_action_names, MARKET_ACT__COUNT, action);
    if (!ev.message)
      ev.message = "";
    if (*nevents == cap) {
      int nc = cap ? cap * 2 : 8;
      *events =
          arena_realloc(a, *events, sizeof **events * (size_t)cap, sizeof **events * (size_t)nc);
      cap = nc;
    }
    (*events)[(*nevents)++] = ev;
  }
  db_finish(st);
  return rc < 0 ? -1 : 1;
}

int market_offer_create(db_conn *c, struct arena *a, int64_t buyer, int64_t user_id,
                        const char *listing_public_id, int64_t amount_cents, const char *message,
                        int64_t now, struct market_offer *out, char existing[17], struct err *e)
{
  if (existing)
    existing[0] = 0;
  struct market_listing l;
  int rc = market_listing_get(c, a, buyer, listing_public_id, now, &l, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such listing");
  if (l.tenant_id == buyer)
    return err_set_field(e, CC24_E_FORBIDDEN, "amount", "no offers on one's own listing");
  if (market_listing_effective(l.status, l.valid_until, now) != MARKET_LISTING_ACTIVE ||
      (l.vehicle_status != STATUS_DRAFT && l.vehicle_status != STATUS_PUBLISHED))
    return err_set(e, CC24_E_CONFLICT, "the listing is no longer available");
  char open[17];
  rc = market_offer_open_for(c, a, buyer, l.id, open, e);
  if (rc < 0)
    return -1;
  if (rc == 1) {
    if (existing)
      snprintf(existing, 17, "%s", open);
    return err_set_field(e, CC24_E_CONFLICT, "offer",
                         "there is an open offer on this listing already");
  }
  char pub[ID_LEN + 1];
  id_new(pub);
  int64_t id;
  if (db_query_one(c, a,
                   "INSERT INTO market_offers (public_id, tenant_id, buyer_tenant_id, listing_id,"
                   " amount_cents, status, turn, created_at, updated_at)"
                   " VALUES ($1, $2, $3, $4, $5, 'open', 'seller', $6, $6) RETURNING id",
                   DB_PARAMS(db_text(pub), db_i64(l.tenant_id), db_i64(buyer), db_i64(l.id),
                             db_i64(amount_cents), db_i64(now)),
                   DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  if (market_offer_get(c, a, buyer, pub, out, NULL, NULL, e) != 1)
    return err_set(e, CC24_E_INTERNAL, "the new offer cannot be read back");
  if (add_event(c, out, MARKET_BUYER, MARKET_ACT_OFFER, amount_cents, message, user_id, now, e) < 0)
    return -1;
  return notify_step(c, a, out, MARKET_BUYER, MARKET_ACT_OFFER, amount_cents, NULL, e);
}

/* PostgreSQL: from here on this transaction acts for `tenant_id` (row-level
 * security). Used only when a buyer accepts the seller's counter-offer: the
 * seller bound itself to that amount, so the deal is carried out with the
 * seller's authority (its listing, its vehicle, its other buyers' offers). */
static int act_for(db_conn *c, int64_t tenant_id, struct err *e)
{
  if (db_conn_backend(c) != DB_PG)
    return 0;
  char t[24];
  snprintf(t, sizeof t, "%" PRId64, tenant_id);
  return db_exec(c, "SELECT set_config('cc24.tenant_id', $1, true)", DB_PARAMS(db_text(t)), e) < 0
             ? -1
             : 0;
}

static int accept(db_conn *c, struct arena *a, const struct market_offer *o, int actor,
                  int commission_bp, int64_t now, struct market_outcome *out, struct err *e)
{
  if (actor == MARKET_BUYER && act_for(c, o->tenant_id, e) < 0)
    return -1;
  /* the listing row is the lock every accept of this listing queues on: of two
   * racing accepts the second finds it sold and changes nothing */
  int rc = db_exec(c,
                   "UPDATE market_listings SET status = 'sold', updated_at = $3 WHERE id = $1"
                   " AND tenant_id = $2 AND status = 'active' AND valid_until >= $3",
                   DB_PARAMS(db_i64(o->listing_id), db_i64(o->tenant_id), db_i64(now)), e);
  if (rc < 0)
    return -1;
  if (rc == 0)
    return err_set(e, CC24_E_CONFLICT, "the listing is no longer active");
  rc = db_exec(c,
               "UPDATE market_offers SET status = 'accepted', updated_at = $2 WHERE id = $1"
               " AND status = 'open' AND turn = $3",
               DB_PARAMS(db_i64(o->id), db_i64(now), db_text(market_side_names[actor])), e);
  if (rc < 0)
    return -1;
  if (rc == 0)
    return err_set(e, CC24_E_CONFLICT, "the offer is no longer open");
  struct vehicle v;
  rc = vehicle_store_get_by_id(c, a, o->vehicle_id, &v, e);
  if (rc < 0)
    return -1;
  if (rc == 0 || v.tenant_id != o->tenant_id)
    return err_set(e, CC24_E_CONFLICT, "the vehicle is gone");
  if (v.status != STATUS_DRAFT && v.status != STATUS_PUBLISHED)
    return err_set(e, CC24_E_CONFLICT, "the vehicle is %s already",
                   enum_value(&vehicle_enum_status, v.status));
  if (vehicle_store_reserve(c, v.tenant_id, v.id, e) != 1)
    return -1;
  v.status = STATUS_RESERVED;
  char pub[ID_LEN + 1];
  id_new(pub);
  int64_t id;
  int64_t commission = market_commission(o->amount_cents, commission_bp);
  if (db_query_one(
          c, a,
          "INSERT INTO market_deals (public_id, tenant_id, buyer_tenant_id, listing_id, offer_id,"
          " vehicle_id, vehicle_title, vehicle_vin, first_reg, mileage_km, net_cents, vat_mode,"
          " commission_bp, commission_cents, created_at)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
          DB_PARAMS(db_text(pub), db_i64(o->tenant_id), db_i64(o->buyer_tenant_id),
                    db_i64(o->listing_id), db_i64(o->id), db_i64(v.id),
                    db_text(market_title(a, v.make, v.model, v.variant)), db_text(v.vin),
                    db_i64(v.first_reg), db_i64(v.mileage_km), db_i64(o->amount_cents),
                    db_text(enum_value(&vehicle_enum_vat, v.vat_mode)), db_i64(commission_bp),
                    db_i64(commission), db_i64(now)),
          DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  snprintf(out->deal_public_id, sizeof out->deal_public_id, "%s", pub);
  out->vehicle_id = v.id;
  if (close_open_offers(c, a, o->listing_id, o->id,
                        "Das Fahrzeug wurde an einen anderen Händler verkauft.", now, e) < 0)
    return -1;
  char payload[24];
  snprintf(payload, sizeof payload, "%" PRId64, v.id);
  return db_notify(c, VEHICLE_CHANNEL, payload, e);
}

int market_offer_act(db_conn *c, struct arena *a, int64_t viewer, int64_t user_id,
                     const char *public_id, int action, int64_t amount_cents, const char *message,
                     int commission_bp, int64_t now, struct market_outcome *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  struct market_offer o;
  int rc = market_offer_get(c, a, viewer, public_id, &o, NULL, NULL, e);
  if (rc <= 0)
    return rc;
  int actor = viewer == o.tenant_id ? MARKET_SELLER : MARKET_BUYER;
  if (market_offer_step(o.status, o.turn, actor, action, &out->status, &out->turn, e) < 0)
    return -1;
  bool live = market_listing_effective(o.listing_status, o.listing_valid_until, now) ==
              MARKET_LISTING_ACTIVE;
  if (!live && (action == MARKET_ACT_ACCEPT || action == MARKET_ACT_COUNTER))
    return err_set(e, CC24_E_CONFLICT, "the listing is no longer active");
  int64_t amount = o.amount_cents;
  switch (action) {
  case MARKET_ACT_COUNTER:
    amount = amount_cents;
    rc = db_exec(c,
                 "UPDATE market_offers SET amount_cents = $2, turn = $3, updated_at = $4"
                 " WHERE id = $1 AND status = 'open' AND turn = $5",
                 DB_PARAMS(db_i64(o.id), db_i64(amount), db_text(market_side_names[out->turn]),
                           db_i64(now), db_text(market_side_names[o.turn])),
                 e);
    break;
  case MARKET_ACT_REJECT:
  case MARKET_ACT_WITHDRAW:
    rc = db_exec(c,
                 "UPDATE market_offers SET status = $2, updated_at = $3"
                 " WHERE id = $1 AND status = 'open' AND turn = $4",
                 DB_PARAMS(db_i64(o.id), db_text(market_offer_status_names[out->status]),
                           db_i64(now), db_text(market_side_names[o.turn])),
                 e);
    break;
  case MARKET_ACT_ACCEPT:
    if (accept(c, a, &o, actor, commission_bp, now, out, e) < 0)
      return -1;
    rc = 1;
    break;
  default:
    return err_set(e, CC24_E_BAD_REQUEST, "unknown action");
  }
  if (rc < 0)
    return -1;
  if (rc == 0)
    return err_set(e, CC24_E_CONFLICT, "the offer changed meanwhile");
  if (add_event(c, &o, actor, action, amount, message, user_id, now, e) < 0)
    return -1;
  if (notify_step(c, a, &o, actor, action, amount, out->deal_public_id, e) < 0)
    return -1;
  return 1;
}

int market_offer_open_for(db_conn *c, struct arena *a, int64_t buyer, int64_t listing_id,
                          char out[17], struct err *e)
{
  char *pub = NULL;
  out[0] = 0;
  int rc = db_query_one(c, a,
                        "SELECT public_id FROM market_offers WHERE listing_id = $1"
                        " AND buyer_tenant_id = $2 AND status = 'open'",
                        DB_PARAMS(db_i64(listing_id), db_i64(buyer)), DB_ROW(db_out_text(&pub)), e);
  if (rc == 1)
    snprintf(out, 17, "%s", pub ? pub : "");
  return rc;
}

int market_offers_list(db_conn *c, struct arena *a, int64_t viewer, int side,
                       struct market_offer **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c,
                         side == MARKET_SELLER
                             ? "SELECT " OFFER_COLS OFFER_FROM
                               " WHERE o.tenant_id = $1 ORDER BY o.updated_at DESC, o.id DESC"
                               " LIMIT 500"
                             : "SELECT " OFFER_COLS OFFER_FROM
                               " WHERE o.buyer_tenant_id = $1 ORDER BY o.updated_at DESC,"
                               " o.id DESC LIMIT 500",
                         DB_PARAMS(db_i64(viewer)), e);
  if (!st)
    return -1;
  int cap = 0, rc;
  for (;;) {
    struct market_offer x;
    struct orow t;
    struct db_out o[OFFER_NCOLS + 1];
    offer_outs(o, &x, &t);
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    offer_finish(a, &x, &t);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)nc);
      cap = nc;
    }
    (*out)[(*n)++] = x;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------- deals */

#define DEAL_COLS                                                                                  \
  "d.id, d.public_id, d.tenant_id, d.buyer_tenant_id, ts.name, ts.slug, ts.city, tb.name,"         \
  " tb.slug, tb.city, d.vehicle_title, d.vehicle_vin, COALESCE(v.public_id, ''), d.first_reg,"     \
  " d.mileage_km, d.net_cents, d.vat_mode, d.commission_bp, d.commission_cents,"                   \
  " COALESCE(o.public_id, ''), d.created_at"
#define DEAL_FROM                                                                                  \
  " FROM market_deals d JOIN tenants ts ON ts.id = d.tenant_id"                                    \
  " JOIN tenants tb ON tb.id = d.buyer_tenant_id LEFT JOIN vehicles v ON v.id = d.vehicle_id"      \
  " LEFT JOIN market_offers o ON o.id = d.offer_id"
#define DEAL_NCOLS 21

struct drow {
  char *pub, *vpub, *vat, *opub;
};

static void deal_outs(struct db_out *o, struct market_deal *d, struct drow *t)
{
  int i = 0;
  memset(d, 0, sizeof *d);
  memset(t, 0, sizeof *t);
  o[i++] = db_out_i64(&d->id);
  o[i++] = db_out_text(&t->pub);
  o[i++] = db_out_i64(&d->tenant_id);
  o[i++] = db_out_i64(&d->buyer_tenant_id);
  o[i++] = db_out_text((char **)&d->seller_name);
  o[i++] = db_out_text((char **)&d->seller_slug);
  o[i++] = db_out_text((char **)&d->seller_city);
  o[i++] = db_out_text((char **)&d->buyer_name);
  o[i++] = db_out_text((char **)&d->buyer_slug);
  o[i++] = db_out_text((char **)&d->buyer_city);
  o[i++] = db_out_text((char **)&d->vehicle_title);
  o[i++] = db_out_text((char **)&d->vehicle_vin);
  o[i++] = db_out_text(&t->vpub);
  o[i++] = db_out_int(&d->first_reg);
  o[i++] = db_out_int(&d->mileage_km);
  o[i++] = db_out_i64(&d->net_cents);
  o[i++] = db_out_text(&t->vat);
  o[i++] = db_out_int(&d->commission_bp);
  o[i++] = db_out_i64(&d->commission_cents);
  o[i++] = db_out_text(&t->opub);
  o[i++] = db_out_i64(&d->created_at);
  o[i] = (struct db_out){.t = DB_T_END};
}

static void deal_finish(struct market_deal *d, const struct drow *t)
{
  snprintf(d->public_id, sizeof d->public_id, "%s", t->pub ? t->pub : "");
  snprintf(d->vehicle_public_id, sizeof d->vehicle_public_id, "%s", t->vpub ? t->vpub : "");
  snprintf(d->offer_public_id, sizeof d->offer_public_id, "%s", t->opub ? t->opub : "");
  d->vat_mode = enum_or(&vehicle_enum_vat, t->vat, VAT_SHOWN);
  const char **strs[] = {&d->seller_name, &d->seller_slug, &d->seller_city,   &d->buyer_name,
                         &d->buyer_slug,  &d->buyer_city,  &d->vehicle_title, &d->vehicle_vin};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (!*strs[i])
      *strs[i] = "";
}

int market_deal_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                    struct market_deal *out, struct err *e)
{
  struct db_out o[DEAL_NCOLS + 1];
  struct drow t;
  deal_outs(o, out, &t);
  int rc = db_query_one(c, a,
                        "SELECT " DEAL_COLS DEAL_FROM
                        " WHERE d.public_id = $1 AND (d.tenant_id = $2 OR d.buyer_tenant_id = $2)",
                        DB_PARAMS(db_text(public_id), db_i64(viewer)), o, e);
  if (rc == 1)
    deal_finish(out, &t);
  return rc;
}

int market_deals_list(db_conn *c, struct arena *a, int64_t viewer, struct market_deal **out, int *n,
                      struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st =
      db_query(c,
               "SELECT " DEAL_COLS DEAL_FROM " WHERE d.tenant_id = $1 OR d.buyer_tenant_id = $1"
               " ORDER BY d.created_at DESC, d.id DESC LIMIT 500",
               DB_PARAMS(db_i64(viewer)), e);
  if (!st)
    return -1;
  int cap = 0, rc;
  for (;;) {
    struct market_deal d;
    struct drow t;
    struct db_out o[DEAL_NCOLS + 1];
    deal_outs(o, &d, &t);
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    deal_finish(&d, &t);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)nc);
      cap = nc;
    }
    (*out)[(*n)++] = d;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}
