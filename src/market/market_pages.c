/* market_pages.c — the Börse pages: the search over every dealer's live
 * listings, a listing with the offer form, the dealer's own listings (list,
 * create, edit, withdraw), negotiations (received/sent, one with its history and
 * the answers it allows) and deals. Forms post with the session's CSRF token
 * (checked in web_before); bad input re-renders the form with inline errors and
 * the typed values, and changes nothing. */
#include "market/market_pages.h"

#include "app.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle_api.h"
#include "inventory/vehicle_store.h"
#include "market/market_store.h"
#include "media/media.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static const char *tr(struct http_req *req, const char *key)
{
  return i18n_get(req->locale, key);
}

/* ---------------------------------------------------------------- helpers */

struct audit_arg {
  int64_t tenant_id, user_id;
  const char *action, *detail, *ip;
};

static int tx_audit(db_conn *c, void *arg, struct err *e)
{
  const struct audit_arg *x = arg;
  return auth_audit(c, x->tenant_id, x->user_id, x->action, x->detail, x->ip, e);
}

/* Record a Börse step in the acting dealer's audit log, in a transaction of its own
 * after the step committed (a buyer's accept works in the seller's name inside its
 * transaction). A failure is logged, never shown: the step itself stands. */
static void audit(struct http_req *req, const char *action, const char *detail)
{
  struct audit_arg x = {req->tenant_id, req->user_id, action, detail, req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_audit, &x, &e) < 0)
    log_warn("audit %s: %s", action, e.msg);
}

/* The page context of every Börse page: dashboard chrome plus the active tab. */
static json_t *market_ctx(struct http_req *req, const char *tab)
{
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, tab, json_true());
  return ctx;
}

static const char *money(struct arena *a, int64_t cents)
{
  char s[48];
  money_format(cents, s, sizeof s);
  return arena_strdup(a, s);
}

/* "12345,67" for a form field. */
static const char *money_field(struct arena *a, int64_t cents)
{
  return arena_printf(a, "%lld,%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

static const char *int_de(struct arena *a, int64_t v)
{
  char out[48];
  num_format_grouped(v, "de", out, sizeof out);
  return arena_strdup(a, out);
}

static const char *date_de(struct arena *a, int64_t t)
{
  char s[32];
  time_berlin_date(t, s, sizeof s);
  return arena_strdup(a, s);
}

static const char *datetime_de(struct arena *a, int64_t t)
{
  char s[32];
  time_berlin_datetime(t, s, sizeof s);
  return arena_strdup(a, s);
}

/* "13,58 %" */
static const char *bp_label(struct arena *a, int bp)
{
  return arena_printf(a, "%d,%02d %%", bp / 100, bp % 100);
}

static const char *reg_label(struct http_req *req, int first_reg, int condition)
{
  if (first_reg < 0)
    return enum_label(&vehicle_enum_condition, condition, req->locale);
  return arena_printf(req->a, "%s %02d/%04d", tr(req, "vehicle.first_reg_short"),
                      first_reg % 12 + 1, first_reg / 12);
}

/* price, VAT note and (VAT shown) gross of a net amount into o. */
static void price_into(struct http_req *req, json_t *o, int64_t net, int vat_mode)
{
  struct arena *a = req->a;
  json_object_set_new(o, "price", json_string(money(a, net)));
  bool shown = vat_mode == VAT_SHOWN;
  json_object_set_new(o, "vat_shown", json_boolean(shown));
  if (shown) {
    json_object_set_new(o, "gross", json_string(money(a, net + market_vat(net))));
    json_object_set_new(o, "vat_amount", json_string(money(a, market_vat(net))));
  }
}

static const char *label_of(struct http_req *req, const char *group, const char *name)
{
  return tr(req, arena_printf(req->a, "market.%s.%s", group, name));
}

static bool vehicle_available(int vehicle_status)
{
  return vehicle_status == STATUS_DRAFT || vehicle_status == STATUS_PUBLISHED;
}

/* Field errors as {field: message in the user's language}. */
static json_t *error_map(struct http_req *req, const struct field_errors *errs)
{
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++) {
    const char *f = errs->e[i].field;
    const char *key =
        !strcmp(f, "valid_until") ? "market.errors.valid_until"
        : !strcmp(f, "vehicle")   ? "market.errors.vehicle"
        : !strcmp(errs->e[i].code, "length") || !strcmp(f, "note") || !strcmp(f, "message")
            ? "market.errors.text"
            : "market.errors.amount";
    if (!json_object_get(err, f))
      json_object_set_new(err, f, json_string(tr(req, key)));
  }
  return err;
}

static int not_found(struct http_req *req)
{
  return http_problem(req, 404, CC24_E_NOT_FOUND, "no such Börse entry", NULL);
}

/* The Börse works for a dealer: a platform admin without one gets 403. */
#define DEALER_ONLY(req)                                                                           \
  do {                                                                                             \
    if ((req)->tenant_id <= 0)                                                                     \
      return http_problem((req), 403, CC24_E_FORBIDDEN, "the Börse is for dealers", NULL);         \
  } while (0)

/* ---------------------------------------------------------------- search */

static json_t *card(struct http_req *req, const struct market_listing *l)
{
  struct arena *a = req->a;
  const char *loc = req->locale;
  json_t *c = json_object();
  json_object_set_new(c, "url", json_string(arena_printf(a, "/boerse/%s", l->public_id)));
  json_object_set_new(c, "id", json_string(l->public_id));
  json_object_set_new(c, "make", json_string(l->make));
  json_object_set_new(c, "model", json_string(l->model));
  json_object_set_new(c, "variant", json_string(l->variant));
  price_into(req, c, l->price_cents, l->vat_mode);
  json_object_set_new(c, "first_reg_label",
                      json_string(reg_label(req, l->first_reg, l->condition)));
  json_object_set_new(c, "mileage",
                      json_string(arena_printf(a, "%s km", int_de(a, l->mileage_km))));
  json_object_set_new(
      c, "power",
      json_string(arena_printf(a, "%d kW (%d PS)", l->power_kw, vehicle_ps(l->power_kw))));
  json_object_set_new(c, "fuel_label", json_string(enum_label(&vehicle_enum_fuel, l->fuel, loc)));
  json_object_set_new(c, "gearbox_label",
                      json_string(enum_label(&vehicle_enum_gearbox, l->gearbox, loc)));
  json_object_set_new(c, "seller", json_string(l->seller_name));
  json_object_set_new(c, "city", json_string(l->seller_city));
  json_object_set_new(c, "valid_until", json_string(date_de(a, l->valid_until)));
  json_object_set_new(c, "own", json_boolean(l->tenant_id == req->tenant_id));
  json_t *photo =
      media_cover_json(a, l->cover, arena_printf(a, "%s %s %s", l->make, l->model, l->variant),
                       "(max-width: 560px) 96px, (max-width: 960px) 50vw, 360px");
  if (photo)
    json_object_set_new(c, "photo", photo);
  return c;
}

static json_t *facet_options(struct http_req *req, const struct search_facet *f,
                             const struct enum_def *en, uint32_t mask, const char *const *sel,
                             int nsel)
{
  json_t *arr = json_array();
  for (int i = 0; f && i < f->n; i++) {
    int ix = en ? enum_parse(en, f->v[i].value) : -1;
    bool s = en ? ix >= 0 && (mask & (1u << ix)) : false;
    for (int k = 0; k < nsel && !s; k++)
      s = str_ieq(sel[k], f->v[i].value);
    json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:b}", "value", f->v[i].value, "label",
                                         en ? enum_label(en, ix, req->locale) : f->v[i].value,
                                         "count", (json_int_t)f->v[i].count, "selected", s));
  }
  return arr;
}

