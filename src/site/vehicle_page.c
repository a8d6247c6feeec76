/* vehicle_page.c — /fahrzeuge/{slug}: the vehicle page (gallery, key facts,
 * equipment, WLTP figures with the Pkw-EnVKV CO2 class, price with VAT mode,
 * financing box, dealer card, contact and test-drive forms stored as leads,
 * share, similar vehicles, JSON-LD), 301 to the canonical slug, 410 with similar
 * vehicles once sold; the lead post; the printable offer sheet. */
#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/lead.h"
#include "crm/retention.h"
#include "finance/conditions.h"
#include "finance/finance_text.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_store.h"
#include "media/media.h"
#include "privacy/consent.h"
#include "privacy/newsletter.h"
#include "render/i18n.h"
#include "search/search.h"
#include "site/site.h"
#include "tenant/tenant.h"
#include "testdrive/testdrive.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The financing box of a vehicle page: the dealer's example, or the buyer's own
 * down payment and term from the calculator form (?anzahlung=EUR&laufzeit=MONTHS). */
static json_t *vehicle_finance(struct http_req *req, const struct fin_conditions *c, int64_t price)
{
  struct fin_input in;
  struct err e = {0};
  int rc = fin_conditions_example(c, price, &in, &e);
  int64_t down;
  const char *ds = http_query(req, "anzahlung"), *ts = http_query(req, "laufzeit");
  bool custom = false;
  if (ds && money_parse_euros(ds, &down) == 0 && down >= 0 && down < price) {
    in.down_payment_cents = down;
    custom = true;
  }
  int64_t term;
  if (ts && str_to_i64(ts, &term) && term >= 12 && term <= 96) {
    in.term_months = (int)term;
    custom = true;
  }
  json_t *f = json_object();
  if (custom) {
    const struct fin_band *b = fin_conditions_band(
        c, in.term_months, (int)(in.down_payment_cents * 10000 / (price ? price : 1)));
    rc = b ? 0 : -1;
    if (b)
      in.nominal_rate_percent = b->rate_bp / 100.0;
  }
  struct fin_quote q;
  if (rc < 0 || fin_quote(&in, &q, &e) < 0) {
    json_object_set_new(f, "unavailable", json_true());
    return f;
  }
  struct fin_lender ld = {c->lender_name, c->lender_address, c->variable_rate};
  const char *text = NULL;
  /* the dealer's representative example (§ 17 PAngV); a buyer's own calculation is not one */
  if (!custom)
    fin_representative_text(req->a, &in, &q, &ld, &text, &e);
  json_object_set_new(f, "custom", json_boolean(custom));
  char s[64];
  money_format(q.monthly_installment_cents, s, sizeof s);
  json_object_set_new(f, "monthly", json_string(s));
  fin_percent_display(q.apr_percent, s, sizeof s);
  json_object_set_new(f, "apr", json_string(s));
  fin_percent_display(in.nominal_rate_percent, s, sizeof s);
  json_object_set_new(f, "nominal", json_string(s));
  json_object_set_new(f, "term", json_integer(in.term_months));
  json_object_set_new(f, "down_euros", json_integer(in.down_payment_cents / 100));
  json_object_set_new(f, "text", json_string(text ? text : ""));
  json_t *terms = json_array();
  static const int opts[] = {12, 24, 36, 48, 60, 72, 84, 96};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    json_array_append_new(
        terms, json_pack("{s:i,s:b}", "months", opts[i], "selected", opts[i] == in.term_months));
  json_object_set_new(f, "terms", terms);
  return f;
}

/* What a sold vehicle still shows: enough for its 410 page and similar vehicles. */
struct sold_info {
  const char *make, *model, *variant, *body;
  int64_t price_cents;
};

struct page_arg {
  struct arena *a;
  const char *id;
  struct vehicle v;
  struct tenant t;
  int found; /* 1 public, 0 not */
  int sold;  /* 1 when the id is a sold vehicle */
  struct sold_info s;
  struct fin_conditions fc;
  int64_t fc_version;
  int has_fc;
  const char *locale;
  json_t *card;               /* the dealer card with opening hours (tenant_card_load), or NULL */
  struct media_photo *photos; /* the vehicle's photos by position */
  int nphotos;
  struct td_offer td; /* test drives: the free slots from the dealer's opening hours */
};

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  struct page_arg *p = arg;
  p->found = vehicle_store_get(c, p->a, 0, p->id, &p->v, e);
  if (p->found < 0)
    return -1;
  if (p->found == 1) {
    if (tenant_store_by_id(c, p->a, p->v.tenant_id, &p->t, e) < 0)
      return -1;
    if (tenant_card_load(c, p->a, p->v.tenant_id, p->locale ? p->locale : "de", time_now(),
                         &p->card, e) < 0)
      return -1;
    if (p->card) {
      json_arena(p->a, p->card);
      /* the dealer's uploaded logo on the card (40 px high) */
      struct media_photo logo;
      int hl = media_logo_get(c, p->a, p->v.tenant_id, &logo, e);
      if (hl < 0)
        return -1;
      json_t *lj = hl ? media_logo_json(p->a, &logo, 40) : NULL;
      if (lj)
        json_object_set_new(p->card, "logo_img", lj);
    }
    p->has_fc = fin_conditions_load(c, p->a, p->v.tenant_id, 0, &p->fc, &p->fc_version, e);
    if (p->has_fc < 0)
      return -1;
    if (td_offer_load(c, p->a, p->v.tenant_id, p->v.id, time_now(), &p->td, e) < 0)
      return -1;
    return media_photos_of_vehicle(c, p->a, p->v.id, &p->photos, &p->nphotos, e);
  }
  p->sold = db_query_one(c, p->a,
                         "SELECT make, model, variant, body, price_cents FROM vehicles"
                         " WHERE public_id = $1 AND status = 'sold' AND published_at > 0",
                         DB_PARAMS(db_text(p->id)),
                         DB_ROW(db_out_text((char **)&p->s.make), db_out_text((char **)&p->s.model),
                                db_out_text((char **)&p->s.variant),
                                db_out_text((char **)&p->s.body), db_out_i64(&p->s.price_cents)),
                         e);
  return p->sold < 0 ? -1 : 0;
}

