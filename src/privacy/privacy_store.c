/* privacy_store.c — the links, the collection and the erasure across dealers, the
 * dealers' request records (see privacy.h). */
#include "privacy/privacy.h"

#include "auth/auth.h"
#include "auth/session.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "crm/retention.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "privacy/consent.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <stdlib.h>
#include <string.h>

int64_t privacy_due(int64_t t)
{
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int y, m, d;
  time_civil_from_days(days, &y, &m, &d);
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  int64_t first_next =
      nm == 12 ? time_days_from_civil(ny + 1, 1, 1) : time_days_from_civil(ny, nm + 1, 1);
  int64_t len = first_next - time_days_from_civil(ny, nm, 1);
  if (d > len)
    d = (int)len;
  return time_days_from_civil(ny, nm, d) * 86400 + secs;
}

static json_t *js(const char *s)
{
  return json_string(s ? s : "");
}

static json_t *jt(int64_t t)
{
  char buf[40];
  if (t <= 0)
    return json_null();
  time_iso_utc(t, buf, sizeof buf);
  return json_string(buf);
}

/* ---- who holds something about the address ---- */

struct who {
  struct arena *a;
  const char *email;
  int64_t *tenants;
  int ntenants;
  struct tenant *all;
  int nall;
  int64_t buyer_id; /* a buyer account with the address, 0 = none */
};

static int tx_who(db_conn *c, void *arg, struct err *e)
{
  struct who *x = arg;
  x->ntenants = 0;
  x->buyer_id = 0;
  if (tenant_store_list(c, x->a, &x->all, &x->nall, e) < 0)
    return -1;
  x->tenants = arena_calloc(x->a, (size_t)x->nall + 1, sizeof *x->tenants);
  db_stmt *st = db_query(c,
                         DB_SQL(c,
                                "SELECT tenant_id FROM leads WHERE lower(email) = $1"
                                " UNION SELECT tenant_id FROM contacts WHERE lower(email) = $1"
                                " UNION SELECT tenant_id FROM outbox WHERE tenant_id IS NOT NULL"
                                " AND (recipient = $1 OR lower(reply_to) = $1)"
                                " UNION SELECT tenant_id FROM legal_holds WHERE lower(email) = $1"
                                " UNION SELECT tenant_id FROM newsletter_subscribers"
                                " WHERE email = $1"
                                " UNION SELECT tenant_id FROM processing_records WHERE email = $1",
                                "SELECT t FROM cc24_privacy_tenants($1) AS t"),
                         DB_PARAMS(db_text(x->email)), e);
  if (!st)
    return -1;
  int64_t id;
  int rc;
  while ((rc = db_next(st, x->a, DB_ROW(db_out_i64(&id)), e)) > 0)
    if (x->ntenants < x->nall)
      x->tenants[x->ntenants++] = id;
  db_finish(st);
  if (rc < 0)
    return -1;
  struct auth_user u;
  rc = auth_user_by_email(c, x->a, x->email, &u, e);
  if (rc < 0)
    return -1;
  if (rc == 1 && u.role == AUTH_ROLE_BUYER)
    x->buyer_id = u.id;
  return 0;
}

static int who_holds(db *d, struct who *x, struct err *e)
{
  return db_tx(d, 0, DB_READ, tx_who, x, e);
}

static const char *tenant_name(const struct who *x, int64_t id)
{
  for (int i = 0; i < x->nall; i++)
    if (x->all[i].id == id)
      return x->all[i].name;
  return "";
}

static const char *tenant_slug(const struct who *x, int64_t id)
{
  for (int i = 0; i < x->nall; i++)
    if (x->all[i].id == id)
      return x->all[i].slug;
  return "";
}

/* ---- step 1: the request ---- */

struct req_arg {
  struct arena *a;
  const char *email, *kind, *locale, *hash, *email_hash, *secret;
  int64_t now, tenant_id;
};

static int tx_token(db_conn *c, void *arg, struct err *e)
{
  struct req_arg *x = arg;
  if (db_exec(c,
              "INSERT INTO privacy_tokens (token_hash, kind, email, created_at, expires_at)"
              " VALUES ($1, $2, $3, $4, $5)",
              DB_PARAMS(db_text(x->hash), db_text(x->kind), db_text(x->email), db_i64(x->now),
                        db_i64(x->now + PRIVACY_TOKEN_TTL)),
              e) < 0)
    return -1;
  const char *loc = x->locale;
  bool erase = !strcmp(x->kind, PRIVACY_ERASURE);
  const char *link =
      arena_printf(x->a, "%s/datenschutz/anfrage/bestaetigen?token=%s", cfg.base_url, x->secret);
  struct mail m = {
      .to = x->email,
      .locale = loc,
      .kind = "privacy.link",
      .subject =
          i18n_get(loc, erase ? "privacy.mail_subject_erasure" : "privacy.mail_subject_access"),
      .text = arena_printf(
          x->a, "%s\n\n%s\n\n%s\n",
          i18n_get(loc, erase ? "privacy.mail_text_erasure" : "privacy.mail_text_access"), link,
          i18n_get(loc, "privacy.mail_ttl")),
  };
  return mail_queue(c, &m, e);
}