struct search_arg {
  struct arena *a;
  const struct search_query *q;
  int64_t now;
  struct search_result res;
  struct market_listing *items;
};

static int tx_search(db_conn *c, void *arg, struct err *e)
{
  struct search_arg *x = arg;
  return market_search(c, x->a, x->q, x->now, &x->res, &x->items, e);
}

/* The query string without `page` (for the pager). */
static const char *query_without_page(struct http_req *req)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct buf b;
  buf_init(&b, req->a);
  for (int i = 0; i < n; i++) {
    if (!strcmp(names[i], "page") || !values[i][0] || !strcmp(names[i], "lang"))
      continue;
    if (b.len)
      buf_putc(&b, '&');
    buf_append_urlenc(&b, names[i], strlen(names[i]));
    buf_putc(&b, '=');
    buf_append_urlenc(&b, values[i], strlen(values[i]));
  }
  return buf_cstr(&b);
}

int market_page_search(struct http_req *req)
{
  DEALER_ONLY(req);
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  search_query_parse(req->a, n, names, values, 0, &q, &errs);
  struct search_arg x = {.a = req->a, .q = &q, .now = time_now()};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_search, &x, &e) < 0)
    return http_problem_err(req, &e);
  struct search_result *res = &x.res;
  json_t *ctx = market_ctx(req, "tab_search");
  json_t *cards = json_array();
  for (int i = 0; i < res->nhits; i++)
    json_array_append_new(cards, card(req, &x.items[i]));
  json_object_set_new(ctx, "cards", cards);
  json_object_set_new(ctx, "total_label", json_string(int_de(req->a, res->total)));
  json_object_set_new(ctx, "empty", json_boolean(res->total == 0));
  json_object_set_new(ctx, "makes",
                      facet_options(req, search_facet(res, "make"), NULL, 0, q.make, q.nmake));
  json_object_set_new(ctx, "models",
                      facet_options(req, search_facet(res, "model"), NULL, 0, q.model, q.nmodel));
  json_object_set_new(
      ctx, "bodies",
      facet_options(req, search_facet(res, "body"), &vehicle_enum_body, q.body, NULL, 0));
  json_object_set_new(
      ctx, "fuels",
      facet_options(req, search_facet(res, "fuel"), &vehicle_enum_fuel, q.fuel, NULL, 0));
  json_object_set_new(
      ctx, "gearboxes",
      facet_options(req, search_facet(res, "gearbox"), &vehicle_enum_gearbox, q.gearbox, NULL, 0));
  json_object_set_new(ctx, "conditions",
                      facet_options(req, search_facet(res, "condition"), &vehicle_enum_condition,
                                    q.condition, NULL, 0));
  const char *qv = http_query(req, "q");
  json_object_set_new(ctx, "q", json_string(qv && utf8_valid(qv, strlen(qv)) ? qv : ""));
  const char *keep[] = {"price_min", "price_max", "year_min", "mileage_max", "power_min"};
  json_t *vals = json_object();
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    const char *v = http_query(req, keep[i]);
    int64_t k;
    if (v && str_to_i64(v, &k) && k >= 0)
      json_object_set_new(vals, keep[i], json_integer(k));
  }
  json_object_set_new(ctx, "v", vals);
  json_t *sorts = json_array();
  for (int s = 0; s < SORT__COUNT; s++) {
    const char *name = search_sort_names[s];
    const char *key = s == SORT_PRICE_ASC    ? "market.sort_price_asc"
                      : s == SORT_PRICE_DESC ? "market.sort_price_desc"
                      : s == SORT_NEWEST     ? "market.sort_newest"
                                             : arena_printf(req->a, "search.sort_%s", name);
    json_array_append_new(sorts, json_pack("{s:s,s:s,s:b}", "value", name, "label", tr(req, key),
                                           "selected", q.sort == s));
  }
  json_object_set_new(ctx, "sorts", sorts);
  int64_t pages = (res->total + res->size - 1) / res->size;
  const char *base = query_without_page(req);
  if (res->page > 1)
    json_object_set_new(ctx, "prev_url",
                        json_string(arena_printf(req->a, "/boerse?%s%spage=%d", base,
                                                 *base ? "&" : "", res->page - 1)));
  if (res->page < pages)
    json_object_set_new(ctx, "next_url",
                        json_string(arena_printf(req->a, "/boerse?%s%spage=%d", base,
                                                 *base ? "&" : "", res->page + 1)));
  json_object_set_new(
      ctx, "page_label",
      json_string(arena_printf(req->a, "%d / %lld", res->page, (long long)(pages ? pages : 1))));
  return web_render(req, 200, "boerse", ctx);
}