static void fact(struct http_req *req, json_t *arr, const char *key, const char *value)
{
  if (!value || !*value)
    return;
  json_array_append_new(
      arr, json_pack("{s:s,s:s}", "label", i18n_get(req->locale, key), "value", value));
}

static const char *tr(struct http_req *req, const char *key)
{
  return i18n_get(req->locale, key);
}

/* "5,6" from tenths */
static const char *x10(struct arena *a, int v)
{
  return arena_printf(a, "%d,%d", v / 10, v % 10);
}

/* Similar vehicles from the index: same make and body at ±30 % of the price;
 * when that finds too few, the same body in the price band. Never the vehicle itself. */
static json_t *similar(struct http_req *req, const char *exclude_id, const char *make, int body,
                       int64_t price)
{
  struct search_index *ix = ((struct app *)req->app)->search;
  json_t *arr = json_array();
  for (int round = 0; round < 2 && json_array_size(arr) < 4; round++) {
    struct search_query q;
    search_query_init(&q);
    if (round == 0 && make && *make) {
      q.make[0] = make;
      q.nmake = 1;
    }
    if (body >= 0 && body < BODY__COUNT)
      q.body = 1u << body;
    /* ±30 %, widened to whole 500 € steps (the index's price buckets: no doc-by-doc check) */
    q.price_min = price * 7 / 10 / 50000 * 50000;
    q.price_max = (price * 13 / 10 / 50000 + 1) * 50000 - 1;
    q.size = 9;
    q.no_facets = true;
    struct search_result res;
    if (search_run(ix, &q, req->a, &res) < 0)
      break;
    for (int i = 0; i < res.nhits && json_array_size(arr) < 4; i++) {
      if (!strcmp(res.hits[i].public_id, exclude_id))
        continue;
      bool dup = false;
      size_t k;
      json_t *it;
      json_array_foreach(arr, k, it)
      {
        dup |= !strcmp(json_string_value(json_object_get(it, "id")), res.hits[i].public_id);
      }
      if (!dup)
        json_array_append_new(arr, site_card(req, &res.hits[i]));
    }
  }
  return arr;
}

/* The gallery: the vehicle's ready photos in their order (the first painted at once, the
 * others lazily), or one placeholder slide when there is none yet. */
static json_t *gallery(struct http_req *req, const struct vehicle *v, const struct page_arg *p)
{
  struct arena *a = req->a;
  json_t *arr = json_array();
  const char *title = arena_printf(a, "%s %s %s", v->make, v->model, v->variant);
  int n = 0;
  for (int i = 0; i < p->nphotos; i++) {
    const struct media_photo *ph = &p->photos[i];
    json_t *pic = media_picture_json(a, ph, "(max-width: 960px) 100vw, 760px");
    if (!pic)
      continue;
    const char *alt =
        *ph->alt ? ph->alt : arena_printf(a, "%s – %s %d", title, tr(req, "photos.photo"), n + 1);
    json_object_set_new(pic, "alt", json_string(alt));
    if (n == 0)
      json_object_set_new(pic, "eager", json_true());
    const char *thumb = media_photo_url(a, ph, 320, "webp");
    json_array_append_new(arr, json_pack("{s:i,s:i,s:s,s:s,s:o,s:s?,s:b}", "index", n, "number",
                                         n + 1, "label", alt, "alt", alt, "picture", pic, "thumb",
                                         thumb, "first", n == 0));
    n++;
  }
  if (n == 0)
    json_array_append_new(arr, json_pack("{s:i,s:i,s:s,s:s,s:s,s:b,s:b}", "index", 0, "number", 1,
                                         "view", "side", "label", tr(req, "photos.none_public"),
                                         "alt", title, "first", 1, "none", 1));
  return arr;
}

/* The form state of the contact / test-drive form: what was typed and the errors. */
struct lead_form {
  struct lead l;
  struct field_errors *errs;
  bool sent;
  bool blocked;        /* rate limited */
  int64_t slot;        /* the test-drive slot chosen (UTC start), 0 = none */
  bool sms_consent;    /* the buyer agreed to SMS about the booking */
  int64_t booked_slot; /* after a booking: its start, for the notice */
};

static const char *lead_error_text(struct http_req *req, const struct field_error *fe)
{
  char key[96];
  /* the slot picker's texts live with the test drives */
  snprintf(key, sizeof key, "%s.err_%s_%s", strcmp(fe->field, "slot") ? "lead" : "testdrive",
           fe->field, fe->code);
  const char *t = tr(req, key);
  return strcmp(t, key) ? t : tr(req, "lead.err_generic");
}