static int tx_record(db_conn *c, void *arg, struct err *e)
{
  struct req_arg *x = arg;
  char pid[ID_LEN + 1];
  id_new(pid);
  return db_exec(c,
                 "INSERT INTO privacy_requests (public_id, tenant_id, token_hash, kind, email_hash,"
                 " received_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 DB_PARAMS(db_text(pid), db_i64(x->tenant_id), db_text(x->hash), db_text(x->kind),
                           db_text(x->email_hash), db_i64(x->now), db_i64(privacy_due(x->now))),
                 e) < 0
             ? -1
             : 0;
}

static const char *sha_hex(struct arena *a, const char *s)
{
  char *h = arena_alloc(a, 65);
  id_sha256_hex(s, strlen(s), h);
  return h;
}

int privacy_request(db *d, struct arena *a, const char *email, const char *kind, const char *locale,
                    int64_t now, char **secret, struct err *e)
{
  *secret = NULL;
  struct who w = {.a = a, .email = email};
  if (who_holds(d, &w, e) < 0)
    return -1;
  if (!w.ntenants && !w.buyer_id)
    return 0; /* nothing held: no mail; the page answers the same */
  char tok[64];
  id_token(tok, sizeof tok, 32);
  struct req_arg x = {.a = a,
                      .email = email,
                      .kind = kind,
                      .locale = locale,
                      .secret = arena_strdup(a, tok),
                      .hash = sha_hex(a, tok),
                      .email_hash = sha_hex(a, email),
                      .now = now};
  if (db_tx(d, 0, DB_WRITE, tx_token, &x, e) < 0)
    return -1;
  for (int i = 0; i < w.ntenants; i++) {
    x.tenant_id = w.tenants[i];
    if (db_tx(d, x.tenant_id, DB_WRITE, tx_record, &x, e) < 0)
      return -1;
  }
  *secret = (char *)x.secret;
  return 0;
}

/* ---- the link ---- */

struct link {
  const char *hash, *kind, *email;
  const char *want; /* with spend: the kind the caller acts on; another kind is unknown */
  int64_t expires_at, used_at, now;
  int state; /* enum privacy_link */
  bool spend, first_use;
};

static int link_state(const struct link *l)
{
  if (!l->email || !*l->email || l->expires_at <= l->now)
    return PRIVACY_LINK_GONE;
  if (l->used_at > 0 &&
      (!strcmp(l->kind, PRIVACY_ERASURE) || l->used_at <= l->now - PRIVACY_ACCESS_WINDOW))
    return PRIVACY_LINK_GONE;
  return PRIVACY_LINK_OK;
}

static int tx_link(db_conn *c, void *arg, struct err *e)
{
  struct link *l = arg;
  struct arena *a = arena_new(0);
  char *kind = NULL, *email = NULL;
  int64_t id = 0;
  l->first_use = false;
  free((void *)l->email); /* a retried transaction starts again */
  l->email = NULL;
  int rc = db_query_one(c, a,
                        DB_SQL(c,
                               "SELECT id, kind, email, expires_at, used_at FROM privacy_tokens"
                               " WHERE token_hash = $1",
                               "SELECT id, kind, email, expires_at, used_at"
                               " FROM cc24_privacy_token($1)"),
                        DB_PARAMS(db_text(l->hash)),
                        DB_ROW(db_out_i64(&id), db_out_text(&kind), db_out_text(&email),
                               db_out_i64(&l->expires_at), db_out_i64(&l->used_at)),
                        e);
  if (rc < 0) {
    arena_free(a);
    return -1;
  }
  l->state = PRIVACY_LINK_UNKNOWN;
  if (rc == 1) {
    l->kind = !strcmp(kind, PRIVACY_ERASURE) ? PRIVACY_ERASURE : PRIVACY_ACCESS;
    l->email = email;
    l->state = link_state(l);
    l->email = l->state == PRIVACY_LINK_OK ? strdup(email) : NULL;
  }
  arena_free(a);
  if (l->state == PRIVACY_LINK_OK && l->spend && strcmp(l->kind, l->want)) {
    free((void *)l->email);
    l->email = NULL;
    l->state = PRIVACY_LINK_UNKNOWN; /* never spent by the other kind's action */
  }
  if (l->state != PRIVACY_LINK_OK || !l->spend)
    return 0;
  int n = 0;
  if (db_query_one(c, NULL,
                   DB_SQL(c,
                          "UPDATE privacy_tokens SET used_at = $2 WHERE token_hash = $1"
                          " AND used_at = 0 RETURNING 1",
                          "SELECT cc24_privacy_token_spend($1, $2)"),
                   DB_PARAMS(db_text(l->hash), db_i64(l->now)), DB_ROW(db_out_int(&n)), e) < 0)
    return -1;
  l->first_use = n == 1;
  /* two confirmations at once: only one erases */
  if (!l->first_use && !strcmp(l->kind, PRIVACY_ERASURE))
    l->state = PRIVACY_LINK_GONE;
  return 0;
}

