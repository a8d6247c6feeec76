/* profile_page.c — /dashboard/profil: the owner edits the dealer profile behind
 * the showroom, the dealer card and the Impressum. A plain form (works without
 * JavaScript, CSRF checked in web_before); every field is validated on the
 * server, errors show next to their field in the user's language and keep what
 * was typed, and nothing is saved until everything is right. Missing mandatory
 * Impressum items are flagged at the top. The embed snippet is documented here. */
#include "app.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "media/media.h"
#include "render/i18n.h"
#include "showroom/showroom.h"
#include "site/site.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define TEAM_ROWS_EMPTY 2

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

struct prof_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *ip;
  struct tenant t;
  struct tenant_profile p;
  int found;
};

static int tx_prof_load(db_conn *c, void *arg, struct err *e)
{
  struct prof_arg *x = arg;
  x->found = tenant_store_by_id(c, x->a, x->tenant_id, &x->t, e);
  if (x->found <= 0)
    return x->found;
  return tenant_profile_load(c, x->a, x->tenant_id, &x->p, e) < 0 ? -1 : 0;
}

struct logo_arg {
  struct arena *a;
  int64_t tenant_id;
  struct media_photo logo;
  int found;
};

static int tx_logo(db_conn *c, void *arg, struct err *e)
{
  struct logo_arg *x = arg;
  x->found = media_logo_get(c, x->a, x->tenant_id, &x->logo, e);
  return x->found < 0 ? -1 : 0;
}

static int tx_prof_save(db_conn *c, void *arg, struct err *e)
{
  struct prof_arg *x = arg;
  if (tenant_profile_save(c, x->a, &x->t, &x->p, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, "profile.update", "", x->ip, e);
}

/* The stored profile as form values. */
static json_t *form_of(const struct tenant *t, const struct tenant_profile *p)
{
  json_t *f = json_object();
  const struct {
    const char *k, *v;
  } s[] = {{"name", t->name},
           {"street", t->street},
           {"zip", t->zip},
           {"city", t->city},
           {"phone", t->phone},
           {"email", t->email},
           {"website", t->website},
           {"legal_name", p->legal_name},
           {"managing_directors", p->managing_directors},
           {"register_court", p->register_court},
           {"register_number", p->register_number},
           {"vat_id", p->vat_id},
           {"tax_number", p->tax_number},
           {"about_de", p->about_de},
           {"about_en", p->about_en},
           {"logo_path", p->logo_path},
           {"color_primary", p->color_primary},
           {"color_accent", p->color_accent}};
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
    json_object_set_new(f, s[i].k, json_string(s[i].v ? s[i].v : ""));
  json_object_set_new(
      f, "legal_form",
      json_string(p->legal_form >= 0 ? enum_value(&tenant_enum_legal_form, p->legal_form) : ""));
  if (p->has_geo) {
    char la[24], lo[24];
    tenant_geo_format(p->lat_e6, la, sizeof la);
    tenant_geo_format(p->lon_e6, lo, sizeof lo);
    json_object_set_new(f, "lat", json_string(la));
    json_object_set_new(f, "lon", json_string(lo));
  }
  for (int d = 0; d < 7; d++) {
    char k[16], v[128];
    snprintf(k, sizeof k, "hours_%d", d);
    tenant_hours_format_day(&p->hours, d, "-", v, sizeof v);
    json_object_set_new(f, k, json_string(v));
  }
  for (int i = 0; i < SOCIAL__COUNT; i++) {
    char k[32];
    snprintf(k, sizeof k, "social_%s", tenant_social_keys[i]);
    json_object_set_new(f, k, json_string(p->social[i]));
  }
  return f;
}

/* What the user typed, as form values. */
static json_t *form_raw(struct http_req *req)
{
  json_t *f = json_object();
  const char **names, **values;
  int n = http_form_pairs(req, &names, &values);
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], "_csrf") && utf8_valid(values[i], strlen(values[i])) &&
        strlen(names[i]) < 40)
      json_object_set_new(f, names[i], json_string(values[i]));
  return f;
}

/* A message for one field error in the user's language: the most specific
 * catalog text (dealer_profile.err_FIELD_CODE, dealer_profile.err_CODE,
 * errors.CODE), the contrast one with its figures. */
