#include "tenant/tenant.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
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