static json_t *lead_json(struct http_req *req, const struct vehicle *v,
                         const struct td_offer *offer, struct lead_form *lf)
{
  struct arena *a = req->a;
  json_t *o = json_object();
  int kind = lf ? lf->l.kind : LEAD_CONTACT;
  json_object_set_new(o, "kind_contact", json_boolean(kind == LEAD_CONTACT));
  json_object_set_new(o, "kind_test_drive", json_boolean(kind == LEAD_TEST_DRIVE));
  json_object_set_new(o, "kind_financing", json_boolean(kind == LEAD_FINANCING));
  json_object_set_new(o, "kind_trade_in", json_boolean(kind == LEAD_TRADE_IN));
  json_object_set_new(o, "marketing_opt_in", json_boolean(lf && lf->l.marketing_opt_in));
  const char *msg = lf ? lf->l.message : NULL;
  if (!lf)
    msg = arena_printf(a, "%s %s %s %s%s", tr(req, "lead.default_message_1"), v->make, v->model,
                       v->variant, tr(req, "lead.default_message_2"));
  json_object_set_new(o, "name", json_string(lf ? lf->l.name : ""));
  json_object_set_new(o, "email", json_string(lf ? lf->l.email : ""));
  json_object_set_new(o, "phone", json_string(lf ? lf->l.phone : ""));
  json_object_set_new(o, "message", json_string(msg ? msg : ""));
  json_object_set_new(o, "preferred_date", json_string(lf ? lf->l.preferred_date : ""));
  int64_t now = time_now();
  char d[16];
  int y, m, dd;
  time_civil_from_days((now + time_berlin_offset(now)) / 86400, &y, &m, &dd);
  snprintf(d, sizeof d, "%04d-%02d-%02d", y, m, dd);
  json_object_set_new(o, "date_min", json_string(d));
  time_civil_from_days((now + time_berlin_offset(now)) / 86400 + LEAD_DATE_AHEAD_DAYS, &y, &m, &dd);
  snprintf(d, sizeof d, "%04d-%02d-%02d", y, m, dd);
  json_object_set_new(o, "date_max", json_string(d));
  json_object_set_new(o, "sent", json_boolean(lf && lf->sent));
  /* with opening hours a test drive is booked on a free slot, otherwise asked for by date */
  json_object_set_new(o, "slots_mode", json_boolean(offer->has_hours));
  if (offer->has_hours)
    json_object_set_new(o, "td", td_offer_json(req, offer, lf ? lf->slot : 0));
  json_object_set_new(o, "sms_consent", json_boolean(lf && lf->sms_consent));
  if (lf && lf->booked_slot > 0)
    json_object_set_new(o, "booked", json_string(td_when(a, req->locale, lf->booked_slot)));
  json_object_set_new(o, "blocked", json_boolean(lf && lf->blocked));
  if (lf && lf->errs && lf->errs->n) {
    json_t *errs = json_object(), *list = json_array();
    for (int i = 0; i < lf->errs->n; i++) {
      const struct field_error *fe = &lf->errs->e[i];
      if (json_object_get(errs, fe->field))
        continue;
      const char *text = lead_error_text(req, fe);
      json_object_set_new(errs, fe->field, json_string(text));
      json_array_append_new(list, json_pack("{s:s,s:s}", "field",
                                            arena_printf(a, "lead-%s", fe->field), "text", text));
    }
    json_object_set_new(o, "errors", errs);
    json_object_set_new(o, "error_list", list);
    json_object_set_new(o, "has_errors", json_true());
  }
  return o;
}

/* The Pkw-EnVKV block: WLTP consumption, CO2 and the CO2 class (computed from the
 * CO2 value; the dealer's own entry only when the value is unknown). */
static void envkv(struct http_req *req, json_t *ctx, const struct vehicle *v)
{
  struct arena *a = req->a;
  json_t *env = json_array();
  bool phev = v->fuel == FUEL_PLUGIN_HYBRID;
  if (v->consumption_x10 >= 0)
    fact(req, env,
         v->fuel == FUEL_ELECTRIC ? "vehicle.consumption_el"
         : phev                   ? "envkv.consumption_weighted"
                                  : "vehicle.consumption",
         arena_printf(a, "%s %s", x10(a, v->consumption_x10),
                      v->fuel == FUEL_ELECTRIC ? "kWh/100 km" : "l/100 km"));
  if (v->consumption_el_x10 >= 0)
    fact(req, env, phev ? "envkv.consumption_el_weighted" : "vehicle.consumption_el",
         arena_printf(a, "%s kWh/100 km", x10(a, v->consumption_el_x10)));
  if (v->co2_g_km >= 0)
    fact(req, env, phev ? "envkv.co2_weighted" : "vehicle.co2",
         arena_printf(a, "%d g/km", v->co2_g_km));
  if (v->range_km >= 0)
    fact(req, env, "vehicle.range", arena_printf(a, "%d km", v->range_km));
  const char *cls = site_co2_class(v->co2_g_km);
  if (!cls && v->co2_class && *v->co2_class)
    cls = v->co2_class;
  if (cls) {
    json_t *scale = json_array();
    static const char *all[] = {"A", "B", "C", "D", "E", "F", "G"};
    for (int i = 0; i < 7; i++)
      json_array_append_new(scale, json_pack("{s:s,s:s,s:b}", "cls", all[i], "css",
                                             arena_printf(a, "co2-%c", 'a' + i), "current",
                                             !strcmp(all[i], cls)));
    json_object_set_new(ctx, "co2_scale", scale);
    json_object_set_new(ctx, "co2_class", json_string(cls));
    json_object_set_new(ctx, "co2_class_label",
                        json_string(tr(req, phev ? "envkv.class_weighted" : "vehicle.co2_class")));
  }
  /* new cars (and demo cars not yet sold to an end user) must show the label data */
  json_object_set_new(ctx, "envkv_required",
                      json_boolean(v->condition == COND_NEW || v->condition == COND_DEMO));
  json_object_set_new(ctx, "env", env);
  json_object_set_new(ctx, "has_env", json_boolean(json_array_size(env) > 0 || cls));
}

