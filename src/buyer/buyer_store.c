/* buyer_store.c — the SQL of buyer accounts, favourites and saved searches, the same
 * for both engines. Every statement names the buyer (user_id = $1); on PostgreSQL
 * the row-level security of migration 0012 checks it a second time. */
#include "buyer/buyer.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "site/site.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Serialise the limit checks of one account: two requests at the limit must not both
 * pass (SQLite's write transactions are serial already). */
static int lock_account(db_conn *c, int64_t user_id, struct err *e)
{
  if (db_conn_backend(c) != DB_PG)
    return 0;
  int64_t id = 0;
  int rc = db_query_one(c, NULL, "SELECT id FROM users WHERE id = $1 FOR UPDATE",
                        DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_i64(&id)), e);
  if (rc < 0)
    return -1;
  return rc == 1 ? 0 : err_set(e, CC24_E_NOT_FOUND, "no such account");
}

static int64_t count_of(db_conn *c, const char *sql, int64_t user_id, struct err *e)
{
  int64_t n = 0;
  if (db_query_one(c, NULL, sql, DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  return n;
}

/* ---- favourites ---- */

int buyer_fav_add(db_conn *c, int64_t user_id, const char *vehicle_id, const char *title,
                  struct err *e)
{
  if (!id_valid(vehicle_id))
    return err_set_field(e, CC24_E_VALIDATION, "vehicle", "not a vehicle id");
  if (lock_account(c, user_id, e) < 0)
    return -1;
  int64_t n = count_of(c, "SELECT COUNT(*) FROM favourites WHERE user_id = $1", user_id, e);
  if (n < 0)
    return -1;
  int64_t one = 0;
  int there = db_query_one(
      c, NULL, "SELECT 1 FROM favourites WHERE user_id = $1 AND vehicle_public_id = $2",
      DB_PARAMS(db_i64(user_id), db_text(vehicle_id)), DB_ROW(db_out_i64(&one)), e);
  if (there != 0)
    return there < 0 ? -1 : 0;
  if (n >= BUYER_FAVOURITES_MAX)
    return err_set_field(e, CC24_E_CONFLICT, "vehicle", "the favourites list is full (%d)",
                         BUYER_FAVOURITES_MAX);
  return db_exec(c,
                 "INSERT INTO favourites (user_id, vehicle_public_id, title, created_at)"
                 " VALUES ($1, $2, $3, $4)",
                 DB_PARAMS(db_i64(user_id), db_text(vehicle_id), db_text(title ? title : ""),
                           db_i64(time_now())),
                 e) < 0
             ? -1
             : 1;
}

int buyer_fav_remove(db_conn *c, int64_t user_id, const char *vehicle_id, struct err *e)
{
  return db_exec(c, "DELETE FROM favourites WHERE user_id = $1 AND vehicle_public_id = $2",
                 DB_PARAMS(db_i64(user_id), db_text(vehicle_id)), e);
}

int buyer_fav_list(db_conn *c, struct arena *a, int64_t user_id, struct buyer_favourite **out,
                   int *n, struct err *e)
{
  *n = 0;
  *out = arena_calloc(a, BUYER_FAVOURITES_MAX, sizeof **out);
  db_stmt *st = db_query(c,
                         "SELECT vehicle_public_id, title, created_at FROM favourites"
                         " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                         DB_PARAMS(db_i64(user_id), db_i64(BUYER_FAVOURITES_MAX)), e);
  if (!st)
    return -1;
  int rc;
  char *vid;
  struct buyer_favourite f;
  while ((rc = db_next(
              st, a,
              DB_ROW(db_out_text(&vid), db_out_text((char **)&f.title), db_out_i64(&f.created_at)),
              e)) == 1) {
    snprintf(f.vehicle_id, sizeof f.vehicle_id, "%s", vid ? vid : "");
    if (!f.title)
      f.title = "";
    (*out)[(*n)++] = f;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ---- saved searches ---- */

#define SEARCH_COLS                                                                                \
  "id, public_id, user_id, name, query, alert, created_at, last_checked_at, seen_until,"           \
  " last_alert_at, alerts_sent"

static void search_outs(struct db_out *o, struct buyer_search *s, char **pub)
{
  int i = 0;
  o[i++] = db_out_i64(&s->row_id);
  o[i++] = db_out_text(pub);
  o[i++] = db_out_i64(&s->user_id);
  o[i++] = db_out_text((char **)&s->name);
  o[i++] = db_out_text((char **)&s->query);
  o[i++] = db_out_bool(&s->alert);
  o[i++] = db_out_i64(&s->created_at);
  o[i++] = db_out_i64(&s->last_checked_at);
  o[i++] = db_out_i64(&s->seen_until);
  o[i++] = db_out_i64(&s->last_alert_at);
  o[i++] = db_out_int(&s->alerts_sent);
  o[i] = (struct db_out){.t = DB_T_END};
}

int buyer_search_count(db_conn *c, int64_t user_id, struct err *e)
{
  return (int)count_of(c, "SELECT COUNT(*) FROM saved_searches WHERE user_id = $1", user_id, e);
}

int buyer_search_create(db_conn *c, struct buyer_search *s, struct err *e)
{
  if (lock_account(c, s->user_id, e) < 0)
    return -1;
  int n = buyer_search_count(c, s->user_id, e);
  if (n < 0)
    return -1;
  if (n >= BUYER_SEARCHES_MAX)
    return err_set_field(e, CC24_E_CONFLICT, "query", "at most %d saved searches per account",
                         BUYER_SEARCHES_MAX);
  int64_t one = 0;
  int dup =
      db_query_one(c, NULL, "SELECT 1 FROM saved_searches WHERE user_id = $1 AND query = $2",
                   DB_PARAMS(db_i64(s->user_id), db_text(s->query)), DB_ROW(db_out_i64(&one)), e);
  if (dup != 0)
    return dup < 0
               ? -1
               : err_set_field(e, CC24_E_DB_CONSTRAINT, "query", "this search is saved already");
  id_new(s->id);
  s->created_at = time_now();
  s->seen_until = s->created_at;
  return db_query_one(c, NULL,
                      "INSERT INTO saved_searches (public_id, user_id, name, query, alert,"
                      " created_at, seen_until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                      DB_PARAMS(db_text(s->id), db_i64(s->user_id), db_text(s->name),
                                db_text(s->query), db_bool(s->alert), db_i64(s->created_at),
                                db_i64(s->seen_until)),
                      DB_ROW(db_out_i64(&s->row_id)), e) == 1
             ? 0
             : -1;
}

int buyer_search_list(db_conn *c, struct arena *a, int64_t user_id, struct buyer_search **out,
                      int *n, struct err *e)
{
  *n = 0;
  *out = arena_calloc(a, BUYER_SEARCHES_MAX, sizeof **out);
  db_stmt *st = db_query(c,
                         "SELECT " SEARCH_COLS " FROM saved_searches WHERE user_id = $1"
                         " ORDER BY created_at DESC, id DESC LIMIT $2",
                         DB_PARAMS(db_i64(user_id), db_i64(BUYER_SEARCHES_MAX)), e);
  if (!st)
    return -1;
  int rc;
  struct buyer_search s;
  char *pub = NULL;
  struct db_out o[12];
  search_outs(o, &s, &pub);
  while ((rc = db_next(st, a, o, e)) == 1) {
    snprintf(s.id, sizeof s.id, "%s", pub ? pub : "");
    (*out)[(*n)++] = s;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int buyer_search_get(db_conn *c, struct arena *a, int64_t user_id, const char *id,
                     struct buyer_search *s, struct err *e)
{
  memset(s, 0, sizeof *s);
  if (!id_valid(id))
    return 0;
  char *pub = NULL;
  struct db_out o[12];
  search_outs(o, s, &pub);
  int rc = db_query_one(c, a,
                        "SELECT " SEARCH_COLS " FROM saved_searches"
                        " WHERE user_id = $1 AND public_id = $2",
                        DB_PARAMS(db_i64(user_id), db_text(id)), o, e);
  if (rc == 1)
    snprintf(s->id, sizeof s->id, "%s", pub ? pub : "");
  return rc;
}

int buyer_search_rename(db_conn *c, int64_t user_id, const char *id, const char *name,
                        struct err *e)
{
  return db_exec(c, "UPDATE saved_searches SET name = $3 WHERE user_id = $1 AND public_id = $2",
                 DB_PARAMS(db_i64(user_id), db_text(id), db_text(name)), e);
}

int buyer_search_set_alert(db_conn *c, int64_t user_id, const char *id, bool on, int64_t now,
                           struct err *e)
{
  /* switching on starts from now; switching off keeps the bookkeeping */
  return db_exec(c,
                 "UPDATE saved_searches SET alert = $3,"
                 " seen_until = CASE WHEN $3 = 1 AND alert = 0 THEN $4 ELSE seen_until END"
                 " WHERE user_id = $1 AND public_id = $2",
                 DB_PARAMS(db_i64(user_id), db_text(id), db_bool(on), db_i64(now)), e);
}

int buyer_search_delete(db_conn *c, int64_t user_id, const char *id, struct err *e)
{
  return db_exec(c, "DELETE FROM saved_searches WHERE user_id = $1 AND public_id = $2",
                 DB_PARAMS(db_i64(user_id), db_text(id)), e);
}

/* ---- validation ---- */

int buyer_search_check(struct arena *a, const char *query, const char *field,
                       const char **canonical, struct search_query *q, struct field_errors *errs)
{
  struct search_query local;
  if (!q)
    q = &local;
  const char *s = query ? query : "";
  if (*s == '?')
    s++;
  size_t n = strlen(s);
  if (n == 0) {
    field_error_add(errs, field, "required", "a search needs at least one filter");
    return -1;
  }
  if (n > BUYER_QUERY_MAX || !utf8_valid(s, n)) {
    field_error_add(errs, field, "length", "the search must be at most %d bytes of text",
                    BUYER_QUERY_MAX);
    return -1;
  }
  const char **names, **values;
  int np = http_parse_urlencoded(a, s, n, &names, &values);
  if (np < 0) {
    field_error_add(errs, field, "format", "not a query string");
    return -1;
  }
  /* the page and the language are where one looked, not what one looks for */
  const char **kn = arena_calloc(a, (size_t)np + 1, sizeof *kn);
  const char **kv = arena_calloc(a, (size_t)np + 1, sizeof *kv);
  int k = 0;
  for (int i = 0; i < np; i++) {
    if (!strcmp(names[i], "page") || !strcmp(names[i], "lang") || !strcmp(names[i], "fragment"))
      continue;
    if (!utf8_valid(values[i], strlen(values[i])) || !utf8_valid(names[i], strlen(names[i]))) {
      field_error_add(errs, field, "format", "the search must be valid text");
      return -1;
    }
    kn[k] = names[i];
    kv[k++] = values[i];
  }
  struct field_errors pe;
  field_errors_init(&pe, a);
  if (search_query_parse(a, k, kn, kv, SEARCH_STRICT, q, &pe) < 0) {
    field_error_add(errs, field, pe.e[0].code, "%s", pe.e[0].detail);
    return -1;
  }
  if (site_search_depth(q) == 0) {
    field_error_add(errs, field, "required", "a search needs at least one filter");
    return -1;
  }
  *canonical = site_search_canonical(a, q, 0);
  return 0;
}

int buyer_search_name_check(struct arena *a, const char *name, const char *field, const char **out,
                            struct field_errors *errs)
{
  const char *t = name ? str_trim(a, name) : "";
  size_t n = strlen(t);
  if (n == 0 || !utf8_valid(t, n) || utf8_len(t, n) > BUYER_SEARCH_NAME_MAX) {
    field_error_add(errs, field, "length", "the name must have 1 to %d characters",
                    BUYER_SEARCH_NAME_MAX);
    return -1;
  }
  for (const char *p = t; *p; p++)
    if ((unsigned char)*p < 0x20) {
      field_error_add(errs, field, "format", "the name must be one line of text");
      return -1;
    }
  *out = t;
  return 0;
}

/* ---- accounts ---- */

int buyer_account_get(db_conn *c, struct arena *a, int64_t user_id, struct buyer_account *out,
                      struct err *e)
{
  memset(out, 0, sizeof *out);
  int rc = db_query_one(
      c, a,
      "SELECT id, email, name, locale, email_verified_at, created_at, disabled FROM users"
      " WHERE id = $1 AND role = 'buyer' AND tenant_id IS NULL",
      DB_PARAMS(db_i64(user_id)),
      DB_ROW(db_out_i64(&out->id), db_out_text((char **)&out->email),
             db_out_text((char **)&out->name), db_out_text((char **)&out->locale),
             db_out_i64(&out->email_verified_at), db_out_i64(&out->created_at),
             db_out_bool(&out->disabled)),
      e);
  if (rc == 1) {
    if (!out->name)
      out->name = "";
    if (!out->locale || strcmp(out->locale, "en"))
      out->locale = "de";
  }
  return rc;
}

int buyer_account_set_locale(db_conn *c, int64_t user_id, const char *locale, struct err *e)
{
  if (!locale || (strcmp(locale, "de") && strcmp(locale, "en")))
    return err_set_field(e, CC24_E_VALIDATION, "locale", "de or en");
  return db_exec(c, "UPDATE users SET locale = $2 WHERE id = $1 AND role = 'buyer'",
                 DB_PARAMS(db_i64(user_id), db_text(locale)), e) < 0
             ? -1
             : 0;
}

/* SQLite's erasure: the statements of cc24_buyer_erase() (migration 0012), in order. */
static const char *const ERASE_SQLITE[] = {
    "UPDATE audit_log SET user_id = NULL, ip = '', detail = '' WHERE user_id = $1",
    ("DELETE FROM outbox WHERE tenant_id IS NULL AND recipient = (SELECT email FROM users"
     " WHERE id = $1)"),
    "DELETE FROM favourites WHERE user_id = $1",
    "DELETE FROM saved_searches WHERE user_id = $1",
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM auth_tokens WHERE user_id = $1",
    "DELETE FROM login_challenges WHERE user_id = $1",
    "DELETE FROM recovery_codes WHERE user_id = $1",
    "DELETE FROM users WHERE id = $1",
};

int buyer_account_erase(db_conn *c, int64_t user_id, int *favourites, int *searches, struct err *e)
{
  *favourites = *searches = 0;
  struct buyer_account acc;
  struct arena *a = arena_new(0);
  int rc = buyer_account_get(c, a, user_id, &acc, e);
  arena_free(a);
  if (rc <= 0)
    return rc;
  int64_t nf = count_of(c, "SELECT COUNT(*) FROM favourites WHERE user_id = $1", user_id, e);
  int64_t ns = nf < 0 ? -1 : buyer_search_count(c, user_id, e);
  if (nf < 0 || ns < 0)
    return -1;
  *favourites = (int)nf;
  *searches = (int)ns;
  if (db_conn_backend(c) == DB_PG) {
    /* the audit log, the outbox and the other accounts' tables are not the buyer's to
     * change under row-level security: one SECURITY DEFINER function erases the
     * transaction's buyer (cc24.user_id) and nobody else */
    int done = 0;
    if (db_query_one(c, NULL, "SELECT cc24_buyer_erase()", DB_NOPARAMS, DB_ROW(db_out_int(&done)),
                     e) != 1)
      return -1;
    return done;
  }
  for (size_t i = 0; i < sizeof ERASE_SQLITE / sizeof ERASE_SQLITE[0]; i++)
    if (db_exec(c, ERASE_SQLITE[i], DB_PARAMS(db_i64(user_id)), e) < 0)
      return -1;
  return 1;
}

/* ---- signing keys ---- */

int buyer_signing_key(db_conn *c, const char *name, unsigned char key[BUYER_KEY_BYTES],
                      struct err *e)
{
  for (int attempt = 0; attempt < 2; attempt++) {
    char *hex = NULL;
    struct arena *a = arena_new(0);
    int rc = db_query_one(c, a, "SELECT secret FROM signing_keys WHERE name = $1",
                          DB_PARAMS(db_text(name)), DB_ROW(db_out_text(&hex)), e);
    size_t bin = 0;
    if (rc == 1 && hex &&
        sodium_hex2bin(key, BUYER_KEY_BYTES, hex, strlen(hex), NULL, &bin, NULL) == 0 &&
        bin == BUYER_KEY_BYTES) {
      arena_free(a);
      return 0;
    }
    arena_free(a);
    if (rc < 0)
      return -1;
    if (rc == 1)
      return err_set(e, CC24_E_INTERNAL, "signing key %s is damaged", name);
    /* the first user makes it; a concurrent first user's key wins the race */
    unsigned char fresh[BUYER_KEY_BYTES];
    char fresh_hex[2 * BUYER_KEY_BYTES + 1];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(fresh_hex, sizeof fresh_hex, fresh, sizeof fresh);
    if (db_exec(c,
                "INSERT INTO signing_keys (name, secret, created_at) VALUES ($1, $2, $3)"
                " ON CONFLICT (name) DO NOTHING",
                DB_PARAMS(db_text(name), db_text(fresh_hex), db_i64(time_now())), e) < 0)
      return -1;
    sodium_memzero(fresh, sizeof fresh);
  }
  return err_set(e, CC24_E_INTERNAL, "signing key %s cannot be created", name);
}
