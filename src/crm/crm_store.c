/* crm_store.c — contacts, the inbox query, lead changes and the timeline in SQL (both
 * backends, always scoped by tenant). See crm.h. */
#include "crm/crm.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sms/sms.h"

#include <stdio.h>
#include <string.h>

/* "won" is LEAD_STATUS_WON: a sale (the pipeline sets it), kept by the retention job */
static const char *const status_values[] = {"new", "in_progress", "waiting", "won", "lost", "done"};
static const char *const status_de[] = {"Neu",      "In Bearbeitung", "Wartet auf Kunde",
                                        "Verkauft", "Verloren",       "Erledigt"};
static const char *const status_en[] = {"New",  "In progress", "Waiting for customer",
                                        "Sold", "Lost",        "Done"};
const struct enum_def crm_enum_status = {"status", 6, status_values, status_de, status_en};

static const char *const act_values[] = {"note",   "call",   "mail_out", "mail_in",
                                         "status", "assign", "follow_up"};
static const char *const act_de[] = {"Notiz",  "Anruf",     "E-Mail gesendet", "E-Mail erhalten",
                                     "Status", "Zuständig", "Wiedervorlage"};
static const char *const act_en[] = {"Note",   "Call",     "E-mail sent", "E-mail received",
                                     "Status", "Assigned", "Follow-up"};
const struct enum_def crm_enum_activity = {"kind", 7, act_values, act_de, act_en};

int64_t crm_day_end(int64_t now)
{
  int64_t local = now + time_berlin_offset(now);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t next_midnight_local = (days + 1) * 86400;
  return next_midnight_local - time_berlin_offset(next_midnight_local - 7200);
}

/* ------------------------------------------------------------------ contacts */

struct unlinked {
  int64_t id;
  char *name, *email, *phone;
};

static const char *phone_key(const char *phone)
{
  static __thread char out[SMS_E164_SIZE];
  if (!phone || !*phone || sms_phone_e164(phone, out, NULL) < 0)
    return "";
  return out;
}

int crm_link_contacts(db_conn *c, struct arena *a, int64_t tenant_id, struct err *e)
{
  db_stmt *st = db_query(c,
                         "SELECT id, name, email, phone FROM leads WHERE tenant_id = $1"
                         " AND contact_id IS NULL AND anonymised_at = 0 ORDER BY id LIMIT 1000",
                         DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  struct unlinked *u = NULL;
  int n = 0, cap = 0, rc;
  struct unlinked r;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_i64(&r.id), db_out_text(&r.name), db_out_text(&r.email),
                              db_out_text(&r.phone)),
                       e)) == 1) {
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      struct unlinked *nu = arena_alloc(a, sizeof *nu * (size_t)cap);
      if (n)
        memcpy(nu, u, sizeof *nu * (size_t)n);
      u = nu;
    }
    u[n++] = r;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  int64_t now = time_now();
  for (int i = 0; i < n; i++) {
    const char *email = str_lower(a, u[i].email ? u[i].email : "");
    const char *pk = arena_strdup(a, phone_key(u[i].phone));
    int64_t cid = 0;
    rc = db_query_one(
        c, a,
        "SELECT id FROM contacts WHERE tenant_id = $1 AND ((email <> '' AND email = $2)"
        " OR (phone_key <> '' AND phone_key = $3)) ORDER BY id LIMIT 1",
        DB_PARAMS(db_i64(tenant_id), db_text(email), db_text(pk)), DB_ROW(db_out_i64(&cid)), e);
    if (rc < 0)
      return -1;
    if (rc == 0) {
      char pub[ID_LEN + 1];
      id_new(pub);
      if (db_exec(c,
                  "INSERT INTO contacts (public_id, tenant_id, name, email, phone, phone_key,"
                  " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                  DB_PARAMS(db_text(pub), db_i64(tenant_id), db_text(u[i].name), db_text(email),
                            db_text(u[i].phone ? u[i].phone : ""), db_text(pk), db_i64(now)),
                  e) < 0 ||
          db_query_one(c, a, "SELECT id FROM contacts WHERE public_id = $1",
                       DB_PARAMS(db_text(pub)), DB_ROW(db_out_i64(&cid)), e) != 1)
        return -1;
    } else {
      /* what the newer lead adds: a phone number, an address, the latest name */
      if (db_exec(c,
                  "UPDATE contacts SET name = $3,"
                  " email = CASE WHEN email = '' THEN $4 ELSE email END,"
                  " phone = CASE WHEN phone = '' THEN $5 ELSE phone END,"
                  " phone_key = CASE WHEN phone_key = '' THEN $6 ELSE phone_key END,"
                  " updated_at = $7 WHERE id = $1 AND tenant_id = $2",
                  DB_PARAMS(db_i64(cid), db_i64(tenant_id), db_text(u[i].name), db_text(email),
                            db_text(u[i].phone ? u[i].phone : ""), db_text(pk), db_i64(now)),
                  e) < 0)
        return -1;
    }
    if (db_exec(c, "UPDATE leads SET contact_id = $3 WHERE id = $1 AND tenant_id = $2",
                DB_PARAMS(db_i64(u[i].id), db_i64(tenant_id), db_i64(cid)), e) < 0)
      return -1;
  }
  return n;
}