/* The microcache key of a plain vehicle page: language and the slug as requested
 * (only canonical slugs are ever stored, a wrong one misses and is redirected). */
static const char *cache_key(struct http_req *req)
{
  return arena_printf(req->a, "%s|v|%s", req->locale ? req->locale : "de", http_param(req, "slug"));
}

static int render_vehicle(struct http_req *req, struct page_arg *p, struct lead_form *lf,
                          int status)
{
  struct vehicle *v = &p->v;
  const char *loc = req->locale;
  struct arena *a = req->a;
  const char *canonical = site_vehicle_path(a, v->make, v->model, v->variant, v->public_id);
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "canonical", json_string(canonical));
  web_page_urls(req, ctx, canonical, NULL);
  json_object_set_new(ctx, "og_type", json_string("product"));
  json_object_set_new(ctx, "id", json_string(v->public_id));
  json_object_set_new(ctx, "make", json_string(v->make));
  json_object_set_new(ctx, "make_name", json_string(v->make)); /* not shadowed by cards */
  json_object_set_new(ctx, "model", json_string(v->model));
  json_object_set_new(ctx, "variant", json_string(v->variant));
  struct buf mq;
  buf_init(&mq, a);
  buf_append_urlenc(&mq, v->make, strlen(v->make));
  json_object_set_new(ctx, "make_query", json_string(buf_cstr(&mq)));
  json_object_set_new(ctx, "price", json_string(site_price(a, v->price_cents)));
  json_object_set_new(ctx, "vat_label",
                      json_string(enum_label(&vehicle_enum_vat, v->vat_mode, loc)));
  json_object_set_new(ctx, "vat_margin", json_boolean(v->vat_mode == VAT_MARGIN));
  if (v->vat_mode == VAT_SHOWN) {
    char net[64];
    money_format(v->price_cents - money_vat_from_gross(v->price_cents, 1900), net, sizeof net);
    json_object_set_new(ctx, "net_price", json_string(net));
  }
  json_object_set_new(ctx, "reserved", json_boolean(v->status == STATUS_RESERVED));
  json_object_set_new(ctx, "is_new", json_boolean(v->condition != COND_USED));
  json_object_set_new(ctx, "condition_label",
                      json_string(enum_label(&vehicle_enum_condition, v->condition, loc)));
  json_t *photos = gallery(req, v, p);
  json_object_set_new(ctx, "photo_count", json_integer((json_int_t)json_array_size(photos)));
  json_object_set_new(ctx, "photos", photos);
  /* og:image and the JSON-LD image list from the real variants */
  const char **images = arena_calloc(a, (size_t)p->nphotos + 1, sizeof *images);
  int nimages = 0;
  for (int i = 0; i < p->nphotos && nimages < 10; i++) {
    const char *u = media_photo_url(a, &p->photos[i], 1280, "jpeg");
    if (u)
      images[nimages++] = arena_printf(a, "%s%s", cfg.base_url, u);
  }
  if (nimages) {
    json_object_set_new(ctx, "og_image", json_string(images[0]));
    json_object_set_new(ctx, "og_image_alt",
                        json_string(arena_printf(a, "%s %s %s", v->make, v->model, v->variant)));
  }

  /* the headline facts next to the price */
  json_t *quick = json_array();
  json_array_append_new(
      quick, json_string(v->first_reg >= 0
                             ? arena_printf(a, "%s %02d/%04d", tr(req, "vehicle.first_reg_short"),
                                            v->first_reg % 12 + 1, v->first_reg / 12)
                             : enum_label(&vehicle_enum_condition, v->condition, loc)));
  json_array_append_new(quick,
                        json_string(arena_printf(a, "%s km", site_int_de(a, v->mileage_km))));
  json_array_append_new(
      quick, json_string(arena_printf(a, "%d kW (%d PS)", v->power_kw, vehicle_ps(v->power_kw))));
  json_array_append_new(quick, json_string(enum_label(&vehicle_enum_fuel, v->fuel, loc)));
  json_array_append_new(quick, json_string(enum_label(&vehicle_enum_gearbox, v->gearbox, loc)));
  json_object_set_new(ctx, "quick", quick);

  json_t *facts = json_array();
  fact(req, facts, "vehicle.condition", enum_label(&vehicle_enum_condition, v->condition, loc));
  if (v->first_reg >= 0)
    fact(req, facts, "vehicle.first_registration",
         arena_printf(a, "%02d/%04d", v->first_reg % 12 + 1, v->first_reg / 12));
  fact(req, facts, "vehicle.mileage", arena_printf(a, "%s km", site_int_de(a, v->mileage_km)));
  fact(req, facts, "vehicle.power",
       arena_printf(a, "%d kW (%d PS)", v->power_kw, vehicle_ps(v->power_kw)));
  fact(req, facts, "vehicle.fuel", enum_label(&vehicle_enum_fuel, v->fuel, loc));
  fact(req, facts, "vehicle.gearbox", enum_label(&vehicle_enum_gearbox, v->gearbox, loc));
  fact(req, facts, "vehicle.body", enum_label(&vehicle_enum_body, v->body, loc));
  fact(req, facts, "vehicle.drive", enum_label(&vehicle_enum_drive, v->drive, loc));
  if (v->ccm > 0)
    fact(req, facts, "vehicle.ccm", arena_printf(a, "%s cm³", site_int_de(a, v->ccm)));
  fact(req, facts, "vehicle.colour",
       *v->colour_name ? v->colour_name : enum_label(&vehicle_enum_colour, v->colour, loc));
  if (v->doors > 0)
    fact(req, facts, "vehicle.doors", arena_printf(a, "%d", v->doors));
  if (v->seats > 0)
    fact(req, facts, "vehicle.seats", arena_printf(a, "%d", v->seats));
  if (v->previous_owners >= 0)
    fact(req, facts, "vehicle.previous_owners", arena_printf(a, "%d", v->previous_owners));
  if (v->hu_until >= 0)
    fact(req, facts, "vehicle.hu",
         arena_printf(a, "%02d/%04d", v->hu_until % 12 + 1, v->hu_until / 12));
  fact(req, facts, "vehicle.emission_class",
       enum_label(&vehicle_enum_emission, v->emission_class, loc));
  fact(req, facts, "vehicle.accident_free", tr(req, v->accident_free ? "common.yes" : "common.no"));
  if (*v->vin)
    fact(req, facts, "vpage.vin", v->vin);
  json_object_set_new(ctx, "facts", facts);
  envkv(req, ctx, v);

  static const char *groups[] = {"comfort", "safety", "multimedia", "exterior"};
  json_t *fg = json_array();
  for (size_t g = 0; g < 4; g++) {
    json_t *items = json_array();
    for (int f = 0; f < FEAT__COUNT; f++)
      if ((v->features & ((uint64_t)1 << f)) && !strcmp(vehicle_feature_group[f], groups[g]))
        json_array_append_new(items, json_string(enum_label(&vehicle_enum_feature, f, loc)));
    if (json_array_size(items)) {
      char key[64];
      snprintf(key, sizeof key, "vehicle.group_%s", groups[g]);
      json_array_append_new(fg, json_pack("{s:s,s:o}", "title", tr(req, key), "items", items));
    } else {
      json_decref(items);
    }
  }
  json_object_set_new(ctx, "feature_groups", fg);
  json_object_set_new(ctx, "description", json_string(v->description));
  json_object_set_new(ctx, "dealer", p->card ? json_incref(p->card) : site_dealer_json(req, &p->t));
  if (p->has_fc == 1)
    json_object_set_new(ctx, "finance", vehicle_finance(req, &p->fc, v->price_cents));

  /* price rating against comparable vehicles */
  struct search_value sv;
  if (search_value_of(((struct app *)req->app)->search, v->id, &sv) == 1 && sv.ratio_bp <= 9500) {
    int pct = (10000 - sv.ratio_bp + 50) / 100;
    json_object_set_new(
        ctx, "rating",
        json_pack("{s:s,s:s,s:b}", "label",
                  tr(req, sv.ratio_bp <= 9000 ? "rating.very_good" : "rating.good"), "text",
                  arena_printf(a, "%d %% %s %s (%d %s)", pct, tr(req, "rating.under"),
                               site_price(a, sv.median_cents), sv.peers, tr(req, "rating.peers")),
                  "very_good", sv.ratio_bp <= 9000));
  }

  /* share */
  const char *abs = arena_printf(a, "%s%s", cfg.base_url, canonical);
  const char *title = arena_printf(a, "%s %s %s – %s", v->make, v->model, v->variant,
                                   site_price(a, v->price_cents));
  struct buf enc, tenc;
  buf_init(&enc, a);
  buf_append_urlenc(&enc, abs, strlen(abs));
  buf_init(&tenc, a);
  buf_append_urlenc(&tenc, title, strlen(title));
  json_object_set_new(
      ctx, "share",
      json_pack("{s:s,s:s,s:s,s:s}", "url", abs, "title", title, "mailto",
                arena_printf(a, "mailto:?subject=%s&body=%s%%0A%s", buf_cstr(&tenc),
                             buf_cstr(&tenc), buf_cstr(&enc)),
                "whatsapp",
                arena_printf(a, "https://wa.me/?text=%s%%20%s", buf_cstr(&tenc), buf_cstr(&enc))));
  json_object_set_new(ctx, "lead", lead_json(req, v, &p->td, lf));
  /* the form's Art. 13 notice (it states the period the retention job enforces) and its
   * hash, which the form sends back; the opt-in box's text */
  struct consent_notice notice, optin;
  consent_notice(a, loc, CONSENT_NOTICE_ENQUIRY, &p->t, &notice);
  consent_notice(a, loc, CONSENT_NOTICE_OPTIN, &p->t, &optin);
  json_object_set_new(ctx, "lead_notice", json_string(notice.text));
  json_object_set_new(ctx, "lead_notice_hash", json_string(notice.hash));
  json_object_set_new(ctx, "lead_optin", json_string(optin.text));
  json_object_set_new(ctx, "similar", similar(req, v->public_id, v->make, v->body, v->price_cents));
  json_object_set_new(ctx, "jsonld",
                      json_string(site_vehicle_jsonld(a, v, abs, &p->t, images, nimages)));
  json_object_set_new(
      ctx, "meta_description",
      json_string(arena_printf(a, "%s · %s · %s km · %d PS · %s. %s", title,
                               enum_label(&vehicle_enum_fuel, v->fuel, loc),
                               site_int_de(a, v->mileage_km), vehicle_ps(v->power_kw),
                               p->t.city ? p->t.city : "", tr(req, "vehicle.meta_description"))));
  if (status != 200)
    http_set_header(req, "Cache-Control", "no-store");
  if (status == 200 && !lf && !(req->raw_query && *req->raw_query))
    return web_render_cached(req, "vehicle", ctx, cache_key(req));
  return web_render(req, status, "vehicle", ctx);
}