/* ---------------------------------------------------------------- listing */

struct listing_arg {
  struct arena *a;
  int64_t viewer, now;
  const char *id;
  struct market_listing l;
  int found;
  struct vehicle v;
  struct tenant seller;
  char open_offer[17];
};

static int tx_listing(db_conn *c, void *arg, struct err *e)
{
  struct listing_arg *x = arg;
  x->found = market_listing_get(c, x->a, x->viewer, x->id, x->now, &x->l, e);
  if (x->found != 1)
    return x->found < 0 ? -1 : 0;
  if (vehicle_store_get_by_id(c, x->a, x->l.vehicle_id, &x->v, e) != 1 ||
      tenant_store_by_id(c, x->a, x->l.tenant_id, &x->seller, e) != 1)
    return err_set(e, CC24_E_INTERNAL, "listing without vehicle or seller");
  return market_offer_open_for(c, x->a, x->viewer, x->l.id, x->open_offer, e) < 0 ? -1 : 0;
}

static void fact(struct http_req *req, json_t *arr, const char *key, const char *value)
{
  if (value && *value)
    json_array_append_new(arr, json_pack("{s:s,s:s}", "label", tr(req, key), "value", value));
}

/* The listing page; form holds the offer form's values and errors on a re-render. */
static int render_listing(struct http_req *req, int status, struct listing_arg *x, json_t *form,
                          json_t *err, const char *form_error)
{
  struct arena *a = req->a;
  const char *loc = req->locale;
  const struct market_listing *l = &x->l;
  const struct vehicle *v = &x->v;
  json_t *ctx = market_ctx(req, "tab_search");
  json_object_set_new(ctx, "id", json_string(l->public_id));
  json_object_set_new(ctx, "make", json_string(l->make));
  json_object_set_new(ctx, "model", json_string(l->model));
  json_object_set_new(ctx, "variant", json_string(l->variant));
  price_into(req, ctx, l->price_cents, l->vat_mode);
  int eff = market_listing_effective(l->status, l->valid_until, x->now);
  bool live = eff == MARKET_LISTING_ACTIVE && vehicle_available(l->vehicle_status);
  bool own = l->tenant_id == req->tenant_id;
  json_object_set_new(ctx, "live", json_boolean(live));
  json_object_set_new(ctx, "own", json_boolean(own));
  json_object_set_new(ctx, "can_offer", json_boolean(live && !own && !x->open_offer[0]));
  json_object_set_new(ctx, "open_offer", json_string(x->open_offer));
  json_object_set_new(
      ctx, "status_label",
      json_string(label_of(req, "listing_status", market_listing_status_names[eff])));
  json_object_set_new(ctx, "valid_until", json_string(date_de(a, l->valid_until)));
  json_object_set_new(ctx, "listed_at", json_string(date_de(a, l->created_at)));
  json_object_set_new(ctx, "note", json_string(l->note));
  json_t *photo =
      media_cover_json(a, l->cover, arena_printf(a, "%s %s %s", l->make, l->model, l->variant),
                       "(max-width: 960px) 100vw, 640px");
  if (photo) {
    json_object_set_new(photo, "eager", json_true());
    json_object_set_new(ctx, "photo", photo);
  }
  json_object_set_new(ctx, "seller", json_string(x->seller.name));
  json_object_set_new(ctx, "seller_city", json_string(x->seller.city ? x->seller.city : ""));
  json_object_set_new(
      ctx, "seller_address",
      json_string(arena_printf(a, "%s, %s %s", x->seller.street ? x->seller.street : "",
                               x->seller.zip ? x->seller.zip : "",
                               x->seller.city ? x->seller.city : "")));
  json_object_set_new(ctx, "seller_phone", json_string(x->seller.phone ? x->seller.phone : ""));
  json_object_set_new(ctx, "seller_phone_href", json_string(str_tel_uri(a, x->seller.phone)));
  json_object_set_new(ctx, "seller_email", json_string(x->seller.email ? x->seller.email : ""));
  json_t *facts = json_array();
  fact(req, facts, "vehicle.condition", enum_label(&vehicle_enum_condition, v->condition, loc));
  if (v->first_reg >= 0)
    fact(req, facts, "vehicle.first_registration",
         arena_printf(a, "%02d/%04d", v->first_reg % 12 + 1, v->first_reg / 12));
  fact(req, facts, "vehicle.mileage", arena_printf(a, "%s km", int_de(a, v->mileage_km)));
  fact(req, facts, "vehicle.power",
       arena_printf(a, "%d kW (%d PS)", v->power_kw, vehicle_ps(v->power_kw)));
  fact(req, facts, "vehicle.fuel", enum_label(&vehicle_enum_fuel, v->fuel, loc));
  fact(req, facts, "vehicle.gearbox", enum_label(&vehicle_enum_gearbox, v->gearbox, loc));
  fact(req, facts, "vehicle.body", enum_label(&vehicle_enum_body, v->body, loc));
  fact(req, facts, "vehicle.colour",
       v->colour_name && *v->colour_name ? v->colour_name
                                         : enum_label(&vehicle_enum_colour, v->colour, loc));
  if (v->previous_owners >= 0)
    fact(req, facts, "vehicle.previous_owners", arena_printf(a, "%d", v->previous_owners));
  if (v->hu_until >= 0)
    fact(req, facts, "vehicle.hu",
         arena_printf(a, "%02d/%04d", v->hu_until % 12 + 1, v->hu_until / 12));
  fact(req, facts, "vehicle.accident_free", tr(req, v->accident_free ? "common.yes" : "common.no"));
  fact(req, facts, "market.vin", v->vin);
  json_object_set_new(ctx, "facts", facts);
  json_t *feats = json_array();
  for (int i = 0; i < FEAT__COUNT; i++)
    if (v->features & ((uint64_t)1 << i))
      json_array_append_new(feats, json_string(enum_label(&vehicle_enum_feature, i, loc)));
  json_object_set_new(ctx, "features", feats);
  json_object_set_new(ctx, "description", json_string(v->description ? v->description : ""));
  json_object_set_new(ctx, "f", form ? form : json_object());
  json_object_set_new(ctx, "err", err ? err : json_object());
  if (form_error)
    json_object_set_new(ctx, "form_error", json_string(form_error));
  json_object_set_new(ctx, "sent", json_boolean(http_query(req, "gesendet") != NULL));
  return web_render(req, status, "boerse_listing", ctx);
}

