/* compare.c — the buyer's tools that need no account: compare up to three vehicles
 * side by side (/vergleich?ids=a,b,c) and the favourites list (/merkliste?ids=…).
 * Both pages are plain server-rendered GET pages; the lists themselves live in the
 * browser (localStorage, static/js/app.js), which puts the ids into the URL.
 * A logged-in buyer's favourites live in the account instead (src/buyer). */
#include "app.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "search/search.h"
#include "site/site.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define COMPARE_MAX    3
#define FAVOURITES_MAX 50

/* Every well-formed id of the ids parameters (comma lists, repeated), de-duplicated,
 * in order, at most max (*dropped counts what was cut off; *bad the malformed ones). */
static int parse_ids(struct http_req *req, const char **out, int max, int *dropped, int *bad)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values), k = 0;
  *dropped = *bad = 0;
  for (int i = 0; i < n; i++) {
    if (strcmp(names[i], "ids"))
      continue;
    char *copy = arena_strdup(req->a, values[i]), *save = NULL;
    for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
      if (!id_valid(p)) {
        (*bad)++;
        continue;
      }
      bool dup = false;
      for (int j = 0; j < k; j++)
        dup |= !strcmp(out[j], p);
      if (dup)
        continue;
      if (k >= max) {
        (*dropped)++;
        continue;
      }
      out[k++] = p;
    }
  }
  return k;
}

struct load_arg {
  struct arena *a;
  const char **ids;
  int n;
  struct vehicle *v;
  const char **dealer_names; /* parallel to v */
  int found;
};

/* The public vehicles among ids, in the order given (missing ones are skipped). */
static int tx_load(db_conn *c, void *arg, struct err *e)
{
  struct load_arg *x = arg;
  x->found = 0;
  for (int i = 0; i < x->n; i++) {
    int rc = vehicle_store_get(c, x->a, 0, x->ids[i], &x->v[x->found], e);
    if (rc < 0)
      return -1;
    if (rc == 1) {
      struct tenant t;
      if (tenant_store_by_id(c, x->a, x->v[x->found].tenant_id, &t, e) < 0)
        return -1;
      x->dealer_names[x->found] = t.name ? t.name : "";
    }
    x->found += rc;
  }
  return 0;
}

static int load(struct http_req *req, const char **ids, int n, struct vehicle **out,
                const char ***names, int *found)
{
  struct load_arg x = {.a = req->a, .ids = ids, .n = n};
  x.v = arena_calloc(req->a, (size_t)(n ? n : 1), sizeof *x.v);
  x.dealer_names = arena_calloc(req->a, (size_t)(n ? n : 1), sizeof *x.dealer_names);
  struct err e = {0};
  if (n && db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_load, &x, &e) < 0)
    return http_problem_err(req, &e), -1;
  *out = x.v;
  if (names)
    *names = x.dealer_names;
  *found = x.found;
  return 0;
}

static const char *ids_url(struct arena *a, const char *base, struct vehicle *v, int n, int skip)
{
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, base);
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (i == skip)
      continue;
    buf_puts(&b, k++ ? "," : "?ids=");
    buf_puts(&b, v[i].public_id);
  }
  return buf_cstr(&b);
}

/* A row of the comparison: label, one cell per vehicle, the best cell marked. */
enum best { BEST_NONE, BEST_LOW, BEST_HIGH };

static void row(struct http_req *req, json_t *rows, const char *key, const char **cells,
                const int64_t *num, int n, enum best best)
{
  bool any = false;
  for (int i = 0; i < n; i++)
    any |= cells[i] && *cells[i];
  if (!any)
    return;
  int bi = -1;
  if (best != BEST_NONE && n > 1) {
    for (int i = 0; i < n; i++) {
      if (num[i] < 0)
        continue;
      if (bi < 0 || (best == BEST_LOW ? num[i] < num[bi] : num[i] > num[bi]))
        bi = i;
    }
    /* no highlight when every known value is the same */
    int same = 0, known = 0;
    for (int i = 0; i < n; i++)
      if (num[i] >= 0)
        known++, same += bi >= 0 && num[i] == num[bi];
    if (same == known)
      bi = -1;
  }
  json_t *cs = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(cs, json_pack("{s:s,s:b}", "text", cells[i] && *cells[i] ? cells[i] : "–",
                                        "best", bi >= 0 && num[i] == num[bi]));
  json_array_append_new(rows,
                        json_pack("{s:s,s:o}", "label", i18n_get(req->locale, key), "cells", cs));
}

int site_compare_page(struct http_req *req)
{
  struct arena *a = req->a;
  const char *loc = req->locale;
  const char *ids[COMPARE_MAX];
  int dropped, bad;
  int n = parse_ids(req, ids, COMPARE_MAX, &dropped, &bad);
  struct vehicle *v;
  const char **dealer_names;
  int found;
  if (load(req, ids, n, &v, &dealer_names, &found) < 0)
    return 0;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "too_many", json_boolean(dropped > 0));
  json_object_set_new(ctx, "missing", json_boolean(found < n || bad > 0));
  json_object_set_new(ctx, "count", json_integer(found));
  json_object_set_new(ctx, "can_add", json_boolean(found < COMPARE_MAX));
  json_t *cols = json_array();
  for (int i = 0; i < found; i++) {
    struct search_hit h;
    search_hit_from_vehicle(&v[i], &h);
    json_t *c = site_card(req, &h);
    json_object_set_new(c, "remove_url", json_string(ids_url(a, "/vergleich", v, found, i)));
    json_array_append_new(cols, c);
  }
  json_object_set_new(ctx, "vehicles", cols);
  json_object_set_new(ctx, "columns", json_integer(found));

  json_t *rows = json_array();
  const char *cells[COMPARE_MAX] = {0};
  int64_t num[COMPARE_MAX] = {0};