/* The vehicle of a {slug} route: 1 found (p filled), or it answered (404/410/error). */
static int load_page(struct http_req *req, struct page_arg *p, bool redirect_slug)
{
  const char *slug = http_param(req, "slug");
  const char *id = site_slug_id(slug);
  if (!id) {
    http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
    return 0;
  }
  p->a = req->a;
  p->id = id;
  p->locale = req->locale;
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_vehicle, p, &e) < 0) {
    http_problem_err(req, &e);
    return 0;
  }
  if (p->sold == 1) {
    json_t *ctx = web_context(req);
    json_object_set_new(ctx, "make", json_string(p->s.make));
    json_object_set_new(ctx, "model", json_string(p->s.model));
    json_object_set_new(ctx, "variant", json_string(p->s.variant));
    json_object_set_new(
        ctx, "similar",
        similar(req, id, p->s.make, enum_parse(&vehicle_enum_body, p->s.body), p->s.price_cents));
    struct buf mq;
    buf_init(&mq, req->a);
    buf_append_urlenc(&mq, p->s.make, strlen(p->s.make));
    json_object_set_new(ctx, "make_query", json_string(buf_cstr(&mq)));
    http_set_header(req, "X-Robots-Tag", "noindex");
    web_render(req, 410, "vehicle_gone", ctx);
    return 0;
  }
  if (!p->found) {
    http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
    return 0;
  }
  if (redirect_slug) {
    struct vehicle *v = &p->v;
    const char *canonical = site_vehicle_path(req->a, v->make, v->model, v->variant, v->public_id);
    if (strcmp(canonical + strlen("/fahrzeuge/"), slug) != 0) {
      const char *qs = req->raw_query && *req->raw_query
                           ? arena_printf(req->a, "%s?%s", canonical, req->raw_query)
                           : canonical;
      http_redirect(req, 301, qs);
      return 0;
    }
  }
  return 1;
}

