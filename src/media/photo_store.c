/* photo_store.c — the SQL of photos and blobs, on both backends. Every function runs
 * inside the caller's transaction; dealer rows are always scoped by tenant_id (and on
 * PostgreSQL by row-level security a second time). */
#include "media/media_internal.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle.h"

#include <stdio.h>
#include <string.h>

#define PHOTO_COLS                                                                                 \
  "p.id, p.public_id, p.tenant_id, COALESCE(p.vehicle_id, 0), p.kind, p.position, p.sha256,"       \
  " p.format, p.bytes, p.width, p.height, p.state, p.error, p.placeholder, p.alt, p.variants,"     \
  " p.created_at, p.updated_at"

struct photo_row {
  char *pub, *state;
};

static void photo_outs(struct db_out *o, struct media_photo *p, struct photo_row *r)
{
  int i = 0;
  o[i++] = db_out_i64(&p->id);
  o[i++] = db_out_text(&r->pub);
  o[i++] = db_out_i64(&p->tenant_id);
  o[i++] = db_out_i64(&p->vehicle_id);
  o[i++] = db_out_text((char **)&p->kind);
  o[i++] = db_out_int(&p->position);
  o[i++] = db_out_text((char **)&p->sha256);
  o[i++] = db_out_text((char **)&p->format);
  o[i++] = db_out_i64(&p->bytes);
  o[i++] = db_out_int(&p->width);
  o[i++] = db_out_int(&p->height);
  o[i++] = db_out_text(&r->state);
  o[i++] = db_out_text((char **)&p->error);
  o[i++] = db_out_text((char **)&p->placeholder);
  o[i++] = db_out_text((char **)&p->alt);
  o[i++] = db_out_text((char **)&p->variants);
  o[i++] = db_out_i64(&p->created_at);
  o[i++] = db_out_i64(&p->updated_at);
  o[i] = (struct db_out){.t = DB_T_END};
}

#define PHOTO_NOUT 18

static void photo_finish(struct media_photo *p, const struct photo_row *r)
{
  snprintf(p->public_id, sizeof p->public_id, "%s", r->pub ? r->pub : "");
  p->state = media_state_parse(r->state);
  if (!p->kind)
    p->kind = "vehicle";
  if (!p->error)
    p->error = "";
  if (!p->placeholder)
    p->placeholder = "";
  if (!p->alt)
    p->alt = "";
  if (!p->variants)
    p->variants = "";
}

static int one(db_conn *c, struct arena *a, const char *sql, const struct db_param *params,
               struct media_photo *p, struct err *e)
{
  struct photo_row r = {0};
  struct db_out o[PHOTO_NOUT + 1];
  memset(p, 0, sizeof *p);
  photo_outs(o, p, &r);
  int rc = db_query_one(c, a, sql, params, o, e);
  if (rc == 1)
    photo_finish(p, &r);
  return rc;
}

static int many(db_conn *c, struct arena *a, const char *sql, const struct db_param *params,
                struct media_photo **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c, sql, params, e);
  if (!st)
    return -1;
  int cap = 0, rc;
  for (;;) {
    struct media_photo p;
    struct photo_row r = {0};
    struct db_out o[PHOTO_NOUT + 1];
    memset(&p, 0, sizeof p);
    photo_outs(o, &p, &r);
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    photo_finish(&p, &r);
    if (*n == cap) {
      int ncap = cap ? cap * 2 : 16;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)ncap);
      cap = ncap;
    }
    (*out)[(*n)++] = p;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ---- reads ---- */

int media_photos_of_vehicle(db_conn *c, struct arena *a, int64_t vehicle_id,
                            struct media_photo **out, int *n, struct err *e)
{
  return many(c, a,
              "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.vehicle_id = $1"
              " ORDER BY p.position, p.id",
              DB_PARAMS(db_i64(vehicle_id)), out, n, e);
}

int media_photo_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                    struct media_photo *p, struct err *e)
{
  return one(
      c, a, "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.tenant_id = $1 AND p.public_id = $2",
      DB_PARAMS(db_i64(tenant_id), db_text(public_id)), p, e);
}