/* -------------------------------------------------------------------- leads */

#define CRM_COLUMNS                                                                                \
  "SELECT l.id, l.public_id, l.tenant_id, COALESCE(l.vehicle_id, 0), COALESCE(v.public_id, ''),"   \
  " COALESCE(v.make || ' ' || v.model || ' ' || v.variant, ''),"                                   \
  " CASE WHEN l.topic <> '' THEN l.topic ELSE l.kind END, l.name, l.email,"                        \
  " l.phone, l.message, l.preferred_date, l.privacy_notice, l.status, l.created_at,"               \
  " COALESCE(l.contact_id, 0), COALESCE(ct.public_id, ''), COALESCE(l.assignee_id, 0),"            \
  " COALESCE(u.name, ''), l.follow_up_at, l.read_at, l.updated_at, l.source, l.anonymised_at"      \
  " FROM leads l LEFT JOIN vehicles v ON v.id = l.vehicle_id AND v.tenant_id = l.tenant_id"        \
  " LEFT JOIN contacts ct ON ct.id = l.contact_id AND ct.tenant_id = l.tenant_id"                  \
  " LEFT JOIN users u ON u.id = l.assignee_id AND u.tenant_id = l.tenant_id"

struct row {
  struct crm_lead x;
  char *public_id, *kind;
};

#define CRM_ROW(r)                                                                                 \
  DB_ROW(db_out_i64(&(r)->x.l.id), db_out_text(&(r)->public_id), db_out_i64(&(r)->x.l.tenant_id),  \
         db_out_i64(&(r)->x.l.vehicle_id), db_out_text((char **)&(r)->x.l.vehicle_public_id),      \
         db_out_text((char **)&(r)->x.l.vehicle_title), db_out_text(&(r)->kind),                   \
         db_out_text((char **)&(r)->x.l.name), db_out_text((char **)&(r)->x.l.email),              \
         db_out_text((char **)&(r)->x.l.phone), db_out_text((char **)&(r)->x.l.message),           \
         db_out_text((char **)&(r)->x.l.preferred_date),                                           \
         db_out_text((char **)&(r)->x.l.privacy_notice), db_out_text((char **)&(r)->x.l.status),   \
         db_out_i64(&(r)->x.l.created_at), db_out_i64(&(r)->x.contact_id),                         \
         db_out_text((char **)&(r)->x.contact_public_id), db_out_i64(&(r)->x.assignee_id),         \
         db_out_text((char **)&(r)->x.assignee_name), db_out_i64(&(r)->x.follow_up_at),            \
         db_out_i64(&(r)->x.read_at), db_out_i64(&(r)->x.updated_at),                              \
         db_out_text((char **)&(r)->x.source), db_out_i64(&(r)->x.l.anonymised_at))

static void row_finish(struct row *r, struct crm_lead *out)
{
  *out = r->x;
  snprintf(out->l.public_id, sizeof out->l.public_id, "%s", r->public_id ? r->public_id : "");
  out->l.kind = enum_parse(&lead_enum_kind, r->kind);
  if (out->l.kind < 0)
    out->l.kind = LEAD_CONTACT;
}

