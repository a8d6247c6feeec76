/* testdrive_store.c — SQL for test-drive bookings and settings, both backends,
 * scoped by dealer (see testdrive.h; schema in migration 0017). */
#include "testdrive/testdrive.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

int td_store_taken(db_conn *c, struct arena *a, int64_t vehicle_id, int64_t from, int64_t until,
                   int64_t **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  const char *sql = DB_SQL(c,
                           "SELECT slot_start FROM test_drives WHERE vehicle_id = $1"
                           " AND status = 'booked' AND slot_start >= $2 AND slot_start < $3",
                           "SELECT slot_start FROM cc24_test_drive_taken($1, $2, $3)");
  db_stmt *st = db_query(c, sql, DB_PARAMS(db_i64(vehicle_id), db_i64(from), db_i64(until)), e);
  if (!st)
    return -1;
  int cap = 0, rc;
  int64_t t;
  while ((rc = db_next(st, a, DB_ROW(db_out_i64(&t)), e)) > 0) {
    if (*n == cap) {
      int64_t *grown = arena_alloc(a, sizeof *grown * (size_t)(cap = cap ? cap * 2 : 16));
      if (*n)
        memcpy(grown, *out, sizeof *grown * (size_t)*n);
      *out = grown;
    }
    (*out)[(*n)++] = t;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int td_store_insert(db_conn *c, struct td_booking *b, struct err *e)
{
  id_new(b->public_id);
  b->status = TD_BOOKED;
  b->created_at = time_now();
  /* no RETURNING: the public may insert bookings but never read them (PostgreSQL RLS) */
  int rc =
      db_exec(c,
              "INSERT INTO test_drives (public_id, tenant_id, vehicle_id, lead_public_id,"
              " slot_start, slot_end, name, email, phone, sms_consent, locale, status,"
              " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'booked', $12)",
              DB_PARAMS(db_text(b->public_id), db_i64(b->tenant_id), db_i64(b->vehicle_id),
                        db_text(b->lead_public_id), db_i64(b->slot_start), db_i64(b->slot_end),
                        db_text(b->name), db_text(b->email), db_text(b->phone ? b->phone : ""),
                        db_bool(b->sms_consent), db_text(b->locale ? b->locale : "de"),
                        db_i64(b->created_at)),
              e);
  return rc < 0 ? -1 : 0;
}

/* The one column list of a booking read and its decoding. */
#define TD_COLUMNS                                                                                 \
  "SELECT t.public_id, t.tenant_id, COALESCE(t.vehicle_id, 0), COALESCE(v.public_id, ''),"         \
  " COALESCE(v.make || ' ' || v.model || ' ' || v.variant, ''), t.lead_public_id, t.slot_start,"   \
  " t.slot_end, t.name, t.email, t.phone, t.sms_consent, t.locale, t.status, t.reminded_at,"       \
  " t.cancelled_at, t.created_at"                                                                  \
  " FROM test_drives t LEFT JOIN vehicles v ON v.id = t.vehicle_id AND v.tenant_id = t.tenant_id"

struct row {
  struct td_booking b;
  char *public_id, *status;
};

#define TD_ROW(r)                                                                                  \
  DB_ROW(db_out_text(&(r)->public_id), db_out_i64(&(r)->b.tenant_id),                              \
         db_out_i64(&(r)->b.vehicle_id), db_out_text((char **)&(r)->b.vehicle_public_id),          \
         db_out_text((char **)&(r)->b.vehicle_title),                                              \
         db_out_text((char **)&(r)->b.lead_public_id), db_out_i64(&(r)->b.slot_start),             \
         db_out_i64(&(r)->b.slot_end), db_out_text((char **)&(r)->b.name),                         \
         db_out_text((char **)&(r)->b.email), db_out_text((char **)&(r)->b.phone),                 \
         db_out_bool(&(r)->b.sms_consent), db_out_text((char **)&(r)->b.locale),                   \
         db_out_text(&(r)->status), db_out_i64(&(r)->b.reminded_at),                               \
         db_out_i64(&(r)->b.cancelled_at), db_out_i64(&(r)->b.created_at))

static void row_finish(struct row *r, struct td_booking *b)
{
  *b = r->b;
  snprintf(b->public_id, sizeof b->public_id, "%s", r->public_id ? r->public_id : "");
  b->status = r->status && !strcmp(r->status, "booked") ? TD_BOOKED : TD_CANCELLED;
}

int td_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                 struct td_booking *b, struct err *e)
{
  struct row r;
  memset(&r, 0, sizeof r);
  int rc = db_query_one(c, a, TD_COLUMNS " WHERE t.tenant_id = $1 AND t.public_id = $2",
                        DB_PARAMS(db_i64(tenant_id), db_text(public_id)), TD_ROW(&r), e);
  if (rc == 1)
    row_finish(&r, b);
  return rc;
}

int td_store_list(db_conn *c, struct arena *a, int64_t tenant_id, int64_t from, int64_t until,
                  struct td_booking **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c,
                         TD_COLUMNS " WHERE t.tenant_id = $1 AND t.slot_start >= $2"
                                    " AND t.slot_start < $3 ORDER BY t.slot_start, t.id",
                         DB_PARAMS(db_i64(tenant_id), db_i64(from), db_i64(until)), e);
  if (!st)
    return -1;
  int cap = 0, rc;
  struct row r;
  while (memset(&r, 0, sizeof r), (rc = db_next(st, a, TD_ROW(&r), e)) > 0) {
    if (*n == cap) {
      struct td_booking *grown = arena_alloc(a, sizeof *grown * (size_t)(cap = cap ? cap * 2 : 8));
      if (*n)
        memcpy(grown, *out, sizeof *grown * (size_t)*n);
      *out = grown;
    }
    row_finish(&r, &(*out)[(*n)++]);
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int td_store_cancel(db_conn *c, int64_t tenant_id, const char *public_id, int64_t now,
                    struct err *e)
{
  int rc = db_exec(c,
                   "UPDATE test_drives SET status = 'cancelled', cancelled_at = $3"
                   " WHERE tenant_id = $1 AND public_id = $2 AND status = 'booked'",
                   DB_PARAMS(db_i64(tenant_id), db_text(public_id), db_i64(now)), e);
  return rc < 0 ? -1 : rc > 0;
}

int td_store_mark_reminded(db_conn *c, int64_t tenant_id, const char *public_id, int64_t now,
                           struct err *e)
{
  int rc = db_exec(c,
                   "UPDATE test_drives SET reminded_at = $3 WHERE tenant_id = $1"
                   " AND public_id = $2 AND status = 'booked' AND reminded_at = 0",
                   DB_PARAMS(db_i64(tenant_id), db_text(public_id), db_i64(now)), e);
  return rc < 0 ? -1 : rc > 0;
}

int td_store_sms_enabled(db_conn *c, int64_t tenant_id, struct err *e)
{
  bool on = false;
  int rc = db_query_one(c, NULL, "SELECT sms_enabled FROM test_drive_settings WHERE tenant_id = $1",
                        DB_PARAMS(db_i64(tenant_id)), DB_ROW(db_out_bool(&on)), e);
  return rc < 0 ? -1 : rc == 1 && on;
}

int td_store_set_sms_enabled(db_conn *c, int64_t tenant_id, bool on, struct err *e)
{
  int rc =
      db_exec(c,
              "INSERT INTO test_drive_settings (tenant_id, sms_enabled, updated_at)"
              " VALUES ($1, $2, $3) ON CONFLICT (tenant_id)"
              " DO UPDATE SET sms_enabled = excluded.sms_enabled, updated_at = excluded.updated_at",
              DB_PARAMS(db_i64(tenant_id), db_bool(on), db_i64(time_now())), e);
  return rc < 0 ? -1 : 0;
}

int td_store_closed_days(db_conn *c, struct arena *a, int64_t tenant_id, int64_t **out, int *n,
                         struct err *e)
{
  char *text = NULL;
  *out = arena_calloc(a, TD_CLOSED_MAX, sizeof **out);
  *n = 0;
  int rc = db_query_one(c, a, "SELECT closed_days FROM test_drive_settings WHERE tenant_id = $1",
                        DB_PARAMS(db_i64(tenant_id)), DB_ROW(db_out_text(&text)), e);
  if (rc < 0)
    return -1;
  if (rc == 1 && text) {
    int k = td_closed_parse(text, *out, TD_CLOSED_MAX, NULL);
    *n = k < 0 ? 0 : k;
  }
  return 0;
}

int td_store_set_closed_days(db_conn *c, struct arena *a, int64_t tenant_id, const int64_t *days,
                             int n, struct err *e)
{
  int rc = db_exec(
      c,
      "INSERT INTO test_drive_settings (tenant_id, closed_days, updated_at)"
      " VALUES ($1, $2, $3) ON CONFLICT (tenant_id)"
      " DO UPDATE SET closed_days = excluded.closed_days,"
      " updated_at = excluded.updated_at",
      DB_PARAMS(db_i64(tenant_id), db_text(td_closed_format(a, days, n)), db_i64(time_now())), e);
  return rc < 0 ? -1 : 0;
}