int media_photo_of_vehicle(db_conn *c, struct arena *a, int64_t tenant_id, int64_t vehicle_id,
                           const char *public_id, struct media_photo *p, struct err *e)
{
  return one(c, a,
             "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.tenant_id = $1"
             " AND p.vehicle_id = $2 AND p.public_id = $3",
             DB_PARAMS(db_i64(tenant_id), db_i64(vehicle_id), db_text(public_id)), p, e);
}

int media_photo_by_id(db_conn *c, struct arena *a, int64_t id, struct media_photo *p, struct err *e)
{
  return one(c, a, "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.id = $1",
             DB_PARAMS(db_i64(id)), p, e);
}

/* Who may see a photo: the same rules as for its vehicle (inventory's listed rule, the
 * dealer itself, the Börse for dealers), written out so SQLite applies them too. */
int media_photo_for_viewer(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                           struct media_photo *p, bool *is_public, struct err *e)
{
  struct photo_row r = {0};
  struct db_out o[PHOTO_NOUT + 2];
  memset(p, 0, sizeof *p);
  photo_outs(o, p, &r);
  bool pub = false;
  o[PHOTO_NOUT] = db_out_bool(&pub);
  o[PHOTO_NOUT + 1] = (struct db_out){.t = DB_T_END};
  int rc = db_query_one(c, a,
                        "SELECT " PHOTO_COLS ","
                        " CASE WHEN p.kind = 'logo' OR (v.id IS NOT NULL AND " VEHICLE_LISTED_SQL(
                            "v.") ")"
                                  " THEN 1 ELSE 0 END"
                                  " FROM media_photos p LEFT JOIN vehicles v ON v.id = p.vehicle_id"
                                  " WHERE p.public_id = $1 AND (p.kind = 'logo'"
                                  "  OR (v.id IS NOT NULL AND " VEHICLE_LISTED_SQL(
                                      "v.") ")"
                                            "  OR ($2 > 0 AND p.tenant_id = $2)"
                                            "  OR ($2 > 0 AND EXISTS (SELECT 1 FROM "
                                            "market_listings l WHERE l.vehicle_id = v.id"
                                            "      AND l.status = 'active'))"
                                            "  OR ($2 > 0 AND EXISTS (SELECT 1 FROM market_offers "
                                            "mo JOIN market_listings l"
                                            "      ON l.id = mo.listing_id WHERE l.vehicle_id = "
                                            "v.id AND mo.buyer_tenant_id = $2)))",
                        DB_PARAMS(db_text(public_id), db_i64(viewer)), o, e);
  if (rc == 1) {
    photo_finish(p, &r);
    *is_public = pub;
  }
  return rc;
}

int media_logo_get(db_conn *c, struct arena *a, int64_t tenant_id, struct media_photo *p,
                   struct err *e)
{
  return one(c, a,
             "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.tenant_id = $1"
             " AND p.kind = 'logo' ORDER BY p.id DESC",
             DB_PARAMS(db_i64(tenant_id)), p, e);
}

int media_usage(db_conn *c, int64_t tenant_id, int64_t *bytes, struct err *e)
{
  *bytes = 0;
  return db_query_one(c, NULL,
                      "SELECT COALESCE(SUM(bytes), 0) FROM media_photos WHERE tenant_id = $1",
                      DB_PARAMS(db_i64(tenant_id)), DB_ROW(db_out_i64(bytes)), e) < 0
             ? -1
             : 0;
}

int media_photo_count(db_conn *c, int64_t vehicle_id, int *n, struct err *e)
{
  int64_t v = 0;
  if (db_query_one(c, NULL, "SELECT COUNT(*) FROM media_photos WHERE vehicle_id = $1",
                   DB_PARAMS(db_i64(vehicle_id)), DB_ROW(db_out_i64(&v)), e) < 0)
    return -1;
  *n = (int)v;
  return 0;
}

/* ---- blobs ---- */