static int load_listing(struct http_req *req, struct listing_arg *x)
{
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_listing, x, &e) < 0)
    return http_problem_err(req, &e), -1;
  return x->found;
}

int market_page_listing(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct listing_arg x = {.a = req->a, .viewer = req->tenant_id, .now = time_now(), .id = id};
  int rc = load_listing(req, &x);
  if (rc < 0)
    return 0;
  if (!rc)
    return not_found(req);
  return render_listing(req, 200, &x, NULL, NULL, NULL);
}

struct offer_new_arg {
  struct arena *a;
  int64_t buyer, user_id, now, amount;
  const char *id, *message;
  struct market_offer o;
  char existing[17];
};

static int tx_offer_new(db_conn *c, void *arg, struct err *e)
{
  struct offer_new_arg *x = arg;
  return market_offer_create(c, x->a, x->buyer, x->user_id, x->id, x->amount, x->message, x->now,
                             &x->o, x->existing, e);
}

int market_page_offer_create(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct arena *a = req->a;
  const char *amount = http_form(req, "amount"), *message = http_form(req, "message");
  message = message ? str_trim(a, message) : "";
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct offer_new_arg x = {.a = a,
                            .buyer = req->tenant_id,
                            .user_id = req->user_id,
                            .now = time_now(),
                            .id = id,
                            .message = message};
  market_amount_parse(amount, "amount", &x.amount, &errs);
  market_text_check(message, MARKET_MESSAGE_MAX, "message", &errs);
  struct err e = {0};
  int status = 0;
  const char *form_error = NULL;
  if (errs.n) {
    status = 422;
    form_error = tr(req, "market.errors.fix");
  } else if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_offer_new, &x, &e) < 0) {
    if (e.code == CC24_E_NOT_FOUND)
      return not_found(req);
    if (e.code == CC24_E_FORBIDDEN)
      status = 422, form_error = tr(req, "market.errors.own");
    else if (e.code == CC24_E_CONFLICT && x.existing[0])
      status = 409, form_error = tr(req, "market.errors.open_exists");
    else if (e.code == CC24_E_CONFLICT)
      status = 409, form_error = tr(req, "market.errors.listing_gone");
    else
      return http_problem_err(req, &e);
  }
  if (!status) {
    audit(req, "boerse.offer", arena_printf(a, "%s %s", x.o.public_id, id));
    return http_redirect(
        req, 303, arena_printf(a, "/dashboard/boerse/angebote/%s?gesendet=1", x.o.public_id));
  }
  struct listing_arg l = {.a = a, .viewer = req->tenant_id, .now = x.now, .id = id};
  int rc = load_listing(req, &l);
  if (rc < 0)
    return 0;
  if (!rc)
    return not_found(req);
  json_t *f = json_pack("{s:s,s:s}", "amount", amount ? amount : "", "message", message);
  return render_listing(req, status, &l, f, error_map(req, &errs), form_error);
}

/* ---------------------------------------------------------------- my listings */

static json_t *listing_row(struct http_req *req, const struct market_listing *l, int64_t now)
{
  struct arena *a = req->a;
  json_t *r = json_object();
  json_object_set_new(r, "id", json_string(l->public_id));
  json_object_set_new(r, "title", json_string(arena_printf(a, "%s %s", l->make, l->model)));
  json_object_set_new(r, "variant", json_string(l->variant));
  price_into(req, r, l->price_cents, l->vat_mode);
  int eff = market_listing_effective(l->status, l->valid_until, now);
  json_object_set_new(r, "status", json_string(market_listing_status_names[eff]));
  json_object_set_new(
      r, "status_label",
      json_string(label_of(req, "listing_status", market_listing_status_names[eff])));
  json_object_set_new(r, "editable", json_boolean(l->status == MARKET_LISTING_ACTIVE));
  json_object_set_new(r, "valid_until", json_string(date_de(a, l->valid_until)));
  json_object_set_new(r, "open_offers", json_integer(l->open_offers));
  if (l->best_offer_cents > 0)
    json_object_set_new(r, "best", json_string(money(a, l->best_offer_cents)));
  return r;
}

struct mine_arg {
  struct arena *a;
  int64_t tenant_id;
  struct market_listing *list;
  int n;
};

static int tx_mine(db_conn *c, void *arg, struct err *e)
{
  struct mine_arg *x = arg;
  return market_listings_mine(c, x->a, x->tenant_id, &x->list, &x->n, e);
}