int site_vehicle_page(struct http_req *req)
{
  if (!(req->raw_query && *req->raw_query) && web_cache_serve(req, cache_key(req)))
    return 0;
  struct page_arg p = {0};
  if (!load_page(req, &p, true))
    return 0;
  const char *sent = http_query(req, "anfrage");
  if (sent && !strcmp(sent, "gesendet")) {
    struct lead_form lf = {0};
    lead_init(&lf.l);
    lf.sent = true;
    return render_vehicle(req, &p, &lf, 200);
  }
  if (sent && !strcmp(sent, "gebucht")) {
    struct lead_form lf = {0};
    lead_init(&lf.l);
    int64_t at;
    const char *ts = http_query(req, "termin");
    if (ts && str_to_i64(ts, &at) && at > 0)
      lf.booked_slot = at;
    else
      lf.sent = true;
    return render_vehicle(req, &p, &lf, 200);
  }
  return render_vehicle(req, &p, NULL, 200);
}

/* ---- POST /fahrzeuge/{slug}/anfrage: contact and test-drive requests ---- */

struct lead_arg {
  struct page_arg *p;
  struct lead *l;
  const char *title, *url, *locale, *ip;
  const struct consent_notice *notice; /* the Art. 13 notice shown (its hash was sent) */
  struct td_booking *booking;          /* a test drive on a slot: booked with the lead */
};

static int tx_lead(db_conn *c, void *arg, struct err *e)
{
  struct lead_arg *x = arg;
  struct page_arg *p = x->p;
  /* the vehicle again, inside the write: it must still be public */
  struct vehicle v;
  int rc = vehicle_store_get(c, p->a, 0, p->id, &v, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_VEHICLE_NOT_FOUND, "the vehicle is no longer offered");
  x->l->tenant_id = v.tenant_id;
  x->l->vehicle_id = v.id;
  /* the processing record: what was processed, why, and what the buyer was told */
  struct consent_record r = {.tenant_id = v.tenant_id,
                             .form = enum_value(&lead_enum_kind, x->l->kind),
                             .email = str_lower(p->a, x->l->email),
                             .reference = x->l->public_id,
                             .ip = x->ip};
  if (x->booking) {
    /* the slot: a booking taken a moment ago fails here on the unique index; the
     * booking's own mails (confirmation with .ics, the dealer's notice) replace the
     * enquiry's notice and receipt */
    if (td_book(c, p->a, x->l, x->booking, &p->t, x->url, p->td.sms, e) < 0)
      return -1;
    return consent_record(c, &r, x->notice, time_now(), e);
  }
  if (crm_lead_submit(c, p->a, x->l, &p->t, x->title, x->url, x->locale, e) < 0)
    return -1;
  return consent_record(c, &r, x->notice, time_now(), e);
}

