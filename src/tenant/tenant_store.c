/* tenant_store.c — SQL for tenants and their profiles (dealer_profiles, dealer_hours,
 * dealer_team), on both backends; profile functions are scoped by tenant_id. */
#include "tenant/tenant.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TENANT_COLS                                                                                \
  "id, public_id, slug, name, street, zip, city, country, phone, email, website, created_at"

static void out_row(struct db_out row[13], struct tenant *t, char **pub)
{
  row[0] = db_out_i64(&t->id);
  row[1] = db_out_text(pub);
  row[2] = db_out_text((char **)&t->slug);
  row[3] = db_out_text((char **)&t->name);
  row[4] = db_out_text((char **)&t->street);
  row[5] = db_out_text((char **)&t->zip);
  row[6] = db_out_text((char **)&t->city);
  row[7] = db_out_text((char **)&t->country);
  row[8] = db_out_text((char **)&t->phone);
  row[9] = db_out_text((char **)&t->email);
  row[10] = db_out_text((char **)&t->website);
  row[11] = db_out_i64(&t->created_at);
  row[12] = (struct db_out){.t = DB_T_END};
}

static void copy_pub(struct tenant *t, const char *pub)
{
  snprintf(t->public_id, sizeof t->public_id, "%s", pub ? pub : "");
}

static bool slug_ok(const char *s)
{
  size_t n = strlen(s);
  if (n < 3 || n > 60 || s[0] == '-' || s[n - 1] == '-')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
    if (c == '-' && i + 1 < n && s[i + 1] == '-')
      return false;
  }
  return true;
}

int tenant_validate(const struct tenant *t, struct field_errors *errs)
{
  int before = errs->n;
  if (!t->slug || !slug_ok(t->slug))
    field_error_add(errs, "slug", "format",
                    "slug must be 3 to 60 characters a-z, 0-9 and single dashes");
  const struct {
    const char *name, *v;
    size_t min, max;
  } f[] = {{"name", t->name, 2, 120},   {"street", t->street, 0, 120},  {"zip", t->zip, 0, 10},
           {"city", t->city, 0, 80},    {"country", t->country, 0, 2},  {"phone", t->phone, 0, 40},
           {"email", t->email, 0, 254}, {"website", t->website, 0, 200}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    const char *v = f[i].v ? f[i].v : "";
    size_t n = strlen(v);
    if (!utf8_valid(v, n)) {
      field_error_add(errs, f[i].name, "format", "%s must be valid UTF-8", f[i].name);
      continue;
    }
    size_t cps = utf8_len(v, n);
    if (cps < f[i].min || cps > f[i].max)
      field_error_add(errs, f[i].name, cps ? "length" : "required",
                      "%s must have %zu to %zu characters", f[i].name, f[i].min, f[i].max);
  }
  if (t->email && *t->email && (!strchr(t->email, '@') || strchr(t->email, ' ')))
    field_error_add(errs, "email", "format", "email is not a valid address");
  return errs->n > before ? -1 : 0;
}

int tenant_store_create(db_conn *c, struct tenant *t, struct err *e)
{
  id_new(t->public_id);
  t->created_at = time_now();
  const char *def = "";
  return db_query_one(
             c, NULL,
             "INSERT INTO tenants (public_id, slug, name, street, zip, city, country, phone, email,"
             " website, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
             " RETURNING id",
             DB_PARAMS(db_text(t->public_id), db_text(t->slug), db_text(t->name),
                       db_text(t->street ? t->street : def), db_text(t->zip ? t->zip : def),
                       db_text(t->city ? t->city : def),
                       db_text(t->country && *t->country ? t->country : "DE"),
                       db_text(t->phone ? t->phone : def), db_text(t->email ? t->email : def),
                       db_text(t->website ? t->website : def), db_i64(t->created_at)),
             DB_ROW(db_out_i64(&t->id)), e) == 1
             ? 0
             : -1;
}

static int by(db_conn *c, struct arena *a, const char *where, const struct db_param *p,
              struct tenant *t, struct err *e)
{
  struct db_out row[13];
  char *pub = NULL;
  memset(t, 0, sizeof *t);
  out_row(row, t, &pub);
  char *sql = arena_printf(a, "SELECT " TENANT_COLS " FROM tenants WHERE %s", where);
  int rc = db_query_one(c, a, sql, p, row, e);
  if (rc == 1)
    copy_pub(t, pub);
  return rc;
}