/* The link's state; with spend (the kind acted on), its use. l->email is malloc'ed (the caller
 * frees it) when the state is PRIVACY_LINK_OK. */
static int link_check(db *d, struct arena *a, const char *secret, int64_t now, const char *spend,
                      struct link *l, struct err *e)
{
  *l = (struct link){
      .now = now, .spend = spend != NULL, .want = spend, .state = PRIVACY_LINK_UNKNOWN};
  if (!secret || strlen(secret) < 20 || strlen(secret) > 100)
    return 0;
  l->hash = sha_hex(a, secret);
  if (db_tx(d, 0, spend ? DB_WRITE : DB_READ, tx_link, l, e) < 0) {
    free((void *)l->email);
    l->email = NULL;
    return -1;
  }
  return 0;
}

enum privacy_link privacy_link_peek(db *d, const char *secret, int64_t now, const char **kind,
                                    struct err *e)
{
  struct arena *a = arena_new(0);
  struct link l;
  int rc = link_check(d, a, secret, now, NULL, &l, e);
  arena_free(a);
  free((void *)l.email);
  if (rc < 0)
    return PRIVACY_LINK_UNKNOWN;
  *kind = l.kind;
  return (enum privacy_link)l.state;
}

/* ---- the collection ---- */

struct collect_arg {
  struct arena *a;
  const char *email, *hash;
  int64_t tenant_id, now, user_id;
  bool complete;
  const char *result;
  json_t *out;
};

