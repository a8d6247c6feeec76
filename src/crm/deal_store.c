/* deal_store.c — the deal pipeline in SQL (both backends, scoped by tenant). See deal.h. */
#include "crm/deal.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/lead.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_stages[] = {"Anfrage", "Kontakt", "Probefahrt",
                                             "Angebot", "Vertrag", "Ausgeliefert"};
#define NDEFAULT ((int)(sizeof default_stages / sizeof *default_stages))

int deal_stages(db_conn *c, struct arena *a, int64_t tenant_id, struct deal_stage **out, int *n,
                struct err *e)
{
  *out = arena_calloc(a, DEAL_STAGES_MAX, sizeof **out);
  *n = 0;
  for (int round = 0; round < 2; round++) {
    db_stmt *st = db_query(c,
                           "SELECT id, position, name, won FROM deal_stages WHERE tenant_id = $1"
                           " AND removed_at = 0 ORDER BY position, id",
                           DB_PARAMS(db_i64(tenant_id)), e);
    if (!st)
      return -1;
    struct deal_stage s;
    int won, rc;
    while (*n < DEAL_STAGES_MAX &&
           (rc = db_next(st, a,
                         DB_ROW(db_out_i64(&s.id), db_out_int(&s.position),
                                db_out_text((char **)&s.name), db_out_int(&won)),
                         e)) == 1) {
      s.won = won != 0;
      (*out)[(*n)++] = s;
    }
    db_finish(st);
    if (rc < 0)
      return -1;
    if (*n > 0 || round == 1)
      return 0;
    for (int i = 0; i < NDEFAULT; i++)
      if (db_exec(
              c, "INSERT INTO deal_stages (tenant_id, position, name, won) VALUES ($1, $2, $3, $4)",
              DB_PARAMS(db_i64(tenant_id), db_i64(i), db_text(default_stages[i]),
                        db_i64(i == NDEFAULT - 1)),
              e) < 0)
        return -1;
  }
  return 0;
}

/* A stage name: 1 to 60 characters of UTF-8 on one line (trimmed copy in a, or NULL). */
static const char *stage_name(struct arena *a, const char *name)
{
  const char *nm = name ? str_trim(a, name) : "";
  size_t len = strlen(nm);
  if (len == 0 || len > 60 || !utf8_valid(nm, len) || strpbrk(nm, "\r\n\t"))
    return NULL;
  return nm;
}

int deal_stages_rename(db_conn *c, int64_t tenant_id, const char *const *names, int n,
                       struct err *e)
{
  struct arena *a = arena_new(0);
  struct deal_stage *st;
  int ns, rc = -1;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    goto out;
  if (n != ns) {
    err_set(e, CC24_E_VALIDATION, "stages: %d names for %d stages", n, ns);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    const char *nm = stage_name(a, names[i]);
    if (!nm) {
      err_set_field(e, CC24_E_VALIDATION, "name", "stage_%d: 1 to 60 characters on one line", i);
      goto out;
    }
    if (db_exec(c, "UPDATE deal_stages SET name = $3 WHERE id = $1 AND tenant_id = $2",
                DB_PARAMS(db_i64(st[i].id), db_i64(tenant_id), db_text(nm)), e) < 0)
      goto out;
  }
  rc = 0;
out:
  arena_free(a);
  return rc;
}

static int history(db_conn *c, int64_t tenant_id, int64_t deal_id, int64_t from, int64_t to,
                   const char *state, int64_t user_id, int64_t at, struct err *e)
{
  return db_exec(c,
                 "INSERT INTO deal_history (tenant_id, deal_id, from_stage_id, to_stage_id, state,"
                 " user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 DB_PARAMS(db_i64(tenant_id), db_i64(deal_id), from > 0 ? db_i64(from) : db_null(),
                           to > 0 ? db_i64(to) : db_null(), db_text(state),
                           user_id > 0 ? db_i64(user_id) : db_null(), db_i64(at)),
                 e) < 0
             ? -1
             : 0;
}

/* Rewrite the positions of the stages in order[0..n-1] as 0..n-1. */
static int stage_positions(db_conn *c, int64_t tenant_id, const int64_t *order, int n,
                           struct err *e)
{
  for (int i = 0; i < n; i++)
    if (db_exec(c, "UPDATE deal_stages SET position = $3 WHERE id = $1 AND tenant_id = $2",
                DB_PARAMS(db_i64(order[i]), db_i64(tenant_id), db_i64(i)), e) < 0)
      return -1;
  return 0;
}