int site_lead_post(struct http_req *req)
{
  struct page_arg p = {0};
  if (!load_page(req, &p, false))
    return 0;
  struct arena *a = req->a;
  struct lead_form lf = {0};
  lead_init(&lf.l);
  lf.l.privacy_notice = lead_retention_notice(a);
  const char *kind = http_form(req, "kind");
  lf.l.kind = kind ? enum_parse(&lead_enum_kind, kind) : LEAD_CONTACT;
  lf.l.name = http_form(req, "name");
  lf.l.email = http_form(req, "email");
  lf.l.phone = http_form(req, "phone");
  lf.l.message = http_form(req, "message");
  lf.l.preferred_date = http_form(req, "preferred_date");
  const char *optin = http_form(req, "marketing_opt_in"), *hash = http_form(req, "notice");
  lf.l.marketing_opt_in = optin && !strcmp(optin, "1");
  /* with opening hours a test drive is a booking of one of the free slots */
  bool booking = lf.l.kind == LEAD_TEST_DRIVE && p.td.has_hours;
  const char *canonical = site_vehicle_path(a, p.v.make, p.v.model, p.v.variant, p.v.public_id);
  const char *done = arena_printf(a, "%s?anfrage=gesendet#kontakt", canonical);

  /* a bot fills the hidden field: it is told "thank you", nothing is stored */
  const char *hp = http_form(req, "website");
  if (hp && *hp)
    return http_redirect(req, 303, done);
  int retry = 60;
  if (!rl_take(arena_printf(a, "lead:%s", http_client_net(req)), 5, 1, &retry)) {
    http_set_header(req, "Retry-After", arena_printf(a, "%d", retry < 1 ? 1 : retry));
    lf.blocked = true;
    if (lf.l.kind < 0)
      lf.l.kind = LEAD_CONTACT;
    lf.l.name = lf.l.name ? lf.l.name : "";
    lf.l.email = lf.l.email ? lf.l.email : "";
    lf.l.phone = lf.l.phone ? lf.l.phone : "";
    lf.l.message = lf.l.message ? lf.l.message : "";
    lf.l.preferred_date = lf.l.preferred_date ? lf.l.preferred_date : "";
    return render_vehicle(req, &p, &lf, 429);
  }
  struct field_errors errs;
  field_errors_init(&errs, a);
  lf.errs = &errs;
  int64_t slot_end = 0;
  bool taken = false;
  if (booking) {
    const char *ss = http_form(req, "slot"), *sc = http_form(req, "sms_consent");
    lf.sms_consent = p.td.sms && sc && !strcmp(sc, "1");
    int64_t st = 0;
    bool num = ss && str_to_i64(ss, &st);
    if (!ss || !*ss)
      field_error_add(&errs, "slot", "required", "choose a slot");
    else if (num && td_offer_has(&p.td, st, &slot_end))
      lf.slot = st;
    else if (num && td_offer_taken(&p.td, st))
      taken = true, field_error_add(&errs, "slot", "taken", "the slot is booked already");
    else
      field_error_add(&errs, "slot", "invalid", "not one of the free slots");
    /* the lead's date is the slot's Berlin day (or today while none is chosen, so the
     * slot error stands alone) */
    int y, m, d;
    time_civil_from_days(time_berlin_day(lf.slot ? lf.slot : time_now()), &y, &m, &d);
    lf.l.preferred_date = arena_printf(a, "%04d-%02d-%02d", y, m, d);
  }
  /* the notice the buyer read must be the one in force (it names the dealer and the
   * retention period): a changed one is shown again before anything is stored. A post
   * without the hidden field (a script, not the page) is recorded with the text in force */
  struct consent_notice notice;
  consent_notice(a, req->locale, CONSENT_NOTICE_ENQUIRY, &p.t, &notice);
  if (hash && *hash && strcmp(hash, notice.hash))
    field_error_add(&errs, "notice", "changed", "the privacy notice has changed");
  if (lead_validate(a, &lf.l, time_now(), &errs) < 0 || errs.n) {
    if (lf.l.kind < 0 || lf.l.kind >= LEAD__COUNT)
      lf.l.kind = LEAD_CONTACT;
    return render_vehicle(req, &p, &lf, taken && errs.n == 1 ? 409 : 422);
  }
  struct lead_arg x = {
      .p = &p, .l = &lf.l, .locale = req->locale, .ip = req->client_ip, .notice = &notice};
  x.title = arena_printf(a, "%s %s %s", p.v.make, p.v.model, p.v.variant);
  x.url = arena_printf(a, "%s%s%s", cfg.base_url, canonical,
                       strcmp(req->locale, "en") ? "" : "?lang=en");
  struct td_booking b = {0};
  if (booking) {
    b.slot_start = lf.slot;
    b.slot_end = slot_end;
    b.name = lf.l.name;
    b.email = lf.l.email;
    b.phone = lf.l.phone;
    b.sms_consent = lf.sms_consent;
    b.locale = strcmp(req->locale, "en") ? "de" : "en";
    b.vehicle_title = x.title;
    x.booking = &b;
  }
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_WRITE, tx_lead, &x, &e) < 0) {
    if (!booking || e.code != CC24_E_DB_CONSTRAINT)
      return http_problem_err(req, &e);
    /* taken a moment ago: the form again with the fresh slots, nothing stored */
    struct page_arg fresh = {0};
    if (!load_page(req, &fresh, false))
      return 0;
    field_error_add(&errs, "slot", "taken", "the slot was booked a moment ago");
    lf.slot = 0;
    return render_vehicle(req, &fresh, &lf, 409);
  }
  log_info("lead %s stored for tenant %lld", lf.l.public_id, (long long)lf.l.tenant_id);
  if (lf.l.marketing_opt_in)
    newsletter_optin(((struct app *)req->app)->db, a, &p.t, lf.l.email, req->locale, "lead",
                     req->client_ip);
  if (booking) {
    log_info("test drive %s booked for tenant %lld", b.public_id, (long long)lf.l.tenant_id);
    web_cache_clear(); /* the slot is gone from the vehicle page */
    return http_redirect(req, 303,
                         arena_printf(a, "%s?anfrage=gebucht&termin=%lld#kontakt", canonical,
                                      (long long)b.slot_start));
  }
  return http_redirect(req, 303, done);
}