static const char *error_text(struct http_req *req, const struct field_error *fe, json_t *f)
{
  const char *loc = req->locale;
  char key[96];
  /* team_3_email → team_email */
  char field[48];
  int k;
  char part[8];
  if (sscanf(fe->field, "team_%d_%7s", &k, part) == 2)
    snprintf(field, sizeof field, "team_%s", part);
  else if (sscanf(fe->field, "hours_%d", &k) == 1)
    snprintf(field, sizeof field, "hours");
  else if (str_starts(fe->field, "social_"))
    snprintf(field, sizeof field, "social");
  else
    snprintf(field, sizeof field, "%s", fe->field);
  if (!strcmp(fe->code, "contrast")) {
    const char *raw = json_string_value(json_object_get(f, fe->field));
    char c[8], dark[8], ratio[16];
    if (raw && tenant_color_parse(raw, c) == 0) {
      tenant_color_darken_for_white(c, TENANT_MIN_CONTRAST, dark);
      snprintf(ratio, sizeof ratio, "%.1f", tenant_contrast_ratio(c, "#ffffff"));
      for (char *p = ratio; *p; p++)
        if (*p == '.' && !strcmp(loc, "de"))
          *p = ',';
      const char *t = i18n_get(loc, "dealer_profile.err_contrast");
      const char *p1 = strstr(t, "{ratio}");
      if (p1)
        t = arena_printf(req->a, "%.*s%s%s", (int)(p1 - t), t, ratio, p1 + 7);
      const char *p2 = strstr(t, "{color}");
      if (p2)
        t = arena_printf(req->a, "%.*s%s%s", (int)(p2 - t), t, dark, p2 + 7);
      return t;
    }
  }
  const char *tries[3];
  tries[0] = arena_printf(req->a, "dealer_profile.err_%s_%s", field, fe->code);
  tries[1] = arena_printf(req->a, "dealer_profile.err_%s", fe->code);
  tries[2] = arena_printf(req->a, "errors.%s", fe->code);
  for (int i = 0; i < 3; i++) {
    snprintf(key, sizeof key, "%s", tries[i]);
    const char *t = i18n_get(loc, key);
    if (strcmp(t, key))
      return t;
  }
  return fe->detail;
}