int market_page_mine(struct http_req *req)
{
  DEALER_ONLY(req);
  struct mine_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_mine, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = market_ctx(req, "tab_mine");
  json_t *rows = json_array();
  int64_t now = time_now();
  for (int i = 0; i < x.n; i++)
    json_array_append_new(rows, listing_row(req, &x.list[i], now));
  json_object_set_new(ctx, "rows", rows);
  json_object_set_new(ctx, "listed", json_boolean(http_query(req, "eingestellt") != NULL));
  json_object_set_new(ctx, "saved", json_boolean(http_query(req, "gespeichert") != NULL));
  json_object_set_new(ctx, "withdrawn", json_boolean(http_query(req, "zurueckgezogen") != NULL));
  return web_render(req, 200, "boerse_mine", ctx);
}

struct form_arg {
  struct arena *a;
  int64_t tenant_id, now;
  struct market_listing *vehicles;
  int nvehicles;
  const char *id;
  struct market_listing l;
  int found;
};

static int tx_form(db_conn *c, void *arg, struct err *e)
{
  struct form_arg *x = arg;
  if (x->id) {
    x->found = market_listing_get(c, x->a, x->tenant_id, x->id, x->now, &x->l, e);
    if (x->found == 1 && x->l.tenant_id != x->tenant_id)
      x->found = 0; /* visible as a live listing, but not the dealer's to edit */
    return x->found < 0 ? -1 : 0;
  }
  return market_listable_vehicles(c, x->a, x->tenant_id, x->now, 500, &x->vehicles, &x->nvehicles,
                                  e);
}

/* The listing form: new (x->id NULL: vehicle choice) or edit. */
static int render_form(struct http_req *req, int status, struct form_arg *x, json_t *f, json_t *err,
                       const char *form_error)
{
  json_t *ctx = market_ctx(req, "tab_mine");
  json_object_set_new(ctx, "editing", json_boolean(x->id != NULL));
  if (x->id) {
    json_object_set_new(ctx, "id", json_string(x->l.public_id));
    json_object_set_new(
        ctx, "vehicle_title",
        json_string(arena_printf(req->a, "%s %s %s", x->l.make, x->l.model, x->l.variant)));
    json_object_set_new(ctx, "margin", json_boolean(x->l.vat_mode == VAT_MARGIN));
  } else {
    const char *sel = json_string_value(json_object_get(f, "vehicle"));
    json_t *vs = json_array();
    for (int i = 0; i < x->nvehicles; i++) {
      const struct market_listing *v = &x->vehicles[i];
      json_array_append_new(
          vs,
          json_pack("{s:s,s:s,s:b}", "value", v->vehicle_public_id, "label",
                    arena_printf(req->a, "%s %s %s · %s (%s)", v->make, v->model, v->variant,
                                 money(req->a, v->price_cents),
                                 enum_label(&vehicle_enum_status, v->vehicle_status, req->locale)),
                    "selected", sel && !strcmp(sel, v->vehicle_public_id)));
    }
    json_object_set_new(ctx, "vehicles", vs);
    json_object_set_new(ctx, "no_vehicles", json_boolean(x->nvehicles == 0));
  }
  char ymd[11];
  market_berlin_ymd(x->now, ymd);
  json_object_set_new(ctx, "min_date", json_string(ymd));
  market_berlin_ymd(x->now + (int64_t)MARKET_MAX_VALID_DAYS * 86400, ymd);
  json_object_set_new(ctx, "max_date", json_string(ymd));
  json_object_set_new(ctx, "f", f);
  json_object_set_new(ctx, "err", err ? err : json_object());
  json_object_set_new(ctx, "has_errors", json_boolean(err && json_object_size(err)));
  if (form_error)
    json_object_set_new(ctx, "form_error", json_string(form_error));
  return web_render(req, status, "boerse_listing_form", ctx);
}

static json_t *posted_form(struct http_req *req)
{
  const char *names[] = {"vehicle", "price", "valid_until", "note"};
  json_t *f = json_object();
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *v = http_form(req, names[i]);
    json_object_set_new(f, names[i], json_string(v && utf8_valid(v, strlen(v)) ? v : ""));
  }
  return f;
}

int market_page_new(struct http_req *req)
{
  DEALER_ONLY(req);
  struct form_arg x = {.a = req->a, .tenant_id = req->tenant_id, .now = time_now()};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_form, &x, &e) < 0)
    return http_problem_err(req, &e);
  char ymd[11];
  market_berlin_ymd(x.now + (int64_t)MARKET_DEFAULT_VALID_DAYS * 86400, ymd);
  const char *pre = http_query(req, "fahrzeug");
  json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "vehicle", pre && id_valid(pre) ? pre : "", "price",
                        "", "valid_until", ymd, "note", "");
  return render_form(req, 200, &x, f, NULL, NULL);
}

/* Validate the listing form (price, valid_until, note). */
static void check_form(struct http_req *req, int64_t now, int64_t *price, int64_t *until,
                       const char **note, struct field_errors *errs)
{
  market_amount_parse(http_form(req, "price"), "price", price, errs);
  market_valid_until_parse(http_form(req, "valid_until"), now, "valid_until", until, errs);
  const char *n = http_form(req, "note");
  *note = n ? str_trim(req->a, n) : "";
  market_text_check(*note, MARKET_NOTE_MAX, "note", errs);
}

struct create_arg {
  struct arena *a;
  int64_t tenant_id, now, price, until;
  const char *vehicle, *note;
  struct market_listing l;
};

static int tx_create(db_conn *c, void *arg, struct err *e)
{
  struct create_arg *x = arg;
  return market_listing_create(c, x->a, x->tenant_id, x->vehicle, x->price, x->until, x->note,
                               x->now, &x->l, e);
}