/* ---- /fahrzeuge/{slug}/angebot: the printable offer sheet ---- */

int site_offer_page(struct http_req *req)
{
  const char *id = site_slug_id(http_param(req, "slug"));
  if (!id)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct page_arg p = {.a = req->a, .id = id, .locale = req->locale};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_vehicle, &p, &e) < 0)
    return http_problem_err(req, &e);
  if (!p.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct vehicle *v = &p.v;
  struct arena *a = req->a;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "make", json_string(v->make));
  json_object_set_new(ctx, "model", json_string(v->model));
  json_object_set_new(ctx, "variant", json_string(v->variant));
  json_object_set_new(ctx, "vin", json_string(*v->vin ? v->vin : "–"));
  json_object_set_new(ctx, "mileage",
                      json_string(arena_printf(a, "%s km", site_int_de(a, v->mileage_km))));
  json_object_set_new(
      ctx, "first_reg",
      json_string(v->first_reg >= 0
                      ? arena_printf(a, "%02d/%04d", v->first_reg % 12 + 1, v->first_reg / 12)
                      : "–"));
  char s[64];
  money_format(v->price_cents, s, sizeof s);
  json_object_set_new(ctx, "price", json_string(s));
  json_object_set_new(ctx, "vat_label",
                      json_string(enum_label(&vehicle_enum_vat, v->vat_mode, req->locale)));
  time_berlin_date(time_now(), s, sizeof s);
  json_object_set_new(ctx, "date", json_string(s));
  json_object_set_new(ctx, "dealer", p.card ? json_incref(p.card) : site_dealer_json(req, &p.t));
  struct fin_input in;
  struct fin_quote q;
  if (p.has_fc == 1 && fin_conditions_example(&p.fc, v->price_cents, &in, &e) == 0 &&
      fin_quote(&in, &q, &e) == 0) {
    struct fin_lender ld = {p.fc.lender_name, p.fc.lender_address, p.fc.variable_rate};
    const char *text = "";
    fin_representative_text(a, &in, &q, &ld, &text, &e);
    json_t *f = json_object();
    json_object_set_new(
        f, "lender", json_string(arena_printf(a, "%s, %s", p.fc.lender_name, p.fc.lender_address)));
    money_format(q.net_loan_cents, s, sizeof s);
    json_object_set_new(f, "net_loan", json_string(s));
    json_object_set_new(f, "term", json_integer(in.term_months));
    char m[64], fin[64];
    money_format(q.monthly_installment_cents, m, sizeof m);
    money_format(q.final_installment_cents, fin, sizeof fin);
    json_object_set_new(f, "payments",
                        json_string(arena_printf(a, "%d × %s, %s %s", q.installments - 1, m,
                                                 i18n_get(req->locale, "finance.final"), fin)));
    money_format(q.total_payable_cents, s, sizeof s);
    json_object_set_new(f, "total", json_string(s));
    money_format(in.down_payment_cents, s, sizeof s);
    json_object_set_new(f, "down", json_string(s));
    fin_percent_display(in.nominal_rate_percent, s, sizeof s);
    json_object_set_new(f, "nominal", json_string(s));
    json_object_set_new(f, "rate_kind",
                        json_string(i18n_get(req->locale, p.fc.variable_rate ? "finance.variable"
                                                                             : "finance.fixed")));
    fin_percent_display(q.apr_percent, s, sizeof s);
    json_object_set_new(f, "apr", json_string(s));
    money_format(in.fees_cents, s, sizeof s);
    json_object_set_new(f, "fees", json_string(s));
    json_object_set_new(f, "text", json_string(text));
    json_object_set_new(ctx, "finance", f);
  }
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, 200, "offer", ctx);
}