int media_blob_reserve(db_conn *c, const char *sha256, int64_t bytes, const char *format,
                       int64_t now, struct err *e)
{
  return db_exec(c,
                 "INSERT INTO media_blobs (sha256, bytes, format, refs, pending, pending_at,"
                 " created_at) VALUES ($1, $2, $3, 0, 1, $4, $4)"
                 " ON CONFLICT (sha256) DO UPDATE SET pending = media_blobs.pending + 1,"
                 " pending_at = $4",
                 DB_PARAMS(db_text(sha256), db_i64(bytes), db_text(format), db_i64(now)), e) < 0
             ? -1
             : 0;
}

int media_blob_release(db_conn *c, const char *sha256, struct err *e)
{
  return db_exec(c,
                 "UPDATE media_blobs SET pending = pending - 1 WHERE sha256 = $1 AND pending > 0",
                 DB_PARAMS(db_text(sha256)), e) < 0
             ? -1
             : 0;
}

int media_gc_candidates(db_conn *c, struct arena *a, int64_t now, int limit, const char ***shas,
                        int *n, struct err *e)
{
  *n = 0;
  *shas = arena_calloc(a, (size_t)limit, sizeof **shas);
  db_stmt *st = db_query(c,
                         "SELECT sha256 FROM media_blobs WHERE refs <= 0"
                         " AND (pending <= 0 OR pending_at < $1) ORDER BY created_at LIMIT $2",
                         DB_PARAMS(db_i64(now - MEDIA_PENDING_STALE), db_i64(limit)), e);
  if (!st)
    return -1;
  int rc;
  char *s = NULL;
  while (*n < limit && (rc = db_next(st, a, DB_ROW(db_out_text(&s)), e)) == 1)
    (*shas)[(*n)++] = s;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int media_gc_lock(db_conn *c, const char *sha256, int64_t now, struct err *e)
{
  int64_t one = 0;
  int rc = db_query_one(c, NULL,
                        DB_SQL(c,
                               "SELECT 1 FROM media_blobs WHERE sha256 = $1 AND refs <= 0"
                               " AND (pending <= 0 OR pending_at < $2)",
                               "SELECT 1 FROM media_blobs WHERE sha256 = $1 AND refs <= 0"
                               " AND (pending <= 0 OR pending_at < $2) FOR UPDATE"),
                        DB_PARAMS(db_text(sha256), db_i64(now - MEDIA_PENDING_STALE)),
                        DB_ROW(db_out_i64(&one)), e);
  return rc;
}

int media_gc_forget(db_conn *c, const char *sha256, struct err *e)
{
  return db_exec(c, "DELETE FROM media_blobs WHERE sha256 = $1 AND refs <= 0",
                 DB_PARAMS(db_text(sha256)), e) < 0
             ? -1
             : 0;
}

/* ---- photo writes ---- */

int media_photo_insert(db_conn *c, struct media_photo *p, struct err *e)
{
  int64_t now = time_now();
  id_new(p->public_id);
  if (p->vehicle_id > 0) {
    int64_t next = 0;
    if (db_query_one(
            c, NULL,
            "SELECT COALESCE(MAX(position) + 1, 0) FROM media_photos WHERE vehicle_id = $1",
            DB_PARAMS(db_i64(p->vehicle_id)), DB_ROW(db_out_i64(&next)), e) < 0)
      return -1;
    p->position = (int)next;
  }
  p->created_at = p->updated_at = now;
  int64_t id = 0;
  int rc = db_query_one(
      c, NULL,
      "INSERT INTO media_photos (public_id, tenant_id, vehicle_id, kind, position, sha256,"
      " format, bytes, width, height, state, alt, created_at, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'processing', $11, $12, $12)"
      " RETURNING id",
      DB_PARAMS(db_text(p->public_id), db_i64(p->tenant_id),
                p->vehicle_id > 0 ? db_i64(p->vehicle_id) : db_null(), db_text(p->kind),
                db_i64(p->position), db_text(p->sha256), db_text(p->format), db_i64(p->bytes),
                db_i64(p->width), db_i64(p->height), db_text(p->alt ? p->alt : ""), db_i64(now)),
      DB_ROW(db_out_i64(&id)), e);
  if (rc < 0)
    return -1;
  p->id = id;
  p->state = MEDIA_PROCESSING;
  return 0;
}

int media_photo_delete(db_conn *c, int64_t tenant_id, int64_t photo_id, struct err *e)
{
  return db_exec(c, "DELETE FROM media_photos WHERE tenant_id = $1 AND id = $2",
                 DB_PARAMS(db_i64(tenant_id), db_i64(photo_id)), e);
}

/* Positions 0..n-1 again after a delete, in the present order. */
int media_photos_renumber(db_conn *c, int64_t tenant_id, int64_t vehicle_id, struct err *e)
{
  struct arena *a = arena_new(0);
  struct media_photo *ps;
  int n, rc = -1;
  if (media_photos_of_vehicle(c, a, vehicle_id, &ps, &n, e) < 0)
    goto done;
  for (int i = 0; i < n; i++)
    if (ps[i].position != i &&
        db_exec(c, "UPDATE media_photos SET position = $3 WHERE tenant_id = $1 AND id = $2",
                DB_PARAMS(db_i64(tenant_id), db_i64(ps[i].id), db_i64(i)), e) < 0)
      goto done;
  rc = 0;
done:
  arena_free(a);
  return rc;
}

int media_photo_set_position(db_conn *c, int64_t tenant_id, int64_t photo_id, int position,
                             struct err *e)
{
  return db_exec(
             c,
             "UPDATE media_photos SET position = $3, updated_at = $4"
             " WHERE tenant_id = $1 AND id = $2",
             DB_PARAMS(db_i64(tenant_id), db_i64(photo_id), db_i64(position), db_i64(time_now())),
             e) < 0
             ? -1
             : 0;
}

int media_photo_set_alt(db_conn *c, int64_t tenant_id, int64_t photo_id, const char *alt,
                        struct err *e)
{
  return db_exec(
             c,
             "UPDATE media_photos SET alt = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
             DB_PARAMS(db_i64(tenant_id), db_i64(photo_id), db_text(alt), db_i64(time_now())),
             e) < 0
             ? -1
             : 0;
}

int media_photo_set_ready(db_conn *c, const struct media_photo *p, struct err *e)
{
  return db_exec(c,
                 "UPDATE media_photos SET state = 'ready', error = '', width = $2, height = $3,"
                 " placeholder = $4, variants = $5, updated_at = $6 WHERE id = $1",
                 DB_PARAMS(db_i64(p->id), db_i64(p->width), db_i64(p->height),
                           db_text(p->placeholder), db_text(p->variants), db_i64(time_now())),
                 e) < 0
             ? -1
             : 0;
}

int media_photo_set_state(db_conn *c, int64_t photo_id, int state, const char *error, struct err *e)
{
  return db_exec(c, "UPDATE media_photos SET state = $2, error = $3, updated_at = $4 WHERE id = $1",
                 DB_PARAMS(db_i64(photo_id), db_text(media_state_name(state)),
                           db_text(error ? error : ""), db_i64(time_now())),
                 e) < 0
             ? -1
             : 0;
}

/* A finished photo with the same bytes (its variants can be reused): 1, 0, -1. */
int media_photo_ready_twin(db_conn *c, struct arena *a, const char *sha256, struct media_photo *p,
                           struct err *e)
{
  return one(c, a,
             "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.sha256 = $1 AND p.state = 'ready'"
             " AND p.kind = 'vehicle' ORDER BY p.id LIMIT 1",
             DB_PARAMS(db_text(sha256)), p, e);
}

/* ---- the cover descriptor on the vehicle ---- */

int media_cover_refresh(db_conn *c, struct arena *a, int64_t vehicle_id, struct err *e)
{
  struct media_photo p;
  int rc = one(c, a,
               "SELECT " PHOTO_COLS " FROM media_photos p WHERE p.vehicle_id = $1"
               " AND p.state = 'ready' ORDER BY p.position, p.id LIMIT 1",
               DB_PARAMS(db_i64(vehicle_id)), &p, e);
  if (rc < 0)
    return -1;
  const char *cover = rc == 1 ? media_cover_descriptor(a, &p) : "";
  if (db_exec(c, "UPDATE vehicles SET cover = $2 WHERE id = $1 AND cover <> $2",
              DB_PARAMS(db_i64(vehicle_id), db_text(cover)), e) < 0)
    return -1;
  return 0;
}