static int render(struct http_req *req, int status, const struct tenant *t,
                  const struct tenant_profile *p, json_t *f, const struct field_errors *errs,
                  bool saved)
{
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, "f", f);
  json_object_set_new(ctx, "saved", json_boolean(saved));
  /* the uploaded logo (shown, replaced or removed by the uploader above the form) */
  struct logo_arg lx = {.a = req->a, .tenant_id = t->id};
  struct err le = {0};
  if (db_tx(app_of(req)->db, t->id, DB_READ, tx_logo, &lx, &le) < 0)
    log_warn("profile: logo of tenant %lld: %s", (long long)t->id, le.msg);
  if (lx.found == 1) {
    json_t *logo = media_logo_json(req->a, &lx.logo, 64);
    json_object_set_new(ctx, "logo", logo ? logo : json_object());
    json_object_set_new(ctx, "logo_processing", json_boolean(lx.logo.state == MEDIA_PROCESSING));
    json_object_set_new(ctx, "logo_failed", json_boolean(lx.logo.state == MEDIA_FAILED));
  }
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(error_text(req, &errs->e[i], f)));
  json_object_set_new(ctx, "err", err);
  json_object_set_new(ctx, "has_errors", json_boolean(errs && errs->n > 0));

  const char *lf = json_string_value(json_object_get(f, "legal_form"));
  json_t *forms = json_array();
  for (int i = 0; i < LF__COUNT; i++)
    json_array_append_new(
        forms, json_pack("{s:s,s:s,s:b}", "value", enum_value(&tenant_enum_legal_form, i), "label",
                         enum_label(&tenant_enum_legal_form, i, req->locale), "selected",
                         lf && !strcmp(lf, enum_value(&tenant_enum_legal_form, i))));
  json_object_set_new(ctx, "legal_forms", forms);

  json_t *days = json_array();
  for (int d = 0; d < 7; d++) {
    char k[16], key[40];
    snprintf(k, sizeof k, "hours_%d", d);
    snprintf(key, sizeof key, "opening_hours.day_%d", d);
    const char *v = json_string_value(json_object_get(f, k));
    json_t *e = json_object_get(err, k);
    json_array_append_new(days, json_pack("{s:s,s:s,s:s,s:s,s:b}", "name", k, "label",
                                          i18n_get(req->locale, key), "value", v ? v : "", "error",
                                          e ? json_string_value(e) : "", "has_error", e != NULL));
  }
  json_object_set_new(ctx, "days", days);

  /* team rows: the saved/typed ones, then a few empty ones */
  int rows = p->nteam + TEAM_ROWS_EMPTY;
  if (rows > TENANT_TEAM_MAX)
    rows = TENANT_TEAM_MAX;
  json_t *team = json_array();
  for (int i = 0; i < rows; i++) {
    const struct tenant_member *m = i < p->nteam ? &p->team[i] : NULL;
    json_t *r =
        json_pack("{s:i,s:i,s:s,s:s,s:s,s:s}", "i", i, "n", i + 1, "name", m ? m->name : "", "role",
                  m ? m->role : "", "phone", m ? m->phone : "", "email", m ? m->email : "");
    static const char *const parts[] = {"name", "role", "phone", "email"};
    for (int k = 0; k < 4; k++) {
      char fk[32], ek[40];
      snprintf(fk, sizeof fk, "team_%d_%s", i, parts[k]);
      snprintf(ek, sizeof ek, "err_%s", parts[k]);
      json_t *e = json_object_get(err, fk);
      if (e)
        json_object_set(r, ek, e);
    }
    json_array_append_new(team, r);
  }
  json_object_set_new(ctx, "team", team);

  json_t *social = json_array();
  for (int i = 0; i < SOCIAL__COUNT; i++) {
    char k[32];
    snprintf(k, sizeof k, "social_%s", tenant_social_keys[i]);
    const char *v = json_string_value(json_object_get(f, k));
    json_t *e = json_object_get(err, k);
    json_array_append_new(social, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "name", k, "label",
                                            tenant_social_labels[i], "host", tenant_social_hosts[i],
                                            "value", v ? v : "", "error",
                                            e ? json_string_value(e) : "", "has_error", e != NULL));
  }
  json_object_set_new(ctx, "social", social);

  const char *missing[16];
  int nm = tenant_imprint_missing(t, p, missing, 16);
  json_t *miss = json_array();
  for (int i = 0; i < nm; i++) {
    char key[64];
    snprintf(key, sizeof key, "dealer_profile.f_%s", missing[i]);
    json_array_append_new(miss, json_string(i18n_get(req->locale, key)));
  }
  json_object_set_new(ctx, "missing", miss);
  json_object_set_new(ctx, "imprint_incomplete", json_boolean(nm > 0));
  json_object_set_new(ctx, "slug", json_string(t->slug));
  json_object_set_new(ctx, "snippet",
                      json_string(showroom_embed_snippet(req->a, cfg.base_url, t->slug)));
  json_object_set_new(ctx, "iframe_snippet",
                      json_string(arena_printf(req->a,
                                               "<iframe src=\"%s/embed/%s\" title=\"%s\""
                                               " width=\"100%%\" height=\"900\""
                                               " loading=\"lazy\"></iframe>",
                                               cfg.base_url, t->slug, t->name)));
  return web_render(req, status, "dash_profile", ctx);
}

int showroom_profile_page(struct http_req *req)
{
  struct prof_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_prof_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, NULL, NULL);
  return render(req, 200, &x.t, &x.p, form_of(&x.t, &x.p), NULL, http_query(req, "saved") != NULL);
}

static const char *form_get(void *ctx, const char *name)
{
  return http_form(ctx, name);
}

int showroom_profile_post(struct http_req *req)
{
  struct prof_arg x = {
      .a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_prof_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, NULL, NULL);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  /* the tenant row keeps its id, slug and country; the rest comes from the form */
  tenant_profile_from_fields(req->a, form_get, req, &x.t, &x.p, &errs);
  /* a logo must be one of the served assets */
  if (*x.p.logo_path && tenant_logo_path_valid(x.p.logo_path) &&
      !field_error_get(&errs, "logo_path")) {
    const char *name = x.p.logo_path + strlen("/static/");
    if (!strcmp(http_static_url(name) + strlen("/static/"), name))
      field_error_add(&errs, "logo_path", "missing", "no such file under /static/");
  }
  if (errs.n)
    return render(req, 422, &x.t, &x.p, form_raw(req), &errs, false);
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_prof_save, &x, &e) < 0)
    return http_problem_err(req, &e);
  web_cache_clear(); /* dealer cards on vehicle pages show the new data at once */
  return http_redirect(req, 303, "/dashboard/profil?saved=1");
}