static int query_rows(db_conn *c, struct arena *a, const char *sql, const struct db_param *p,
                      json_t *arr, const char *const *names, const struct db_out *row,
                      const int *types, int ncol, struct err *e)
{
  db_stmt *st = db_query(c, sql, p, e);
  if (!st)
    return -1;
  int rc;
  while ((rc = db_next(st, a, row, e)) > 0) {
    json_t *o = json_object();
    for (int i = 0; i < ncol; i++) {
      if (types[i] == 's')
        json_object_set_new(o, names[i], js(*(char **)row[i].p));
      else if (types[i] == 't')
        json_object_set_new(o, names[i], jt(*(int64_t *)row[i].p));
      else
        json_object_set_new(o, names[i], json_integer(*(int64_t *)row[i].p));
    }
    json_array_append_new(arr, o);
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

static int complete_requests(db_conn *c, struct collect_arg *x, struct err *e)
{
  if (!x->complete)
    return 0;
  return db_exec(
             c,
             "UPDATE privacy_requests SET status = 'completed', completed_at = $3, result = $4"
             " WHERE tenant_id = $1 AND token_hash = $2 AND status = 'waiting'",
             DB_PARAMS(db_i64(x->tenant_id), db_text(x->hash), db_i64(x->now), db_text(x->result)),
             e) < 0
             ? -1
             : 0;
}

static int tx_collect(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  json_decref(x->out); /* a retried transaction starts again */
  json_t *o = json_object();
  json_t *leads = json_array(), *contacts = json_array(), *mails = json_array(),
         *holds = json_array(), *drives = json_array();
  json_object_set_new(o, "leads", leads);
  json_object_set_new(o, "test_drives", drives);
  json_object_set_new(o, "contacts", contacts);
  json_object_set_new(o, "mails", mails);
  json_object_set_new(o, "legal_holds", holds);
  json_t *newsletter = json_array(), *records = json_array();
  json_object_set_new(o, "newsletter", newsletter);
  json_object_set_new(o, "processing_records", records);
  x->out = o;
  const struct db_param *p = DB_PARAMS(db_i64(x->tenant_id), db_text(x->email));

  /* leads, each with its timeline */
  db_stmt *st = db_query(
      c,
      "SELECT l.id, l.public_id, l.kind, l.topic, l.name, l.email, l.phone, l.message,"
      " l.preferred_date, l.status, l.created_at, l.privacy_notice,"
      " COALESCE((SELECT v.make || ' ' || v.model FROM vehicles v WHERE v.id = l.vehicle_id"
      " AND v.tenant_id = l.tenant_id), '')"
      " FROM leads l WHERE l.tenant_id = $1 AND lower(l.email) = $2 ORDER BY l.created_at, l.id",
      p, e);
  if (!st)
    return -1;
  struct row {
    int64_t id, created;
    char *pid, *kind, *topic, *name, *email, *phone, *msg, *date, *status, *notice, *vehicle;
  } r;
  int64_t *ids = arena_calloc(x->a, 1000, sizeof *ids);
  int nids = 0, rc;
  while (memset(&r, 0, sizeof r),
         (rc = db_next(st, x->a,
                       DB_ROW(db_out_i64(&r.id), db_out_text(&r.pid), db_out_text(&r.kind),
                              db_out_text(&r.topic), db_out_text(&r.name), db_out_text(&r.email),
                              db_out_text(&r.phone), db_out_text(&r.msg), db_out_text(&r.date),
                              db_out_text(&r.status), db_out_i64(&r.created),
                              db_out_text(&r.notice), db_out_text(&r.vehicle)),
                       e)) > 0) {
    const char *kind = r.topic && *r.topic ? r.topic : r.kind;
    json_array_append_new(
        leads, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:[]}", "id", js(r.pid),
                         "kind", js(kind), "vehicle", js(r.vehicle), "name", js(r.name), "email",
                         js(r.email), "phone", js(r.phone), "message", js(r.msg), "preferred_date",
                         js(r.date), "status", js(r.status), "created_at", jt(r.created),
                         "privacy_notice", js(r.notice), "timeline"));
    if (nids < 1000)
      ids[nids++] = r.id;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  for (int i = 0; i < nids; i++) {
    char *kind, *body, *sender;
    int64_t at;
    /* "from": the sender of a received mail (the person's own answers), else "" */
    static const char *const names[] = {"kind", "text", "from", "at"};
    static const int types[] = {'s', 's', 's', 't'};
    json_t *tl = json_object_get(json_array_get(leads, (size_t)i), "timeline");
    if (query_rows(
            c, x->a,
            "SELECT kind, body, sender, created_at FROM lead_activities WHERE tenant_id = $1"
            " AND lead_id = $2 ORDER BY created_at, id",
            DB_PARAMS(db_i64(x->tenant_id), db_i64(ids[i])), tl, names,
            DB_ROW(db_out_text(&kind), db_out_text(&body), db_out_text(&sender), db_out_i64(&at)),
            types, 4, e) < 0)
      return -1;
  }
  {
    /* test drives booked with the address (testdrive/), cancelled ones too */
    char *pid, *vehicle, *name, *email, *phone, *status, *locale, *lead;
    int64_t start, end, sms, reminded, cancelled, at;
    static const char *const names[] = {"id",       "vehicle",   "slot_start",  "slot_end",
                                        "name",     "email",     "phone",       "sms_consent",
                                        "language", "status",    "reminded_at", "cancelled_at",
                                        "lead",     "created_at"};
    static const int types[] = {'s', 's', 't', 't', 's', 's', 's',
                                'i', 's', 's', 't', 't', 's', 't'};
    if (query_rows(c, x->a,
                   "SELECT d.public_id, COALESCE((SELECT v.make || ' ' || v.model FROM vehicles v"
                   " WHERE v.id = d.vehicle_id AND v.tenant_id = d.tenant_id), ''),"
                   " d.slot_start, d.slot_end, d.name, d.email, d.phone, d.sms_consent, d.locale,"
                   " d.status, d.reminded_at, d.cancelled_at, d.lead_public_id, d.created_at"
                   " FROM test_drives d WHERE d.tenant_id = $1 AND lower(d.email) = $2"
                   " ORDER BY d.slot_start, d.id",
                   p, drives, names,
                   DB_ROW(db_out_text(&pid), db_out_text(&vehicle), db_out_i64(&start),
                          db_out_i64(&end), db_out_text(&name), db_out_text(&email),
                          db_out_text(&phone), db_out_i64(&sms), db_out_text(&locale),
                          db_out_text(&status), db_out_i64(&reminded), db_out_i64(&cancelled),
                          db_out_text(&lead), db_out_i64(&at)),
                   types, 14, e) < 0)
      return -1;
    for (size_t i = 0; i < json_array_size(drives); i++) {
      json_t *dr = json_array_get(drives, i);
      json_object_set_new(dr, "sms_consent",
                          json_boolean(json_integer_value(json_object_get(dr, "sms_consent"))));
    }
  }
  {
    char *pid, *name, *email, *phone;
    int64_t at;
    static const char *const names[] = {"id", "name", "email", "phone", "created_at"};
    static const int types[] = {'s', 's', 's', 's', 't'};
    if (query_rows(c, x->a,
                   "SELECT public_id, name, email, phone, created_at FROM contacts"
                   " WHERE tenant_id = $1 AND lower(email) = $2 ORDER BY id",
                   p, contacts, names,
                   DB_ROW(db_out_text(&pid), db_out_text(&name), db_out_text(&email),
                          db_out_text(&phone), db_out_i64(&at)),
                   types, 5, e) < 0)
      return -1;
  }
  {
    char *kind, *to, *subject, *body, *state;
    int64_t at;
    static const char *const names[] = {"kind", "to", "subject", "text", "state", "created_at"};
    static const int types[] = {'s', 's', 's', 's', 's', 't'};
    if (query_rows(c, x->a,
                   "SELECT kind, recipient, subject, body, state, created_at FROM outbox"
                   " WHERE tenant_id = $1 AND (recipient = $2 OR lower(reply_to) = $2)"
                   " ORDER BY created_at, id",
                   p, mails, names,
                   DB_ROW(db_out_text(&kind), db_out_text(&to), db_out_text(&subject),
                          db_out_text(&body), db_out_text(&state), db_out_i64(&at)),
                   types, 6, e) < 0)
      return -1;
  }
  {
    char *kind, *ref;
    int64_t until, restricted;
    static const char *const names[] = {"kind", "reference", "keep_until", "restricted_at"};
    static const int types[] = {'s', 's', 't', 't'};
    if (query_rows(c, x->a,
                   "SELECT kind, reference, keep_until, restricted_at FROM legal_holds"
                   " WHERE tenant_id = $1 AND lower(email) = $2 ORDER BY id",
                   p, holds, names,
                   DB_ROW(db_out_text(&kind), db_out_text(&ref), db_out_i64(&until),
                          db_out_i64(&restricted)),
                   types, 4, e) < 0)
      return -1;
  }
  {
    char *status, *locale, *source;
    int64_t at, confirmed;
    static const char *const names[] = {"status", "language", "source", "created_at",
                                        "confirmed_at"};
    static const int types[] = {'s', 's', 's', 't', 't'};
    if (query_rows(c, x->a,
                   "SELECT status, locale, source, created_at, confirmed_at"
                   " FROM newsletter_subscribers WHERE tenant_id = $1 AND email = $2 ORDER BY id",
                   p, newsletter, names,
                   DB_ROW(db_out_text(&status), db_out_text(&locale), db_out_text(&source),
                          db_out_i64(&at), db_out_i64(&confirmed)),
                   types, 5, e) < 0)
      return -1;
  }
  {
    /* the processing records with the notice each form showed */
    char *form, *purpose, *basis, *ip, *hash, *text;
    int64_t at;
    static const char *const names[] = {"form",          "purpose", "legal_basis", "ip_prefix",
                                        "notice_sha256", "notice",  "at"};
    static const int types[] = {'s', 's', 's', 's', 's', 's', 't'};
    if (query_rows(
            c, x->a,
            "SELECT r.form, r.purpose, r.legal_basis, r.ip, r.text_hash,"
            " COALESCE(t.body, ''), r.created_at FROM processing_records r"
            " LEFT JOIN consent_texts t ON t.tenant_id = r.tenant_id AND t.hash = r.text_hash"
            " WHERE r.tenant_id = $1 AND r.email = $2 ORDER BY r.created_at, r.id",
            p, records, names,
            DB_ROW(db_out_text(&form), db_out_text(&purpose), db_out_text(&basis), db_out_text(&ip),
                   db_out_text(&hash), db_out_text(&text), db_out_i64(&at)),
            types, 7, e) < 0)
      return -1;
  }
  return complete_requests(c, x, e);
}

static int tx_collect_buyer(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  struct buyer_account acc;
  int rc = buyer_account_get(c, x->a, x->user_id, &acc, e);
  if (rc <= 0)
    return rc;
  struct buyer_favourite *fav;
  struct buyer_search *srch;
  int nfav = 0, nsrch = 0;
  if (buyer_fav_list(c, x->a, x->user_id, &fav, &nfav, e) < 0 ||
      buyer_search_list(c, x->a, x->user_id, &srch, &nsrch, e) < 0)
    return -1;
  json_t *favs = json_array(), *searches = json_array();
  for (int i = 0; i < nfav; i++)
    json_array_append_new(favs,
                          json_pack("{s:o,s:o,s:o}", "vehicle", js(fav[i].vehicle_id), "title",
                                    js(fav[i].title), "added_at", jt(fav[i].created_at)));
  for (int i = 0; i < nsrch; i++)
    json_array_append_new(searches, json_pack("{s:o,s:o,s:b,s:o}", "name", js(srch[i].name),
                                              "query", js(srch[i].query), "alert", srch[i].alert,
                                              "created_at", jt(srch[i].created_at)));
  x->out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "email", js(acc.email), "name", js(acc.name),
                     "language", js(acc.locale), "created_at", jt(acc.created_at), "favourites",
                     favs, "saved_searches", searches);
  return 0;
}