/* "%q%" for LIKE, with the wildcards of q escaped (ESCAPE '\'). */
static const char *like_pattern(struct arena *a, const char *q)
{
  struct buf b;
  buf_init(&b, a);
  buf_putc(&b, '%');
  for (const char *p = q; *p; p++) {
    if (*p == '%' || *p == '_' || *p == '\\')
      buf_putc(&b, '\\');
    buf_putc(&b, *p);
  }
  buf_putc(&b, '%');
  return buf_cstr(&b);
}

/* The WHERE clause of f ($1 tenant, $2 pattern, $3 status, $4 kind, $5 assignee,
   $6 due bound, $7 unread, $8 contact). */
static const char *where(db_conn *c)
{
  return DB_SQL(c,
                " WHERE l.tenant_id = $1"
                " AND ($2 = '' OR l.name LIKE $2 ESCAPE '\\' OR l.email LIKE $2 ESCAPE '\\'"
                " OR l.phone LIKE $2 ESCAPE '\\' OR l.message LIKE $2 ESCAPE '\\'"
                " OR COALESCE(v.make || ' ' || v.model || ' ' || v.variant, '') LIKE $2 ESCAPE"
                " '\\')"
                " AND ($3 = '' OR l.status = $3) AND ($4 = '' OR (CASE WHEN l.topic <> '' THEN "
                "l.topic ELSE l.kind END) = $4)"
                " AND ($5 = 0 OR ($5 = -1 AND l.assignee_id IS NULL) OR l.assignee_id = $5)"
                " AND ($6 = 0 OR (l.follow_up_at > 0 AND l.follow_up_at < $6"
                " AND l.status NOT IN ('done', 'lost', 'won')))"
                " AND ($7 = 0 OR l.read_at = 0) AND ($8 = 0 OR l.contact_id = $8)",
                " WHERE l.tenant_id = $1"
                " AND ($2::text = '' OR l.name ILIKE $2 OR l.email ILIKE $2 OR l.phone ILIKE $2"
                " OR l.message ILIKE $2"
                " OR COALESCE(v.make || ' ' || v.model || ' ' || v.variant, '') ILIKE $2)"
                " AND ($3::text = '' OR l.status = $3) AND ($4::text = '' OR (CASE WHEN l.topic <> "
                "'' THEN l.topic ELSE l.kind END) = $4)"
                " AND ($5::bigint = 0 OR ($5::bigint = -1 AND l.assignee_id IS NULL)"
                " OR l.assignee_id = $5)"
                " AND ($6::bigint = 0 OR (l.follow_up_at > 0 AND l.follow_up_at < $6"
                " AND l.status NOT IN ('done', 'lost', 'won')))"
                " AND ($7::bigint = 0 OR l.read_at = 0) AND ($8::bigint = 0 OR l.contact_id = $8)");
}