int tenant_store_by_slug(db_conn *c, struct arena *a, const char *slug, struct tenant *t,
                         struct err *e)
{
  return by(c, a, "slug = $1", DB_PARAMS(db_text(slug)), t, e);
}

int tenant_store_by_id(db_conn *c, struct arena *a, int64_t id, struct tenant *t, struct err *e)
{
  return by(c, a, "id = $1", DB_PARAMS(db_i64(id)), t, e);
}

int tenant_store_list(db_conn *c, struct arena *a, struct tenant **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c, "SELECT " TENANT_COLS " FROM tenants ORDER BY slug", DB_NOPARAMS, e);
  if (!st)
    return -1;
  int cap = 0, rc;
  for (;;) {
    struct tenant t;
    struct db_out row[13];
    char *pub = NULL;
    memset(&t, 0, sizeof t);
    out_row(row, &t, &pub);
    rc = db_next(st, a, row, e);
    if (rc <= 0)
      break;
    copy_pub(&t, pub);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)nc);
      cap = nc;
    }
    (*out)[(*n)++] = t;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ---- dealer profile ---- */

int tenant_profile_load(db_conn *c, struct arena *a, int64_t tenant_id, struct tenant_profile *p,
                        struct err *e)
{
  tenant_profile_init(p);
  char *legal_name, *legal_form, *directors, *court, *number, *vat, *tax, *about_de, *about_en,
      *logo, *primary, *accent, *social;
  int64_t lat = 0, lon = 0;
  bool lat_null = true, lon_null = true;
  int rc = db_query_one(
      c, a,
      "SELECT legal_name, legal_form, managing_directors, register_court, register_number,"
      " vat_id, tax_number, lat_e6, lon_e6, about_de, about_en, logo_path, color_primary,"
      " color_accent, social, updated_at FROM dealer_profiles WHERE tenant_id = $1",
      DB_PARAMS(db_i64(tenant_id)),
      DB_ROW(db_out_text(&legal_name), db_out_text(&legal_form), db_out_text(&directors),
             db_out_text(&court), db_out_text(&number), db_out_text(&vat), db_out_text(&tax),
             db_out_i64_null(&lat, &lat_null), db_out_i64_null(&lon, &lon_null),
             db_out_text(&about_de), db_out_text(&about_en), db_out_text(&logo),
             db_out_text(&primary), db_out_text(&accent), db_out_text(&social),
             db_out_i64(&p->updated_at)),
      e);
  if (rc <= 0)
    return rc;
  p->legal_name = legal_name;
  p->legal_form = enum_parse(&tenant_enum_legal_form, legal_form);
  p->managing_directors = directors;
  p->register_court = court;
  p->register_number = number;
  p->vat_id = vat;
  p->tax_number = tax;
  p->has_geo = !lat_null && !lon_null;
  p->lat_e6 = lat;
  p->lon_e6 = lon;
  p->about_de = about_de;
  p->about_en = about_en;
  p->logo_path = logo;
  if (tenant_color_parse(primary, p->color_primary) < 0)
    p->color_primary[0] = 0;
  if (tenant_color_parse(accent, p->color_accent) < 0)
    p->color_accent[0] = 0;
  json_error_t je;
  json_t *sj = json_loads(social ? social : "{}", 0, &je);
  for (int i = 0; sj && i < SOCIAL__COUNT; i++) {
    const char *u = json_string_value(json_object_get(sj, tenant_social_keys[i]));
    p->social[i] = u ? arena_strdup(a, u) : "";
  }
  json_decref(sj);

  db_stmt *st = db_query(c,
                         "SELECT weekday, opens, closes FROM dealer_hours WHERE tenant_id = $1"
                         " ORDER BY weekday, opens",
                         DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  int wd, o, cl;
  while ((rc = db_next(st, a, DB_ROW(db_out_int(&wd), db_out_int(&o), db_out_int(&cl)), e)) == 1)
    if (wd >= 0 && wd < 7 && p->hours.n[wd] < TENANT_HOURS_PER_DAY)
      p->hours.iv[wd][p->hours.n[wd]++] = (struct tenant_interval){o, cl};
  db_finish(st);
  if (rc < 0)
    return -1;

  st = db_query(c,
                "SELECT name, role, phone, email FROM dealer_team WHERE tenant_id = $1"
                " ORDER BY position",
                DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  struct tenant_member m;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_text((char **)&m.name), db_out_text((char **)&m.role),
                              db_out_text((char **)&m.phone), db_out_text((char **)&m.email)),
                       e)) == 1)
    if (p->nteam < TENANT_TEAM_MAX)
      p->team[p->nteam++] = m;
  db_finish(st);
  return rc < 0 ? -1 : 1;
}