static int tx_platform_mails(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  char *kind, *subject, *body, *state;
  int64_t at;
  static const char *const names[] = {"kind", "subject", "text", "state", "created_at"};
  static const int types[] = {'s', 's', 's', 's', 't'};
  x->out = json_array();
  return query_rows(c, x->a,
                    DB_SQL(c,
                           "SELECT kind, subject, body, state, created_at FROM outbox"
                           " WHERE tenant_id IS NULL AND recipient = $1 ORDER BY created_at, id",
                           "SELECT kind, subject, body, state, created_at"
                           " FROM cc24_privacy_platform_mails($1)"),
                    DB_PARAMS(db_text(x->email)), x->out, names,
                    DB_ROW(db_out_text(&kind), db_out_text(&subject), db_out_text(&body),
                           db_out_text(&state), db_out_i64(&at)),
                    types, 5, e);
}

static json_t *collect(db *d, struct arena *a, const char *email, const char *hash, int64_t now,
                       bool complete, struct err *e)
{
  struct who w = {.a = a, .email = email};
  if (who_holds(d, &w, e) < 0)
    return NULL;
  json_t *doc = json_object(), *dealers = json_array();
  json_object_set_new(doc, "email", js(email));
  json_object_set_new(doc, "generated_at", jt(now));
  json_object_set_new(doc, "dealers", dealers);
  struct collect_arg x = {.a = a,
                          .email = email,
                          .hash = hash,
                          .now = now,
                          .complete = complete,
                          .result = "delivered"};
  for (int i = 0; i < w.ntenants; i++) {
    x.tenant_id = w.tenants[i];
    x.out = NULL;
    if (db_tx(d, x.tenant_id, complete ? DB_WRITE : DB_READ, tx_collect, &x, e) < 0) {
      json_decref(x.out);
      json_decref(doc);
      return NULL;
    }
    json_object_set_new(x.out, "dealer", js(tenant_name(&w, x.tenant_id)));
    json_object_set_new(x.out, "dealer_slug", js(tenant_slug(&w, x.tenant_id)));
    json_array_append_new(dealers, x.out);
  }
  x.out = NULL;
  if (w.buyer_id) {
    x.user_id = w.buyer_id;
    if (db_tx_user(d, w.buyer_id, DB_READ, tx_collect_buyer, &x, e) < 0) {
      json_decref(x.out);
      json_decref(doc);
      return NULL;
    }
  }
  json_object_set_new(doc, "buyer_account", x.out ? x.out : json_null());
  x.out = NULL;
  if (db_tx(d, 0, DB_READ, tx_platform_mails, &x, e) < 0) {
    json_decref(x.out);
    json_decref(doc);
    return NULL;
  }
  json_object_set_new(doc, "platform_mails", x.out);
  return doc;
}