int market_page_create(struct http_req *req)
{
  DEALER_ONLY(req);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct create_arg x = {.a = req->a, .tenant_id = req->tenant_id, .now = time_now()};
  x.vehicle = http_form(req, "vehicle");
  if (!x.vehicle || !id_valid(x.vehicle))
    field_error_add(&errs, "vehicle", "required", "choose a vehicle");
  check_form(req, x.now, &x.price, &x.until, &x.note, &errs);
  struct err e = {0};
  const char *form_error = NULL;
  int status = 0;
  if (errs.n) {
    status = 422;
  } else if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_create, &x, &e) < 0) {
    if (e.code == CC24_E_VEHICLE_NOT_FOUND) {
      status = 422;
      field_error_add(&errs, "vehicle", "unknown", "not a vehicle of this dealer");
    } else if (e.code == CC24_E_CONFLICT) {
      status = 409;
      form_error = tr(req, !strcmp(e.field, "listing") ? "market.errors.already_listed"
                                                       : "market.errors.not_listable");
    } else {
      return http_problem_err(req, &e);
    }
  }
  if (!status) {
    audit(req, "boerse.list", x.l.public_id);
    return http_redirect(req, 303, "/dashboard/boerse?eingestellt=1");
  }
  struct form_arg fa = {.a = req->a, .tenant_id = req->tenant_id, .now = x.now};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_form, &fa, &e) < 0)
    return http_problem_err(req, &e);
  return render_form(req, status, &fa, posted_form(req), error_map(req, &errs),
                     form_error ? form_error : tr(req, "market.errors.fix"));
}

int market_page_edit(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct form_arg x = {.a = req->a, .tenant_id = req->tenant_id, .now = time_now(), .id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_form, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return not_found(req);
  char ymd[11];
  market_berlin_ymd(x.l.valid_until, ymd);
  json_t *f = json_pack("{s:s,s:s,s:s}", "price", money_field(req->a, x.l.price_cents),
                        "valid_until", ymd, "note", x.l.note);
  const char *closed =
      x.l.status == MARKET_LISTING_ACTIVE ? NULL : tr(req, "market.errors.listing_closed");
  return render_form(req, 200, &x, f, NULL, closed);
}

struct update_arg {
  struct arena *a;
  int64_t tenant_id, user_id, now, price, until;
  const char *id, *note;
  bool withdraw;
  int found;
};

static int tx_update(db_conn *c, void *arg, struct err *e)
{
  struct update_arg *x = arg;
  x->found = x->withdraw
                 ? market_listing_withdraw(c, x->a, x->tenant_id, x->user_id, x->id, x->now, e)
                 : market_listing_update(c, x->a, x->tenant_id, x->id, x->price, x->until, x->note,
                                         x->now, e);
  return x->found < 0 ? -1 : 0;
}

/* Save or withdraw; on a problem the edit form again (422 / 409). */
static int change_listing(struct http_req *req, bool withdraw)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct update_arg x = {.a = req->a,
                         .tenant_id = req->tenant_id,
                         .user_id = req->user_id,
                         .now = time_now(),
                         .id = id,
                         .withdraw = withdraw};
  if (!withdraw)
    check_form(req, x.now, &x.price, &x.until, &x.note, &errs);
  struct err e = {0};
  int status = 0;
  const char *form_error = NULL;
  if (errs.n) {
    status = 422;
    form_error = tr(req, "market.errors.fix");
  } else if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_update, &x, &e) < 0) {
    if (e.code != CC24_E_CONFLICT)
      return http_problem_err(req, &e);
    status = 409;
    form_error = tr(req, "market.errors.listing_closed");
  } else if (!x.found) {
    return not_found(req);
  }
  if (!status) {
    audit(req, withdraw ? "boerse.withdraw" : "boerse.change", id);
    return http_redirect(req, 303,
                         withdraw ? "/dashboard/boerse?zurueckgezogen=1"
                                  : "/dashboard/boerse?gespeichert=1");
  }
  struct form_arg fa = {.a = req->a, .tenant_id = req->tenant_id, .now = x.now, .id = id};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_form, &fa, &e) < 0)
    return http_problem_err(req, &e);
  if (!fa.found)
    return not_found(req);
  json_t *f = withdraw ? NULL : posted_form(req);
  if (!f) {
    char ymd[11];
    market_berlin_ymd(fa.l.valid_until, ymd);
    f = json_pack("{s:s,s:s,s:s}", "price", money_field(req->a, fa.l.price_cents), "valid_until",
                  ymd, "note", fa.l.note);
  }
  return render_form(req, status, &fa, f, error_map(req, &errs), form_error);
}

int market_page_update(struct http_req *req)
{
  return change_listing(req, false);
}

int market_page_withdraw(struct http_req *req)
{
  return change_listing(req, true);
}

/* ---------------------------------------------------------------- offers */

/* The offer's state as shown: an open offer on a listing that ended reads closed. */
static int offer_effective(const struct market_offer *o, int64_t now)
{
  if (o->status == MARKET_OFFER_OPEN &&
      market_listing_effective(o->listing_status, o->listing_valid_until, now) !=
          MARKET_LISTING_ACTIVE)
    return MARKET_OFFER_CLOSED;
  return o->status;
}

static json_t *offer_row(struct http_req *req, const struct market_offer *o, int64_t now)
{
  struct arena *a = req->a;
  int me = o->tenant_id == req->tenant_id ? MARKET_SELLER : MARKET_BUYER;
  int eff = offer_effective(o, now);
  json_t *r = json_object();
  json_object_set_new(r, "id", json_string(o->public_id));
  json_object_set_new(r, "title", json_string(o->title));
  json_object_set_new(r, "counterparty",
                      json_string(me == MARKET_SELLER ? o->buyer_name : o->seller_name));
  price_into(req, r, o->amount_cents, o->vat_mode);
  json_object_set_new(r, "status", json_string(market_offer_status_names[eff]));
  json_object_set_new(r, "status_label",
                      json_string(label_of(req, "offer_status", market_offer_status_names[eff])));
  json_object_set_new(r, "open", json_boolean(eff == MARKET_OFFER_OPEN));
  json_object_set_new(r, "my_turn", json_boolean(eff == MARKET_OFFER_OPEN && o->turn == me));
  json_object_set_new(r, "updated", json_string(datetime_de(a, o->updated_at)));
  return r;
}