static const char *nz(const char *s)
{
  return s ? s : "";
}

int tenant_profile_save(db_conn *c, struct arena *a, const struct tenant *t,
                        const struct tenant_profile *p, struct err *e)
{
  if (db_exec(c,
              "UPDATE tenants SET name = $2, street = $3, zip = $4, city = $5, phone = $6,"
              " email = $7, website = $8 WHERE id = $1",
              DB_PARAMS(db_i64(t->id), db_text(nz(t->name)), db_text(nz(t->street)),
                        db_text(nz(t->zip)), db_text(nz(t->city)), db_text(nz(t->phone)),
                        db_text(nz(t->email)), db_text(nz(t->website))),
              e) < 0)
    return -1;
  json_t *sj = json_object();
  for (int i = 0; i < SOCIAL__COUNT; i++)
    if (p->social[i] && *p->social[i])
      json_object_set_new(sj, tenant_social_keys[i], json_string(p->social[i]));
  char *sdump = json_dumps(sj, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(sj);
  const char *social = arena_strdup(a, sdump ? sdump : "{}");
  free(sdump);
  const char *lf = p->legal_form >= 0 ? enum_value(&tenant_enum_legal_form, p->legal_form) : "";
  if (db_exec(
          c,
          "INSERT INTO dealer_profiles (tenant_id, legal_name, legal_form, managing_directors,"
          " register_court, register_number, vat_id, tax_number, lat_e6, lon_e6, about_de,"
          " about_en, logo_path, color_primary, color_accent, social, updated_at)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
          " ON CONFLICT (tenant_id) DO UPDATE SET legal_name = excluded.legal_name,"
          " legal_form = excluded.legal_form, managing_directors = excluded.managing_directors,"
          " register_court = excluded.register_court, register_number = excluded.register_number,"
          " vat_id = excluded.vat_id, tax_number = excluded.tax_number, lat_e6 = excluded.lat_e6,"
          " lon_e6 = excluded.lon_e6, about_de = excluded.about_de, about_en = excluded.about_en,"
          " logo_path = excluded.logo_path, color_primary = excluded.color_primary,"
          " color_accent = excluded.color_accent, social = excluded.social,"
          " updated_at = excluded.updated_at",
          DB_PARAMS(db_i64(t->id), db_text(nz(p->legal_name)), db_text(lf),
                    db_text(nz(p->managing_directors)), db_text(nz(p->register_court)),
                    db_text(nz(p->register_number)), db_text(nz(p->vat_id)),
                    db_text(nz(p->tax_number)), p->has_geo ? db_i64(p->lat_e6) : db_null(),
                    p->has_geo ? db_i64(p->lon_e6) : db_null(), db_text(nz(p->about_de)),
                    db_text(nz(p->about_en)), db_text(nz(p->logo_path)), db_text(p->color_primary),
                    db_text(p->color_accent), db_text(social), db_i64(time_now())),
          e) < 0)
    return -1;
  if (db_exec(c, "DELETE FROM dealer_hours WHERE tenant_id = $1", DB_PARAMS(db_i64(t->id)), e) < 0)
    return -1;
  for (int d = 0; d < 7; d++)
    for (int i = 0; i < p->hours.n[d]; i++)
      if (db_exec(c,
                  "INSERT INTO dealer_hours (tenant_id, weekday, opens, closes)"
                  " VALUES ($1, $2, $3, $4)",
                  DB_PARAMS(db_i64(t->id), db_i64(d), db_i64(p->hours.iv[d][i].open),
                            db_i64(p->hours.iv[d][i].close)),
                  e) < 0)
        return -1;
  if (db_exec(c, "DELETE FROM dealer_team WHERE tenant_id = $1", DB_PARAMS(db_i64(t->id)), e) < 0)
    return -1;
  for (int i = 0; i < p->nteam; i++) {
    const struct tenant_member *m = &p->team[i];
    if (db_exec(c,
                "INSERT INTO dealer_team (tenant_id, position, name, role, phone, email)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                DB_PARAMS(db_i64(t->id), db_i64(i), db_text(nz(m->name)), db_text(nz(m->role)),
                          db_text(nz(m->phone)), db_text(nz(m->email))),
                e) < 0)
      return -1;
  }
  return 0;
}