int deal_stage_add(db_conn *c, int64_t tenant_id, const char *name, int before, int64_t *id,
                   struct err *e)
{
  struct arena *a = arena_new(0);
  struct deal_stage *st;
  int ns, rc = -1;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    goto out;
  const char *nm = stage_name(a, name);
  if (!nm) {
    err_set_field(e, CC24_E_VALIDATION, "name", "name: 1 to 60 characters on one line");
    goto out;
  }
  if (ns >= DEAL_STAGES_MAX) {
    err_set_field(e, CC24_E_VALIDATION, "full", "stages: at most %d", DEAL_STAGES_MAX);
    goto out;
  }
  /* the sale stays last: a new stage goes before it at the latest */
  int last = ns > 0 && st[ns - 1].won ? ns - 1 : ns;
  if (before < 0 || before > last) {
    err_set_field(e, CC24_E_VALIDATION, "position", "position: 0 to %d", last);
    goto out;
  }
  if (db_query_one(c, a,
                   "INSERT INTO deal_stages (tenant_id, position, name, won) VALUES ($1, $2, $3, 0)"
                   " RETURNING id",
                   DB_PARAMS(db_i64(tenant_id), db_i64(before), db_text(nm)),
                   DB_ROW(db_out_i64(id)), e) != 1)
    goto out;
  int64_t *order = arena_calloc(a, (size_t)ns + 1, sizeof *order);
  for (int i = 0, k = 0; i <= ns; i++)
    order[i] = i == before ? *id : st[k++].id;
  rc = stage_positions(c, tenant_id, order, ns + 1, e);
out:
  arena_free(a);
  return rc;
}

int deal_stage_remove(db_conn *c, struct arena *a, int64_t tenant_id, int64_t stage_id,
                      int64_t target_id, int64_t user_id, int *moved, struct err *e)
{
  if (moved)
    *moved = 0;
  struct deal_stage *st;
  int ns;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    return -1;
  int ix = -1, tx = -1, open_stages = 0;
  for (int i = 0; i < ns; i++) {
    if (st[i].id == stage_id)
      ix = i;
    if (st[i].id == target_id)
      tx = i;
    open_stages += !st[i].won;
  }
  if (ix < 0)
    return err_set_field(e, CC24_E_NOT_FOUND, "stage", "stage: not a stage of this pipeline");
  if (st[ix].won)
    return err_set_field(e, CC24_E_VALIDATION, "won", "stage: the sale stage cannot be removed");
  if (open_stages <= 1)
    return err_set_field(e, CC24_E_VALIDATION, "last",
                         "stage: the only stage before the sale cannot be removed");
  /* its open deals go to the target, in their order, each move in the history */
  db_stmt *q = db_query(c,
                        "SELECT public_id FROM deals WHERE tenant_id = $1 AND stage_id = $2"
                        " AND state = 'open' ORDER BY position, id",
                        DB_PARAMS(db_i64(tenant_id), db_i64(stage_id)), e);
  if (!q)
    return -1;
  char **ids = arena_calloc(a, 1000, sizeof *ids);
  int n = 0, rc;
  char *pid;
  while (n < 1000 && (rc = db_next(q, a, DB_ROW(db_out_text(&pid)), e)) == 1)
    ids[n++] = pid;
  db_finish(q);
  if (rc < 0)
    return -1;
  /* not onto the sale stage: a removal must not sell vehicles in bulk */
  if (n > 0 && (tx < 0 || tx == ix || st[tx].won))
    return err_set_field(e, CC24_E_VALIDATION, "target",
                         "target: %d deals on the stage need another stage to go to", n);
  for (int i = 0; i < n; i++) {
    struct deal d;
    int64_t sold = 0;
    if (deal_get(c, a, tenant_id, ids[i], &d, e) != 1 ||
        deal_move(c, a, tenant_id, &d, target_id, -1, user_id, &sold, e) < 0)
      return -1;
  }
  if (db_exec(c, "UPDATE deal_stages SET removed_at = $3 WHERE id = $1 AND tenant_id = $2",
              DB_PARAMS(db_i64(stage_id), db_i64(tenant_id), db_i64(time_now())), e) < 0)
    return -1;
  int64_t *order = arena_calloc(a, (size_t)ns, sizeof *order);
  for (int i = 0, k = 0; i < ns; i++)
    if (i != ix)
      order[k++] = st[i].id;
  if (stage_positions(c, tenant_id, order, ns - 1, e) < 0)
    return -1;
  if (moved)
    *moved = n;
  return 0;
}