int crm_lead_list(db_conn *c, struct arena *a, int64_t tenant_id, const struct crm_filter *f,
                  int64_t now, int page, int size, struct crm_lead **out, int *n, int64_t *total,
                  struct err *e)
{
  *out = NULL;
  *n = 0;
  *total = 0;
  if (page < 1)
    page = 1;
  if (size < 1 || size > 200)
    size = 25;
  const char *pat = f->q && *f->q ? like_pattern(a, f->q) : "";
  int64_t due = f->due ? crm_day_end(now) : 0;
  /* the same eight filter parameters, and for the page two more (PostgreSQL wants
     exactly the parameters a statement uses) */
  struct db_param p[11] = {db_i64(tenant_id),
                           db_text(pat),
                           db_text(f->status ? f->status : ""),
                           db_text(f->kind ? f->kind : ""),
                           db_i64(f->assignee),
                           db_i64(due),
                           db_i64(f->unread ? 1 : 0),
                           db_i64(f->contact_id),
                           {.t = DB_T_END},
                           {.t = DB_T_END},
                           {.t = DB_T_END}};
  if (db_query_one(c, a,
                   arena_printf(a,
                                "SELECT COUNT(*) FROM leads l LEFT JOIN vehicles v ON v.id ="
                                " l.vehicle_id AND v.tenant_id = l.tenant_id%s",
                                where(c)),
                   p, DB_ROW(db_out_i64(total)), e) < 0)
    return -1;
  p[8] = db_i64(size);
  p[9] = db_i64((int64_t)(page - 1) * size);
  db_stmt *st = db_query(
      c,
      arena_printf(a, CRM_COLUMNS "%s ORDER BY l.created_at DESC, l.id DESC LIMIT $9 OFFSET $10",
                   where(c)),
      p, e);
  if (!st)
    return -1;
  *out = arena_calloc(a, (size_t)size, sizeof **out);
  struct row r;
  int rc;
  while (memset(&r, 0, sizeof r), (rc = db_next(st, a, CRM_ROW(&r), e)) > 0)
    row_finish(&r, &(*out)[(*n)++]);
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int crm_counts(db_conn *c, int64_t tenant_id, int64_t now, struct crm_counts *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  return db_query_one(
             c, NULL,
             "SELECT COUNT(*),"
             " COALESCE(SUM(CASE WHEN read_at = 0 THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN follow_up_at > 0 AND follow_up_at < $2"
             " AND status NOT IN ('done', 'lost', 'won') THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN status NOT IN ('done', 'lost', 'won') THEN 1 ELSE 0 END),"
             " 0) FROM leads WHERE tenant_id = $1",
             DB_PARAMS(db_i64(tenant_id), db_i64(crm_day_end(now))),
             DB_ROW(db_out_i64(&out->total), db_out_i64(&out->unread), db_out_i64(&out->due),
                    db_out_i64(&out->open)),
             e) < 0
             ? -1
             : 0;
}

int crm_lead_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                 struct crm_lead *out, struct err *e)
{
  struct row r;
  memset(&r, 0, sizeof r);
  int rc = db_query_one(c, a, CRM_COLUMNS " WHERE l.tenant_id = $1 AND l.public_id = $2",
                        DB_PARAMS(db_i64(tenant_id), db_text(public_id)), CRM_ROW(&r), e);
  if (rc == 1)
    row_finish(&r, out);
  return rc;
}

int crm_lead_mark_read(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t now, struct err *e)
{
  return db_exec(c,
                 "UPDATE leads SET read_at = $3 WHERE id = $1 AND tenant_id = $2 AND read_at = 0",
                 DB_PARAMS(db_i64(lead_id), db_i64(tenant_id), db_i64(now)), e) < 0
             ? -1
             : 0;
}

int crm_activity_add(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                     const char *kind, const char *body, struct err *e)
{
  if (enum_parse(&crm_enum_activity, kind) < 0)
    return err_set(e, CC24_E_VALIDATION, "kind: unknown activity");
  int64_t now = time_now();
  if (db_exec(c,
              "INSERT INTO lead_activities (tenant_id, lead_id, user_id, kind, body, created_at)"
              " VALUES ($1, $2, $3, $4, $5, $6)",
              DB_PARAMS(db_i64(tenant_id), db_i64(lead_id),
                        user_id > 0 ? db_i64(user_id) : db_null(), db_text(kind),
                        db_text(body ? body : ""), db_i64(now)),
              e) < 0)
    return -1;
  return db_exec(c, "UPDATE leads SET updated_at = $3 WHERE id = $1 AND tenant_id = $2",
                 DB_PARAMS(db_i64(lead_id), db_i64(tenant_id), db_i64(now)), e) < 0
             ? -1
             : 0;
}

int crm_lead_set_status(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                        const char *status, struct err *e)
{
  if (enum_parse(&crm_enum_status, status) < 0)
    return err_set(e, CC24_E_VALIDATION, "status: unknown status");
  int n =
      db_exec(c, "UPDATE leads SET status = $3 WHERE id = $1 AND tenant_id = $2 AND status <> $3",
              DB_PARAMS(db_i64(lead_id), db_i64(tenant_id), db_text(status)), e);
  if (n < 0)
    return -1;
  return n == 0 ? 0 : crm_activity_add(c, tenant_id, lead_id, user_id, "status", status, e);
}