json_t *privacy_collect_email(db *d, struct arena *a, const char *email, struct err *e)
{
  return collect(d, a, email, "", time_now(), false, e);
}

/* ---- the erasure ---- */

static int tx_erase(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  json_decref(x->out); /* a retried transaction starts again */
  x->out = NULL;
  const struct db_param *p = DB_PARAMS(db_i64(x->tenant_id), db_text(x->email));
  int64_t won = 0, contacts_before = 0, contacts_after = 0, drives_before = 0, drives_after = 0;
  /* what a legal duty keeps: restricted (Art. 18), listed in the answer */
  if (db_exec(c,
              "UPDATE legal_holds SET restricted_at = $3 WHERE tenant_id = $1"
              " AND lower(email) = $2 AND keep_until > $3 AND restricted_at = 0",
              DB_PARAMS(db_i64(x->tenant_id), db_text(x->email), db_i64(x->now)), e) < 0 ||
      db_exec(c,
              "DELETE FROM legal_holds WHERE tenant_id = $1 AND lower(email) = $2"
              " AND keep_until <= $3",
              DB_PARAMS(db_i64(x->tenant_id), db_text(x->email), db_i64(x->now)), e) < 0 ||
      db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM leads WHERE tenant_id = $1 AND lower(email) = $2"
                   " AND status = $3 AND anonymised_at = 0",
                   DB_PARAMS(db_i64(x->tenant_id), db_text(x->email), db_text(LEAD_STATUS_WON)),
                   DB_ROW(db_out_i64(&won)), e) < 0 ||
      db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM contacts WHERE tenant_id = $1 AND lower(email) = $2", p,
                   DB_ROW(db_out_i64(&contacts_before)), e) < 0 ||
      db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM test_drives WHERE tenant_id = $1 AND lower(email) = $2", p,
                   DB_ROW(db_out_i64(&drives_before)), e) < 0)
    return -1;
  json_t *kept = json_array();
  x->out = json_pack("{s:o,s:o}", "dealer", json_string(""), "kept", kept);
  {
    char *kind, *ref;
    int64_t until, restricted;
    static const char *const names[] = {"kind", "reference", "keep_until", "restricted_at"};
    static const int types[] = {'s', 's', 't', 't'};
    if (query_rows(c, x->a,
                   "SELECT kind, reference, keep_until, restricted_at FROM legal_holds"
                   " WHERE tenant_id = $1 AND lower(email) = $2 ORDER BY id",
                   p, kept, names,
                   DB_ROW(db_out_text(&kind), db_out_text(&ref), db_out_i64(&until),
                          db_out_i64(&restricted)),
                   types, 4, e) < 0)
      return -1;
  }
  if (won > 0)
    json_array_append_new(kept, json_pack("{s:s,s:s,s:I}", "kind", "sale", "reference", "", "leads",
                                          (json_int_t)won));
  int leads = lead_anonymise(c, x->tenant_id, x->now, INT64_MAX, x->email, e);
  if (leads < 0)
    return -1;
  int mails = db_exec(c,
                      "DELETE FROM outbox WHERE tenant_id = $1 AND (recipient = $2"
                      " OR lower(reply_to) = $2) AND state <> 'sending'",
                      p, e);
  /* the newsletter address goes; its records (and every other) lose the address */
  int newsletter =
      mails < 0
          ? -1
          : db_exec(c, "DELETE FROM newsletter_subscribers WHERE tenant_id = $1 AND email = $2", p,
                    e);
  if (mails < 0 || newsletter < 0 || consent_forget(c, x->tenant_id, x->email, e) < 0 ||
      db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM contacts WHERE tenant_id = $1 AND lower(email) = $2", p,
                   DB_ROW(db_out_i64(&contacts_after)), e) < 0 ||
      db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM test_drives WHERE tenant_id = $1 AND lower(email) = $2", p,
                   DB_ROW(db_out_i64(&drives_after)), e) < 0)
    return -1;
  int64_t contacts = contacts_before - contacts_after;
  /* lead_anonymise cleared the test drives booked with the anonymised leads */
  json_object_set_new(x->out, "test_drives_anonymised", json_integer(drives_before - drives_after));
  json_object_set_new(x->out, "has_kept", json_boolean(json_array_size(kept) > 0));
  json_object_set_new(x->out, "leads_anonymised", json_integer(leads));
  json_object_set_new(x->out, "contacts_cleared", json_integer(contacts));
  json_object_set_new(x->out, "mails_deleted", json_integer(mails));
  json_object_set_new(x->out, "newsletter_deleted", json_integer(newsletter));
  x->result =
      arena_printf(x->a, "leads=%d contacts=%lld test_drives=%lld mails=%d newsletter=%d kept=%d",
                   leads, (long long)contacts, (long long)(drives_before - drives_after), mails,
                   newsletter, (int)json_array_size(kept));
  return complete_requests(c, x, e);
}