int deal_stage_move(db_conn *c, int64_t tenant_id, int64_t stage_id, int dir, struct err *e)
{
  struct arena *a = arena_new(0);
  struct deal_stage *st;
  int ns, rc = -1;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    goto out;
  int ix = -1;
  for (int i = 0; i < ns; i++)
    if (st[i].id == stage_id)
      ix = i;
  if (ix < 0) {
    err_set_field(e, CC24_E_NOT_FOUND, "stage", "stage: not a stage of this pipeline");
    goto out;
  }
  int other = dir < 0 ? ix - 1 : ix + 1;
  if (st[ix].won) {
    err_set_field(e, CC24_E_VALIDATION, "won", "stage: the sale stage stays last");
    goto out;
  }
  if (dir == 0 || other < 0 || other >= ns || st[other].won) {
    err_set_field(e, CC24_E_VALIDATION, "position", "stage: cannot move further");
    goto out;
  }
  int64_t *order = arena_calloc(a, (size_t)ns, sizeof *order);
  for (int i = 0; i < ns; i++)
    order[i] = st[i].id;
  order[ix] = st[other].id;
  order[other] = st[ix].id;
  rc = stage_positions(c, tenant_id, order, ns, e);
out:
  arena_free(a);
  return rc;
}

int deal_from_lead(db_conn *c, struct arena *a, int64_t tenant_id, const char *lead_public_id,
                   int64_t user_id, char public_id[17], struct err *e)
{
  if (crm_link_contacts(c, a, tenant_id, e) < 0)
    return -1;
  struct crm_lead l;
  int rc = crm_lead_get(c, a, tenant_id, lead_public_id, &l, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such enquiry");
  char *existing = NULL;
  rc =
      db_query_one(c, a,
                   "SELECT public_id FROM deals WHERE tenant_id = $1 AND lead_id = $2"
                   " AND state = 'open' ORDER BY id LIMIT 1",
                   DB_PARAMS(db_i64(tenant_id), db_i64(l.l.id)), DB_ROW(db_out_text(&existing)), e);
  if (rc < 0)
    return -1;
  if (rc == 1) {
    snprintf(public_id, 17, "%s", existing);
    return 0;
  }
  struct deal_stage *st;
  int ns;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    return -1;
  int64_t now = time_now(), price = 0;
  if (l.l.vehicle_id > 0 &&
      db_query_one(c, a, "SELECT price_cents FROM vehicles WHERE id = $1 AND tenant_id = $2",
                   DB_PARAMS(db_i64(l.l.vehicle_id), db_i64(tenant_id)), DB_ROW(db_out_i64(&price)),
                   e) < 0)
    return -1;
  const char *title = l.l.vehicle_title && *l.l.vehicle_title
                          ? arena_printf(a, "%s · %s", l.l.name, l.l.vehicle_title)
                          : l.l.name;
  id_new(public_id);
  if (db_exec(c,
              "INSERT INTO deals (public_id, tenant_id, lead_id, contact_id, vehicle_id, title,"
              " stage_id, offer_cents, position, stage_since, created_at, updated_at)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
              " (SELECT COALESCE(MAX(position), -1) + 1 FROM deals WHERE tenant_id = $2"
              " AND stage_id = $7), $9, $9, $9)",
              DB_PARAMS(db_text(public_id), db_i64(tenant_id), db_i64(l.l.id),
                        l.contact_id > 0 ? db_i64(l.contact_id) : db_null(),
                        l.l.vehicle_id > 0 ? db_i64(l.l.vehicle_id) : db_null(), db_text(title),
                        db_i64(st[0].id), db_i64(price), db_i64(now)),
              e) < 0)
    return -1;
  int64_t id = 0;
  if (db_query_one(c, a, "SELECT id FROM deals WHERE public_id = $1", DB_PARAMS(db_text(public_id)),
                   DB_ROW(db_out_i64(&id)), e) != 1 ||
      history(c, tenant_id, id, 0, st[0].id, "open", user_id, now, e) < 0)
    return -1;
  if (!strcmp(l.l.status, "new") &&
      crm_lead_set_status(c, tenant_id, l.l.id, user_id, "in_progress", e) < 0)
    return -1;
  return 1;
}

#define DEAL_COLUMNS                                                                               \
  "SELECT d.id, d.public_id, d.tenant_id, COALESCE(d.lead_id, 0), COALESCE(d.contact_id, 0),"      \
  " COALESCE(d.vehicle_id, 0), d.stage_id, d.title, d.state, d.lost_reason, d.trade_in_note,"      \
  " d.finance_json, d.offer_cents, d.trade_in_cents, d.stage_since, d.created_at, d.updated_at,"   \
  " d.closed_at, d.position, COALESCE(ct.name, ''), COALESCE(ct.email, ''),"                       \
  " COALESCE(v.public_id, ''), COALESCE(v.make || ' ' || v.model || ' ' || v.variant, ''),"        \
  " COALESCE(l.public_id, ''), COALESCE(v.price_cents, 0)"                                         \
  " FROM deals d LEFT JOIN contacts ct ON ct.id = d.contact_id AND ct.tenant_id = d.tenant_id"     \
  " LEFT JOIN vehicles v ON v.id = d.vehicle_id AND v.tenant_id = d.tenant_id"                     \
  " LEFT JOIN leads l ON l.id = d.lead_id AND l.tenant_id = d.tenant_id"

struct row {
  struct deal d;
  char *public_id;
};

#define DEAL_ROW(r)                                                                                \
  DB_ROW(db_out_i64(&(r)->d.id), db_out_text(&(r)->public_id), db_out_i64(&(r)->d.tenant_id),      \
         db_out_i64(&(r)->d.lead_id), db_out_i64(&(r)->d.contact_id),                              \
         db_out_i64(&(r)->d.vehicle_id), db_out_i64(&(r)->d.stage_id),                             \
         db_out_text((char **)&(r)->d.title), db_out_text((char **)&(r)->d.state),                 \
         db_out_text((char **)&(r)->d.lost_reason), db_out_text((char **)&(r)->d.trade_in_note),   \
         db_out_text((char **)&(r)->d.finance_json), db_out_i64(&(r)->d.offer_cents),              \
         db_out_i64(&(r)->d.trade_in_cents), db_out_i64(&(r)->d.stage_since),                      \
         db_out_i64(&(r)->d.created_at), db_out_i64(&(r)->d.updated_at),                           \
         db_out_i64(&(r)->d.closed_at), db_out_int(&(r)->d.position),                              \
         db_out_text((char **)&(r)->d.contact_name), db_out_text((char **)&(r)->d.contact_email),  \
         db_out_text((char **)&(r)->d.vehicle_public_id),                                          \
         db_out_text((char **)&(r)->d.vehicle_title),                                              \
         db_out_text((char **)&(r)->d.lead_public_id), db_out_i64(&(r)->d.vehicle_price_cents))

static void finish(struct row *r, struct deal *d)
{
  *d = r->d;
  snprintf(d->public_id, sizeof d->public_id, "%s", r->public_id ? r->public_id : "");
}

int deal_list(db_conn *c, struct arena *a, int64_t tenant_id, int64_t now, struct deal **out,
              int *n, struct err *e)
{
  *n = 0;
  *out = arena_calloc(a, 1000, sizeof **out);
  db_stmt *st = db_query(c,
                         DEAL_COLUMNS " WHERE d.tenant_id = $1 AND (d.state = 'open'"
                                      " OR d.closed_at > $2) ORDER BY d.position, d.id LIMIT 1000",
                         DB_PARAMS(db_i64(tenant_id), db_i64(now - 30 * 86400)), e);
  if (!st)
    return -1;
  struct row r;
  int rc;
  while (memset(&r, 0, sizeof r), (rc = db_next(st, a, DEAL_ROW(&r), e)) == 1)
    finish(&r, &(*out)[(*n)++]);
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int deal_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
             struct deal *out, struct err *e)
{
  struct row r;
  memset(&r, 0, sizeof r);
  int rc = db_query_one(c, a, DEAL_COLUMNS " WHERE d.tenant_id = $1 AND d.public_id = $2",
                        DB_PARAMS(db_i64(tenant_id), db_text(public_id)), DEAL_ROW(&r), e);
  if (rc == 1)
    finish(&r, out);
  return rc;
}

int deal_move(db_conn *c, struct arena *a, int64_t tenant_id, struct deal *d, int64_t stage_id,
              int position, int64_t user_id, int64_t *vehicle_sold, struct err *e)
{
  *vehicle_sold = 0;
  if (strcmp(d->state, "open"))
    return err_set(e, CC24_E_CONFLICT, "the deal is closed");
  struct deal_stage *st;
  int ns;
  if (deal_stages(c, a, tenant_id, &st, &ns, e) < 0)
    return -1;
  const struct deal_stage *to = NULL;
  for (int i = 0; i < ns; i++)
    if (st[i].id == stage_id)
      to = &st[i];
  if (!to)
    return err_set(e, CC24_E_VALIDATION, "stage: not a stage of this pipeline");
  int64_t now = time_now();
  /* make room at the position in the target column (positions are dense per column) */
  int64_t count = 0;
  if (db_query_one(c, a,
                   "SELECT COUNT(*) FROM deals WHERE tenant_id = $1 AND stage_id = $2 AND id <> $3",
                   DB_PARAMS(db_i64(tenant_id), db_i64(stage_id), db_i64(d->id)),
                   DB_ROW(db_out_i64(&count)), e) < 0)
    return -1;
  int64_t pos = position < 0 || position > count ? count : position;
  if (db_exec(c,
              "UPDATE deals SET position = position - 1 WHERE tenant_id = $1 AND stage_id = $2"
              " AND position > $3",
              DB_PARAMS(db_i64(tenant_id), db_i64(d->stage_id), db_i64(d->position)), e) < 0 ||
      db_exec(c,
              "UPDATE deals SET position = position + 1 WHERE tenant_id = $1 AND stage_id = $2"
              " AND position >= $3 AND id <> $4",
              DB_PARAMS(db_i64(tenant_id), db_i64(stage_id), db_i64(pos), db_i64(d->id)), e) < 0)
    return -1;
  bool moved = d->stage_id != stage_id;
  const char *state = to->won ? "won" : "open";
  if (db_exec(
          c,
          "UPDATE deals SET stage_id = $3, position = $4, state = $5, updated_at = $6,"
          " stage_since = CASE WHEN $7 = 1 THEN $6 ELSE stage_since END,"
          " closed_at = CASE WHEN $5 = 'won' THEN $6 ELSE 0 END WHERE id = $1 AND tenant_id = $2",
          DB_PARAMS(db_i64(d->id), db_i64(tenant_id), db_i64(stage_id), db_i64(pos), db_text(state),
                    db_i64(now), db_i64(moved ? 1 : 0)),
          e) < 0)
    return -1;
  if (moved && history(c, tenant_id, d->id, d->stage_id, stage_id, state, user_id, now, e) < 0)
    return -1;
  if (to->won) {
    /* the sale: the vehicle is sold (and leaves the public search), the lead is won */
    if (d->vehicle_public_id && *d->vehicle_public_id) {
      struct vehicle v;
      int rc = vehicle_store_set_status(c, a, tenant_id, d->vehicle_public_id, STATUS_SOLD, &v, e);
      if (rc < 0)
        return -1;
      if (rc == 1)
        *vehicle_sold = v.id;
    }
    if (d->lead_id > 0 &&
        crm_lead_set_status(c, tenant_id, d->lead_id, user_id, LEAD_STATUS_WON, e) < 0)
      return -1;
  }
  d->stage_id = stage_id;
  d->state = state;
  return 0;
}

int deal_lose(db_conn *c, int64_t tenant_id, struct deal *d, const char *reason, int64_t user_id,
              struct err *e)
{
  if (strcmp(d->state, "open"))
    return err_set(e, CC24_E_CONFLICT, "the deal is closed");
  size_t len = reason ? strlen(reason) : 0;
  if (len == 0 || len > DEAL_REASON_MAX || !utf8_valid(reason, len))
    return err_set(e, CC24_E_VALIDATION, "reason: 1 to %d characters", DEAL_REASON_MAX);
  int64_t now = time_now();
  if (db_exec(c,
              "UPDATE deals SET state = 'lost', lost_reason = $3, closed_at = $4, updated_at = $4"
              " WHERE id = $1 AND tenant_id = $2",
              DB_PARAMS(db_i64(d->id), db_i64(tenant_id), db_text(reason), db_i64(now)), e) < 0 ||
      history(c, tenant_id, d->id, d->stage_id, 0, "lost", user_id, now, e) < 0)
    return -1;
  if (d->lead_id > 0 && crm_lead_set_status(c, tenant_id, d->lead_id, user_id, "lost", e) < 0)
    return -1;
  d->state = "lost";
  return 0;
}

int deal_update(db_conn *c, int64_t tenant_id, int64_t deal_id, int64_t offer_cents,
                int64_t trade_in_cents, const char *trade_in_note, const char *finance_json,
                struct err *e)
{
  return db_exec(c,
                 "UPDATE deals SET offer_cents = $3, trade_in_cents = $4, trade_in_note = $5,"
                 " finance_json = $6, updated_at = $7 WHERE id = $1 AND tenant_id = $2",
                 DB_PARAMS(db_i64(deal_id), db_i64(tenant_id), db_i64(offer_cents),
                           db_i64(trade_in_cents), db_text(trade_in_note ? trade_in_note : ""),
                           db_text(finance_json ? finance_json : ""), db_i64(time_now())),
                 e) < 0
             ? -1
             : 0;
}

int deal_history(db_conn *c, struct arena *a, int64_t tenant_id, int64_t deal_id,
                 struct deal_move **out, int *n, struct err *e)
{
  *n = 0;
  *out = arena_calloc(a, 200, sizeof **out);
  db_stmt *st = db_query(c,
                         "SELECT COALESCE(f.name, ''), COALESCE(t.name, ''), h.state,"
                         " CASE WHEN COALESCE(u.name, '') <> '' THEN u.name"
                         " ELSE COALESCE(u.email, '') END, h.at FROM deal_history h"
                         " LEFT JOIN deal_stages f ON f.id = h.from_stage_id"
                         " LEFT JOIN deal_stages t ON t.id = h.to_stage_id"
                         " LEFT JOIN users u ON u.id = h.user_id"
                         " WHERE h.tenant_id = $1 AND h.deal_id = $2 ORDER BY h.at, h.id LIMIT 200",
                         DB_PARAMS(db_i64(tenant_id), db_i64(deal_id)), e);
  if (!st)
    return -1;
  struct deal_move m;
  int rc;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_text((char **)&m.from), db_out_text((char **)&m.to),
                              db_out_text((char **)&m.state), db_out_text((char **)&m.who),
                              db_out_i64(&m.at)),
                       e)) == 1)
    (*out)[(*n)++] = m;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int deal_stats(db_conn *c, struct arena *a, int64_t tenant_id, const struct deal_stage *st, int nst,
               struct deal_stage_stats *out, struct err *e)
{
  memset(out, 0, sizeof *out * (size_t)nst);
  double *sum = arena_calloc(a, (size_t)nst, sizeof *sum);
  int64_t deal, to, at, prev_at = 0, cur = -1;
  int prev_ix = -1;
  char *state;
  unsigned reached = 0; /* bit per stage index for the current deal */
  int best = -1;        /* highest stage index reached */
  bool won = false;
  int rc;
  /* a deal counts once per stage it reached; it advanced from a stage when it reached a
     later one, or was won there */
#define FLUSH()                                                                                    \
  do {                                                                                             \
    for (int i = 0; i < nst; i++)                                                                  \
      if (reached & (1u << i)) {                                                                   \
        out[i].reached++;                                                                          \
        if (i < best || (i == best && won))                                                        \
          out[i].advanced++;                                                                       \
      }                                                                                            \
  } while (0)
  db_stmt *q = db_query(c,
                        "SELECT deal_id, COALESCE(to_stage_id, 0), state, at FROM deal_history"
                        " WHERE tenant_id = $1 ORDER BY deal_id, at, id",
                        DB_PARAMS(db_i64(tenant_id)), e);
  if (!q)
    return -1;
  while (
      (rc = db_next(
           q, a, DB_ROW(db_out_i64(&deal), db_out_i64(&to), db_out_text(&state), db_out_i64(&at)),
           e)) == 1) {
    if (deal != cur) {
      if (cur >= 0)
        FLUSH();
      cur = deal;
      reached = 0;
      best = -1;
      won = false;
      prev_ix = -1;
    }
    /* the stay that ends now */
    if (prev_ix >= 0) {
      sum[prev_ix] += (double)(at - prev_at);
      out[prev_ix].stays++;
    }
    int ix = -1;
    for (int i = 0; i < nst; i++)
      if (st[i].id == to)
        ix = i;
    if (ix >= 0) {
      reached |= 1u << ix;
      if (ix > best)
        best = ix;
    }
    if (!strcmp(state, "won"))
      won = true;
    prev_ix = !strcmp(state, "open") ? ix : -1;
    prev_at = at;
  }
  if (cur >= 0)
    FLUSH();
  db_finish(q);
#undef FLUSH
  if (rc < 0)
    return -1;
  for (int i = 0; i < nst; i++)
    out[i].mean_seconds = out[i].stays ? sum[i] / (double)out[i].stays : 0;
  return 0;
}