#define ROW(key, best, CELL, NUM)                                                                  \
  do {                                                                                             \
    for (int i = 0; i < found; i++) {                                                              \
      const struct vehicle *x = &v[i];                                                             \
      (void)x;                                                                                     \
      cells[i] = (CELL);                                                                           \
      num[i] = (NUM);                                                                              \
    }                                                                                              \
    row(req, rows, key, cells, num, found, best);                                                  \
  } while (0)
  ROW("compare.price", BEST_LOW, site_price(a, x->price_cents), x->price_cents);
  ROW("compare.vat", BEST_NONE, enum_label(&vehicle_enum_vat, x->vat_mode, loc), -1);
  ROW("vehicle.condition", BEST_NONE, enum_label(&vehicle_enum_condition, x->condition, loc), -1);
  ROW("vehicle.first_registration", BEST_HIGH,
      x->first_reg >= 0 ? arena_printf(a, "%02d/%04d", x->first_reg % 12 + 1, x->first_reg / 12)
                        : i18n_get(loc, "compare.new"),
      x->first_reg >= 0 ? x->first_reg : 1000000);
  ROW("vehicle.mileage", BEST_LOW, arena_printf(a, "%s km", site_int_de(a, x->mileage_km)),
      x->mileage_km);
  ROW("vehicle.power", BEST_HIGH,
      arena_printf(a, "%d kW (%d PS)", x->power_kw, vehicle_ps(x->power_kw)), x->power_kw);
  ROW("vehicle.fuel", BEST_NONE, enum_label(&vehicle_enum_fuel, x->fuel, loc), -1);
  ROW("vehicle.gearbox", BEST_NONE, enum_label(&vehicle_enum_gearbox, x->gearbox, loc), -1);
  ROW("vehicle.body", BEST_NONE, enum_label(&vehicle_enum_body, x->body, loc), -1);
  ROW("vehicle.drive", BEST_NONE, enum_label(&vehicle_enum_drive, x->drive, loc), -1);
  ROW("vehicle.colour", BEST_NONE,
      *x->colour_name ? x->colour_name : enum_label(&vehicle_enum_colour, x->colour, loc), -1);
  ROW("vehicle.consumption", BEST_LOW,
      x->consumption_x10 >= 0
          ? arena_printf(a, "%d,%d %s", x->consumption_x10 / 10, x->consumption_x10 % 10,
                         x->fuel == FUEL_ELECTRIC ? "kWh/100 km" : "l/100 km")
          : "",
      -1);
  ROW("vehicle.co2", BEST_LOW, x->co2_g_km >= 0 ? arena_printf(a, "%d g/km", x->co2_g_km) : "",
      x->co2_g_km);
  ROW("vehicle.co2_class", BEST_NONE,
      site_co2_class(x->co2_g_km) ? site_co2_class(x->co2_g_km) : "", -1);
  ROW("vehicle.previous_owners", BEST_LOW,
      x->previous_owners >= 0 ? arena_printf(a, "%d", x->previous_owners) : "", x->previous_owners);
  ROW("vehicle.hu", BEST_NONE,
      x->hu_until >= 0 ? arena_printf(a, "%02d/%04d", x->hu_until % 12 + 1, x->hu_until / 12) : "",
      -1);
  ROW("vehicle.accident_free", BEST_NONE,
      i18n_get(loc, x->accident_free ? "common.yes" : "common.no"), -1);
  ROW("compare.dealer", BEST_NONE, dealer_names[i], -1);
#undef ROW
  json_object_set_new(ctx, "rows", rows);

  /* equipment: every feature any of them has, ticked per vehicle */
  json_t *feats = json_array();
  for (int f = 0; f < FEAT__COUNT && found > 1; f++) {
    bool any = false;
    for (int i = 0; i < found; i++)
      any |= (v[i].features >> f) & 1;
    if (!any)
      continue;
    json_t *cs = json_array();
    for (int i = 0; i < found; i++)
      json_array_append_new(cs, json_pack("{s:b}", "has", (int)((v[i].features >> f) & 1)));
    json_array_append_new(feats, json_pack("{s:s,s:o}", "label",
                                           enum_label(&vehicle_enum_feature, f, loc), "cells", cs));
  }
  json_object_set_new(ctx, "features", feats);
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, 200, "compare", ctx);
}

int site_favourites_page(struct http_req *req)
{
  /* a logged-in buyer's list is the account's (src/buyer) */
  if (req->role == ROLE_BUYER)
    return buyer_favourites_page(req);
  const char *ids[FAVOURITES_MAX];
  int dropped, bad;
  int n = parse_ids(req, ids, FAVOURITES_MAX, &dropped, &bad);
  struct vehicle *v;
  int found;
  if (load(req, ids, n, &v, NULL, &found) < 0)
    return 0;
  json_t *ctx = web_context(req);
  json_t *cards = json_array();
  for (int i = 0; i < found; i++) {
    struct search_hit h;
    search_hit_from_vehicle(&v[i], &h);
    json_array_append_new(cards, site_card(req, &h));
  }
  json_object_set_new(ctx, "cards", cards);
  json_object_set_new(ctx, "asked", json_boolean(n > 0));
  json_object_set_new(ctx, "count", json_integer(found));
  json_object_set_new(ctx, "gone", json_integer(n - found));
  json_object_set_new(ctx, "compare_url",
                      json_string(found > 1 ? ids_url(req->a, "/vergleich", v,
                                                      found < COMPARE_MAX ? found : COMPARE_MAX, -1)
                                            : ""));
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, 200, "favourites", ctx);
}