int crm_lead_assign(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                    int64_t assignee, struct err *e)
{
  char *name = "";
  if (assignee > 0) {
    int rc = db_query_one(c, NULL,
                          "SELECT 1 FROM users WHERE id = $1 AND tenant_id = $2 AND disabled = 0",
                          DB_PARAMS(db_i64(assignee), db_i64(tenant_id)), DB_ROW(db_out_skip()), e);
    if (rc < 0)
      return -1;
    if (rc == 0)
      return err_set(e, CC24_E_VALIDATION, "assignee: not a user of this dealer");
  }
  int n = db_exec(
      c,
      "UPDATE leads SET assignee_id = $3 WHERE id = $1 AND tenant_id = $2"
      " AND COALESCE(assignee_id, 0) <> COALESCE($3, 0)",
      DB_PARAMS(db_i64(lead_id), db_i64(tenant_id), assignee > 0 ? db_i64(assignee) : db_null()),
      e);
  if (n < 0)
    return -1;
  (void)name;
  char body[32];
  snprintf(body, sizeof body, "%lld", (long long)assignee);
  return n == 0 ? 0 : crm_activity_add(c, tenant_id, lead_id, user_id, "assign", body, e);
}

int crm_lead_follow_up(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id, int64_t at,
                       struct err *e)
{
  int n = db_exec(c,
                  "UPDATE leads SET follow_up_at = $3 WHERE id = $1 AND tenant_id = $2"
                  " AND follow_up_at <> $3",
                  DB_PARAMS(db_i64(lead_id), db_i64(tenant_id), db_i64(at)), e);
  if (n < 0)
    return -1;
  char body[32];
  snprintf(body, sizeof body, "%lld", (long long)at);
  return n == 0 ? 0 : crm_activity_add(c, tenant_id, lead_id, user_id, "follow_up", body, e);
}

int crm_activities(db_conn *c, struct arena *a, int64_t tenant_id, int64_t lead_id,
                   struct crm_activity **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c,
                         "SELECT la.kind, la.body, CASE WHEN la.sender <> '' THEN la.sender"
                         " WHEN COALESCE(u.name, '') <> '' THEN "
                         "u.name ELSE COALESCE(u.email, '') END, la.created_at"
                         " FROM lead_activities la LEFT JOIN users u ON u.id = la.user_id"
                         " WHERE la.tenant_id = $1 AND la.lead_id = $2"
                         " ORDER BY la.created_at, la.id LIMIT 500",
                         DB_PARAMS(db_i64(tenant_id), db_i64(lead_id)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, 500, sizeof **out);
  struct crm_activity r;
  int rc;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_text((char **)&r.kind), db_out_text((char **)&r.body),
                              db_out_text((char **)&r.user_name), db_out_i64(&r.created_at)),
                       e)) == 1)
    (*out)[(*n)++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int crm_contact_leads(db_conn *c, struct arena *a, int64_t tenant_id, int64_t contact_id,
                      int64_t except_lead, struct crm_lead **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  if (contact_id <= 0)
    return 0;
  db_stmt *st = db_query(c,
                         CRM_COLUMNS " WHERE l.tenant_id = $1 AND l.contact_id = $2 AND l.id <> $3"
                                     " ORDER BY l.created_at DESC, l.id DESC LIMIT 50",
                         DB_PARAMS(db_i64(tenant_id), db_i64(contact_id), db_i64(except_lead)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, 50, sizeof **out);
  struct row r;
  int rc;
  while (memset(&r, 0, sizeof r), (rc = db_next(st, a, CRM_ROW(&r), e)) > 0)
    row_finish(&r, &(*out)[(*n)++]);
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int crm_users(db_conn *c, struct arena *a, int64_t tenant_id, struct crm_user **out, int *n,
              struct err *e)
{
  *out = NULL;
  *n = 0;
  db_stmt *st = db_query(c,
                         "SELECT id, name, email FROM users WHERE tenant_id = $1 AND disabled = 0"
                         " ORDER BY name, email LIMIT 200",
                         DB_PARAMS(db_i64(tenant_id)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, 200, sizeof **out);
  struct crm_user r;
  int rc;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_i64(&r.id), db_out_text((char **)&r.name),
                              db_out_text((char **)&r.email)),
                       e)) == 1)
    (*out)[(*n)++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}