struct offers_arg {
  struct arena *a;
  int64_t viewer;
  struct market_offer *received, *sent;
  int nreceived, nsent;
};

static int tx_offers(db_conn *c, void *arg, struct err *e)
{
  struct offers_arg *x = arg;
  if (market_offers_list(c, x->a, x->viewer, MARKET_SELLER, &x->received, &x->nreceived, e) < 0)
    return -1;
  return market_offers_list(c, x->a, x->viewer, MARKET_BUYER, &x->sent, &x->nsent, e);
}

int market_page_offers(struct http_req *req)
{
  DEALER_ONLY(req);
  struct offers_arg x = {.a = req->a, .viewer = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_offers, &x, &e) < 0)
    return http_problem_err(req, &e);
  int64_t now = time_now();
  json_t *ctx = market_ctx(req, "tab_offers");
  json_t *rec = json_array(), *sent = json_array();
  for (int i = 0; i < x.nreceived; i++)
    json_array_append_new(rec, offer_row(req, &x.received[i], now));
  for (int i = 0; i < x.nsent; i++)
    json_array_append_new(sent, offer_row(req, &x.sent[i], now));
  json_object_set_new(ctx, "received", rec);
  json_object_set_new(ctx, "sent", sent);
  return web_render(req, 200, "boerse_offers", ctx);
}

struct offer_arg {
  struct arena *a;
  int64_t viewer;
  const char *id;
  struct market_offer o;
  struct market_event *ev;
  int nev, found;
};

static int tx_offer(db_conn *c, void *arg, struct err *e)
{
  struct offer_arg *x = arg;
  x->found = market_offer_get(c, x->a, x->viewer, x->id, &x->o, &x->ev, &x->nev, e);
  return x->found < 0 ? -1 : 0;
}

static int render_offer(struct http_req *req, int status, struct offer_arg *x, json_t *f,
                        json_t *err, const char *form_error)
{
  struct arena *a = req->a;
  const struct market_offer *o = &x->o;
  int64_t now = time_now();
  int me = o->tenant_id == req->tenant_id ? MARKET_SELLER : MARKET_BUYER;
  int eff = offer_effective(o, now);
  bool open = eff == MARKET_OFFER_OPEN;
  json_t *ctx = market_ctx(req, "tab_offers");
  json_object_set_new(ctx, "id", json_string(o->public_id));
  json_object_set_new(ctx, "title", json_string(o->title));
  json_object_set_new(ctx, "listing_id", json_string(o->listing_public_id));
  json_object_set_new(ctx, "seller", json_string(o->seller_name));
  json_object_set_new(ctx, "buyer", json_string(o->buyer_name));
  json_object_set_new(ctx, "i_sell", json_boolean(me == MARKET_SELLER));
  price_into(req, ctx, o->amount_cents, o->vat_mode);
  json_object_set_new(ctx, "list_price", json_string(money(a, o->list_price_cents)));
  json_object_set_new(ctx, "status", json_string(market_offer_status_names[eff]));
  json_object_set_new(ctx, "status_label",
                      json_string(label_of(req, "offer_status", market_offer_status_names[eff])));
  bool mine = open && o->turn == me;
  json_object_set_new(ctx, "open", json_boolean(open));
  json_object_set_new(ctx, "my_turn", json_boolean(mine));
  json_object_set_new(ctx, "waiting", json_boolean(open && !mine));
  json_object_set_new(ctx, "can_withdraw",
                      json_boolean(open && me == MARKET_BUYER && o->turn == MARKET_SELLER));
  json_object_set_new(ctx, "deal_id", json_string(o->deal_public_id));
  json_t *hist = json_array();
  for (int i = 0; i < x->nev; i++) {
    const struct market_event *ev = &x->ev[i];
    if (ev->actor < 0 || ev->action < 0)
      continue;
    const char *who = ev->actor == MARKET_SELLER  ? o->seller_name
                      : ev->actor == MARKET_BUYER ? o->buyer_name
                                                  : "cc24";
    json_t *h =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "action", market_action_names[ev->action], "label",
                  label_of(req, "event", market_action_names[ev->action]), "who", who, "when",
                  datetime_de(a, ev->created_at), "message", ev->message, "mine", ev->actor == me);
    if (ev->action == MARKET_ACT_OFFER || ev->action == MARKET_ACT_COUNTER ||
        ev->action == MARKET_ACT_ACCEPT)
      json_object_set_new(h, "amount", json_string(money(a, ev->amount_cents)));
    json_array_append_new(hist, h);
  }
  json_object_set_new(ctx, "history", hist);
  json_object_set_new(ctx, "f", f ? f : json_object());
  json_object_set_new(ctx, "err", err ? err : json_object());
  if (form_error)
    json_object_set_new(ctx, "form_error", json_string(form_error));
  json_object_set_new(ctx, "sent", json_boolean(http_query(req, "gesendet") != NULL));
  return web_render(req, status, "boerse_offer", ctx);
}