static int tx_erase_buyer(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  int fav = 0, srch = 0;
  if (session_destroy_user(c, x->user_id, e) < 0)
    return -1;
  int rc = buyer_account_erase(c, x->user_id, &fav, &srch, e);
  if (rc <= 0)
    return rc;
  x->out = json_pack("{s:b,s:i,s:i}", "erased", 1, "favourites", fav, "saved_searches", srch);
  return auth_audit(c, 0, 0, "buyer.erased",
                    arena_printf(x->a, "favourites=%d searches=%d request=privacy", fav, srch), "",
                    e);
}

static int tx_erase_platform(db_conn *c, void *arg, struct err *e)
{
  struct collect_arg *x = arg;
  int n = 0;
  if (db_conn_backend(c) == DB_PG) {
    if (db_query_one(c, NULL, "SELECT cc24_privacy_platform_erase($1)",
                     DB_PARAMS(db_text(x->email)), DB_ROW(db_out_int(&n)), e) < 0)
      return -1;
  } else {
    n = db_exec(c,
                "DELETE FROM outbox WHERE tenant_id IS NULL AND recipient = $1"
                " AND state <> 'sending'",
                DB_PARAMS(db_text(x->email)), e);
    if (n < 0 || db_exec(c, "UPDATE privacy_tokens SET email = '' WHERE email = $1",
                         DB_PARAMS(db_text(x->email)), e) < 0)
      return -1;
  }
  x->out = json_integer(n);
  return 0;
}

static json_t *erase(db *d, struct arena *a, const char *email, const char *hash, int64_t now,
                     struct err *e)
{
  struct who w = {.a = a, .email = email};
  if (who_holds(d, &w, e) < 0)
    return NULL;
  json_t *doc = json_object(), *dealers = json_array();
  json_object_set_new(doc, "email", js(email));
  json_object_set_new(doc, "erased_at", jt(now));
  json_object_set_new(doc, "dealers", dealers);
  struct collect_arg x = {.a = a, .email = email, .hash = hash, .now = now, .complete = true};
  for (int i = 0; i < w.ntenants; i++) {
    x.tenant_id = w.tenants[i];
    x.out = NULL;
    if (db_tx(d, x.tenant_id, DB_WRITE, tx_erase, &x, e) < 0) {
      json_decref(x.out);
      json_decref(doc);
      return NULL;
    }
    json_object_set_new(x.out, "dealer", js(tenant_name(&w, x.tenant_id)));
    json_array_append_new(dealers, x.out);
  }
  x.out = NULL;
  if (w.buyer_id) {
    x.user_id = w.buyer_id;
    if (db_tx_user(d, w.buyer_id, DB_WRITE, tx_erase_buyer, &x, e) < 0) {
      json_decref(x.out);
      json_decref(doc);
      return NULL;
    }
  }
  json_object_set_new(doc, "buyer_account", x.out ? x.out : json_null());
  x.out = NULL;
  if (db_tx(d, 0, DB_WRITE, tx_erase_platform, &x, e) < 0) {
    json_decref(doc);
    return NULL;
  }
  json_object_set_new(doc, "platform_mails_deleted", x.out);
  return doc;
}

json_t *privacy_erase_email(db *d, struct arena *a, const char *email, int64_t now, struct err *e)
{
  return erase(d, a, email, "", now, e);
}

