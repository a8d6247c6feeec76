/* lead_store.c — SQL for leads, both backends, scoped by tenant (see lead.h). */
#include "crm/lead.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int lead_store_insert(db_conn *c, struct lead *l, struct err *e)
{
  id_new(l->public_id);
  l->created_at = time_now();
  l->status = "new";
  /* financing and trade-in requests are kind 'contact' with a topic (see lead.h) */
  const char *kind = enum_value(&lead_enum_kind, l->kind);
  bool topic = l->kind == LEAD_FINANCING || l->kind == LEAD_TRADE_IN;
  /* no RETURNING: the public may insert leads but never read them (PostgreSQL RLS) */
  int rc = db_exec(c,
                   "INSERT INTO leads (public_id, tenant_id, vehicle_id, kind, name, email, phone,"
                   " message, preferred_date, privacy_notice, status, created_at, updated_at,"
                   " topic, source, marketing_opt_in)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14,"
                   " $15)",
                   DB_PARAMS(db_text(l->public_id), db_i64(l->tenant_id),
                             l->vehicle_id > 0 ? db_i64(l->vehicle_id) : db_null(),
                             db_text(topic ? "contact" : kind), db_text(l->name), db_text(l->email),
                             db_text(l->phone), db_text(l->message), db_text(l->preferred_date),
                             db_text(l->privacy_notice), db_text(l->status), db_i64(l->created_at),
                             db_text(topic ? kind : ""),
                             db_text(l->source && *l->source ? l->source : "website"),
                             db_i64(l->marketing_opt_in ? 1 : 0)),
                   e);
  return rc < 0 ? -1 : 0;
}

#define LEAD_COLUMNS                                                                               \
  "SELECT l.id, l.public_id, l.tenant_id, l.vehicle_id, COALESCE(v.public_id, ''),"                \
  " COALESCE(v.make || ' ' || v.model || ' ' || v.variant, ''),"                                   \
  " CASE WHEN l.topic <> '' THEN l.topic ELSE l.kind END, l.name, l.email,"                        \
  " l.phone, l.message, l.preferred_date, l.privacy_notice, l.status, l.created_at,"               \
  " l.anonymised_at"                                                                               \
  " FROM leads l LEFT JOIN vehicles v ON v.id = l.vehicle_id AND v.tenant_id = l.tenant_id"

struct row {
  struct lead l;
  char *public_id, *kind;
};

/* The outputs of LEAD_COLUMNS into a struct row (a compound literal in the caller's scope). */
#define LEAD_ROW(r)                                                                                \
  DB_ROW(db_out_i64(&(r)->l.id), db_out_text(&(r)->public_id), db_out_i64(&(r)->l.tenant_id),      \
         db_out_i64(&(r)->l.vehicle_id), db_out_text((char **)&(r)->l.vehicle_public_id),          \
         db_out_text((char **)&(r)->l.vehicle_title), db_out_text(&(r)->kind),                     \
         db_out_text((char **)&(r)->l.name), db_out_text((char **)&(r)->l.email),                  \
         db_out_text((char **)&(r)->l.phone), db_out_text((char **)&(r)->l.message),               \
         db_out_text((char **)&(r)->l.preferred_date),                                             \
         db_out_text((char **)&(r)->l.privacy_notice), db_out_text((char **)&(r)->l.status),       \
         db_out_i64(&(r)->l.created_at), db_out_i64(&(r)->l.anonymised_at))

static void row_finish(struct row *r, struct lead *l)
{
  *l = r->l;
  snprintf(l->public_id, sizeof l->public_id, "%s", r->public_id ? r->public_id : "");
  l->kind = enum_parse(&lead_enum_kind, r->kind);
  if (l->kind < 0)
    l->kind = LEAD_CONTACT;
}

int lead_store_list(db_conn *c, struct arena *a, int64_t tenant_id, int page, int size,
                    struct lead **out, int *n, int64_t *total, struct err *e)
{
  *out = NULL;
  *n = 0;
  *total = 0;
  if (page < 1)
    page = 1;
  if (size < 1 || size > 500)
    size = 50;
  if (db_query_one(c, a, "SELECT COUNT(*) FROM leads WHERE tenant_id = $1",
                   DB_PARAMS(db_i64(tenant_id)), DB_ROW(db_out_i64(total)), e) < 0)
    return -1;
  db_stmt *st =
      db_query(c,
               LEAD_COLUMNS " WHERE l.tenant_id = $1 ORDER BY l.created_at DESC, l.id DESC"
                            " LIMIT $2 OFFSET $3",
               DB_PARAMS(db_i64(tenant_id), db_i64(size), db_i64((page - 1) * size)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, (size_t)size, sizeof **out);
  struct row r;
  int rc;
  while (memset(&r, 0, sizeof r), (rc = db_next(st, a, LEAD_ROW(&r), e)) > 0)
    row_finish(&r, &(*out)[(*n)++]);
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int lead_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                   struct lead *l, struct err *e)
{
  struct row r;
  memset(&r, 0, sizeof r);
  int rc = db_query_one(c, a, LEAD_COLUMNS " WHERE l.tenant_id = $1 AND l.public_id = $2",
                        DB_PARAMS(db_i64(tenant_id), db_text(public_id)), LEAD_ROW(&r), e);
  if (rc == 1)
    row_finish(&r, l);
  return rc;
}