int market_page_offer(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct offer_arg x = {.a = req->a, .viewer = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_offer, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return not_found(req);
  return render_offer(req, 200, &x, NULL, NULL, NULL);
}

struct act_arg {
  struct arena *a;
  int64_t viewer, user_id, now, amount;
  const char *id, *message;
  int action, found;
  struct market_outcome out;
};

static int tx_act(db_conn *c, void *arg, struct err *e)
{
  struct act_arg *x = arg;
  x->found = market_offer_act(c, x->a, x->viewer, x->user_id, x->id, x->action, x->amount,
                              x->message, market_commission_bp(), x->now, &x->out, e);
  return x->found < 0 ? -1 : 0;
}

int market_page_offer_act(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  const char *action = http_form(req, "action"), *amount = http_form(req, "amount");
  const char *message = http_form(req, "message");
  message = message ? str_trim(a, message) : "";
  struct act_arg x = {.a = a,
                      .viewer = req->tenant_id,
                      .user_id = req->user_id,
                      .now = time_now(),
                      .id = id,
                      .message = message};
  x.action = market_name_parse(market_action_names, MARKET_ACT__COUNT, action);
  bool known = x.action == MARKET_ACT_ACCEPT || x.action == MARKET_ACT_REJECT ||
               x.action == MARKET_ACT_COUNTER || x.action == MARKET_ACT_WITHDRAW;
  if (x.action == MARKET_ACT_COUNTER)
    market_amount_parse(amount, "amount", &x.amount, &errs);
  market_text_check(message, MARKET_MESSAGE_MAX, "message", &errs);
  struct err e = {0};
  int status = 0;
  const char *form_error = NULL;
  if (!known) {
    status = 422;
    form_error = tr(req, "market.errors.action");
  } else if (errs.n) {
    status = 422;
    form_error = tr(req, "market.errors.fix");
  } else if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_act, &x, &e) < 0) {
    if (e.code == CC24_E_CONFLICT)
      status = 409, form_error = tr(req, "market.errors.offer_changed");
    else if (e.code == CC24_E_FORBIDDEN)
      status = 422, form_error = tr(req, "market.errors.action");
    else
      return http_problem_err(req, &e);
  } else if (!x.found) {
    return not_found(req);
  }
  if (!status) {
    audit(req, arena_printf(a, "boerse.%s", market_action_names[x.action]),
          x.out.deal_public_id[0] ? arena_printf(a, "%s deal %s", id, x.out.deal_public_id) : id);
    if (x.out.deal_public_id[0]) {
      /* the vehicle is reserved now: the public index shows it so at once here,
       * other instances follow through the notification sent at commit */
      vehicle_index_refresh(app_of(req), x.out.vehicle_id);
      return http_redirect(
          req, 303, arena_printf(a, "/dashboard/boerse/abschluesse/%s", x.out.deal_public_id));
    }
    return http_redirect(req, 303, arena_printf(a, "/dashboard/boerse/angebote/%s", id));
  }
  struct offer_arg o = {.a = a, .viewer = req->tenant_id, .id = id};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_offer, &o, &e) < 0)
    return http_problem_err(req, &e);
  if (!o.found)
    return not_found(req);
  json_t *f =
      json_pack("{s:s,s:s}", "amount", amount && utf8_valid(amount, strlen(amount)) ? amount : "",
                "message", utf8_valid(message, strlen(message)) ? message : "");
  return render_offer(req, status, &o, f, error_map(req, &errs), form_error);
}

/* ---------------------------------------------------------------- deals */

static json_t *deal_json(struct http_req *req, const struct market_deal *d)
{
  struct arena *a = req->a;
  bool sold = d->tenant_id == req->tenant_id;
  json_t *r = json_object();
  json_object_set_new(r, "id", json_string(d->public_id));
  json_object_set_new(r, "title", json_string(d->vehicle_title));
  json_object_set_new(r, "vin", json_string(d->vehicle_vin));
  json_object_set_new(r, "sold", json_boolean(sold));
  json_object_set_new(r, "role_label",
                      json_string(tr(req, sold ? "market.role_sold" : "market.role_bought")));
  json_object_set_new(r, "counterparty", json_string(sold ? d->buyer_name : d->seller_name));
  json_object_set_new(r, "seller", json_string(d->seller_name));
  json_object_set_new(r, "seller_city", json_string(d->seller_city));
  json_object_set_new(r, "buyer", json_string(d->buyer_name));
  json_object_set_new(r, "buyer_city", json_string(d->buyer_city));
  price_into(req, r, d->net_cents, d->vat_mode);
  json_object_set_new(
      r, "vat_label",
      json_string(tr(req, d->vat_mode == VAT_SHOWN ? "market.vat_shown" : "market.margin_note")));
  json_object_set_new(r, "commission", json_string(money(a, d->commission_cents)));
  json_object_set_new(r, "commission_rate", json_string(bp_label(a, d->commission_bp)));
  json_object_set_new(r, "date", json_string(datetime_de(a, d->created_at)));
  if (d->first_reg >= 0)
    json_object_set_new(
        r, "first_reg",
        json_string(arena_printf(a, "%02d/%04d", d->first_reg % 12 + 1, d->first_reg / 12)));
  json_object_set_new(r, "mileage",
                      json_string(arena_printf(a, "%s km", int_de(a, d->mileage_km))));
  json_object_set_new(r, "offer_id", json_string(d->offer_public_id));
  return r;
}

struct deals_arg {
  struct arena *a;
  int64_t viewer;
  const char *id;
  struct market_deal *list, d;
  int n, found;
};

static int tx_deals(db_conn *c, void *arg, struct err *e)
{
  struct deals_arg *x = arg;
  if (x->id) {
    x->found = market_deal_get(c, x->a, x->viewer, x->id, &x->d, e);
    return x->found < 0 ? -1 : 0;
  }
  return market_deals_list(c, x->a, x->viewer, &x->list, &x->n, e);
}

int market_page_deals(struct http_req *req)
{
  DEALER_ONLY(req);
  struct deals_arg x = {.a = req->a, .viewer = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_deals, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = market_ctx(req, "tab_deals");
  json_t *rows = json_array();
  for (int i = 0; i < x.n; i++)
    json_array_append_new(rows, deal_json(req, &x.list[i]));
  json_object_set_new(ctx, "rows", rows);
  return web_render(req, 200, "boerse_deals", ctx);
}

int market_page_deal(struct http_req *req)
{
  DEALER_ONLY(req);
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return not_found(req);
  struct deals_arg x = {.a = req->a, .viewer = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_deals, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return not_found(req);
  json_t *ctx = market_ctx(req, "tab_deals");
  json_object_set_new(ctx, "deal", deal_json(req, &x.d));
  return web_render(req, 200, "boerse_deal", ctx);
}