static int use_link(db *d, struct arena *a, const char *secret, int64_t now, bool erasure,
                    json_t **out, struct err *e)
{
  *out = NULL;
  struct link l;
  if (link_check(d, a, secret, now, erasure ? PRIVACY_ERASURE : PRIVACY_ACCESS, &l, e) < 0)
    return -1;
  if (l.state != PRIVACY_LINK_OK) {
    free((void *)l.email);
    return l.state;
  }
  const char *email = arena_strdup(a, l.email);
  free((void *)l.email);
  *out = erasure ? erase(d, a, email, l.hash, now, e)
                 : collect(d, a, email, l.hash, now, l.first_use, e);
  return *out ? PRIVACY_LINK_OK : -1;
}

int privacy_access(db *d, struct arena *a, const char *secret, int64_t now, json_t **out,
                   struct err *e)
{
  return use_link(d, a, secret, now, false, out, e);
}

int privacy_erase(db *d, struct arena *a, const char *secret, int64_t now, json_t **out,
                  struct err *e)
{
  return use_link(d, a, secret, now, true, out, e);
}

/* ---- the dealer's list ---- */

int privacy_request_list(db_conn *c, struct arena *a, int64_t tenant_id, int max,
                         struct privacy_request_row **out, int *n, struct err *e)
{
  *out = NULL;
  *n = 0;
  if (max < 1 || max > 500)
    max = 100;
  db_stmt *st = db_query(c,
                         "SELECT public_id, kind, status, result, received_at, due_at,"
                         " completed_at FROM privacy_requests WHERE tenant_id = $1"
                         " ORDER BY received_at DESC, id DESC LIMIT $2",
                         DB_PARAMS(db_i64(tenant_id), db_i64(max)), e);
  if (!st)
    return -1;
  *out = arena_calloc(a, (size_t)max, sizeof **out);
  struct privacy_request_row r;
  int rc;
  while (memset(&r, 0, sizeof r),
         (rc = db_next(st, a,
                       DB_ROW(db_out_text((char **)&r.public_id), db_out_text((char **)&r.kind),
                              db_out_text((char **)&r.status), db_out_text((char **)&r.result),
                              db_out_i64(&r.received_at), db_out_i64(&r.due_at),
                              db_out_i64(&r.completed_at)),
                       e)) > 0)
    (*out)[(*n)++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* ---- the sweep of unconfirmed requests ---- */

int privacy_sweep(db_conn *c, int64_t now, struct privacy_sweep_stats *st, struct err *e)
{
  *st = (struct privacy_sweep_stats){0};
  if (db_conn_backend(c) == DB_PG)
    return db_query_one(
               c, NULL, "SELECT tokens, requests FROM cc24_privacy_sweep($1, $2, $3)",
               DB_PARAMS(db_i64(now), db_i64(PRIVACY_TOKEN_TTL), db_i64(PRIVACY_TOKEN_GRACE)),
               DB_ROW(db_out_i64(&st->tokens), db_out_i64(&st->requests)), e) == 1
               ? 0
               : -1;
  int rc = db_exec(c, "DELETE FROM privacy_tokens WHERE expires_at <= $1",
                   DB_PARAMS(db_i64(now - PRIVACY_TOKEN_GRACE)), e);
  if (rc < 0)
    return -1;
  st->tokens = rc;
  /* a confirmed request is completed at once (the first use of its link), so one still
   * waiting when its link has run out was never confirmed */
  rc = db_exec(c, "DELETE FROM privacy_requests WHERE status = 'waiting' AND received_at <= $1",
               DB_PARAMS(db_i64(now - PRIVACY_TOKEN_TTL)), e);
  if (rc < 0)
    return -1;
  st->requests = rc;
  return 0;
}

struct sweep_arg {
  int64_t now, run_at, except;
  struct privacy_sweep_stats st;
};

static int tx_sweep(db_conn *c, void *arg, struct err *e)
{
  struct sweep_arg *x = arg;
  return privacy_sweep(c, x->now, &x->st, e);
}

static int tx_sweep_next(db_conn *c, void *arg, struct err *e)
{
  struct sweep_arg *x = arg;
  return jobs_schedule_single(c, PRIVACY_SWEEP_KIND, x->run_at, x->except, e) < 0 ? -1 : 0;
}

static int job_sweep(struct job_ctx *job, struct err *e)
{
  struct sweep_arg x = {.now = time_now(), .except = job->id};
  /* the successor first, as the retention job does: a failing run keeps the chain */
  x.run_at = x.now + PRIVACY_SWEEP_INTERVAL;
  if (db_tx(job->db, 0, DB_WRITE, tx_sweep_next, &x, e) < 0)
    return -1;
  if (db_tx(job->db, 0, DB_WRITE, tx_sweep, &x, e) < 0)
    return -1;
  if (x.st.tokens || x.st.requests)
    log_info("privacy sweep: %lld expired links, %lld unconfirmed requests removed",
             (long long)x.st.tokens, (long long)x.st.requests);
  return 0;
}

void privacy_sweep_register(void)
{
  jobs_register(PRIVACY_SWEEP_KIND, job_sweep);
}

int privacy_sweep_schedule(db *d, struct err *e)
{
  struct sweep_arg x = {.run_at = 0, .except = 0};
  return db_tx(d, 0, DB_WRITE, tx_sweep_next, &x, e);
}
