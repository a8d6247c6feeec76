/* mail.c — the outbox as a delivery queue: queueing, the `mail.send` job, the
 * operator's view. See mail.h for the guarantees. */
#include "mail/mail.h"

#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"
#include "mail/mime.h"
#include "mail/smtp.h"
#include "render/i18n.h"
#include "render/render.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_SEND    "mail.send"
#define SUBJECT_MAX 300
#define BODY_MAX    (512 * 1024)
#define BACKOFF_CAP (4 * 3600)
#define ERROR_MAX   250

static struct tmpl_set *g_tmpl;

/* The sender and the operator read and update every dealer's mails: on PostgreSQL the
 * transaction says so (policy outbox_mailer of migration 0015). */
static int as_mailer(db_conn *c, struct err *e)
{
  if (db_conn_backend(c) != DB_PG)
    return 0;
  return db_exec(c, "SELECT set_config('cc24.mailer', $1, true)", DB_PARAMS(db_text("on")), e) < 0
             ? -1
             : 0;
}

static bool smtp_on(void)
{
  return cfg.smtp_url && *cfg.smtp_url;
}

/* The sender's address from mail-from (also before the configuration is loaded). */
static void sender(char name[128], char addr[256])
{
  mime_split_from(cfg.mail_from ? cfg.mail_from : "noreply@cc24.localhost", name, 128, addr, 256);
}

/* ------------------------------------------------------------------ the layout */

/* One line of text as segments: plain text and links (http:// and https://). */
static json_t *segments(const char *s, size_t n)
{
  json_t *segs = json_array();
  size_t i = 0, start = 0;
  while (i < n) {
    bool http = n - i > 7 && !strncmp(s + i, "http://", 7);
    bool https = n - i > 8 && !strncmp(s + i, "https://", 8);
    if (!http && !https) {
      i++;
      continue;
    }
    if (i > start)
      json_array_append_new(segs, json_pack("{s:s%}", "text", s + start, i - start));
    size_t j = i;
    while (j < n && (unsigned char)s[j] > ' ' && s[j] != '<' && s[j] != '>' && s[j] != '"')
      j++;
    /* a sentence's full stop or comma is not part of the link */
    while (j > i && strchr(".,;:!?)", s[j - 1]))
      j--;
    json_array_append_new(segs,
                          json_pack("{s:s%,s:s%}", "href", s + i, j - i, "label", s + i, j - i));
    i = start = j;
  }
  if (n > start)
    json_array_append_new(segs, json_pack("{s:s%}", "text", s + start, n - start));
  return segs;
}

/* Paragraphs (split at blank lines) of lines of segments. */
static json_t *paragraphs(const char *text)
{
  json_t *ps = json_array();
  json_t *lines = NULL;
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    size_t m = n;
    if (m && p[m - 1] == '\r')
      m--;
    bool blank = true;
    for (size_t k = 0; k < m; k++)
      if (p[k] != ' ' && p[k] != '\t')
        blank = false;
    if (blank) {
      if (lines) {
        json_array_append_new(ps, json_pack("{s:o}", "lines", lines));
        lines = NULL;
      }
    } else {
      if (!lines)
        lines = json_array();
      json_array_append_new(
          lines, json_pack("{s:b,s:o}", "br", json_array_size(lines) > 0, "segs", segments(p, m)));
    }
    p += n + (nl ? 1 : 0);
  }
  if (lines)
    json_array_append_new(ps, json_pack("{s:o}", "lines", lines));
  return ps;
}

const char *mail_html_from_text(struct arena *a, const char *locale, const char *subject,
                                const char *text)
{
  if (!g_tmpl)
    return "";
  const char *loc = locale && !strcmp(locale, "en") ? "en" : "de";
  json_t *ctx = json_object();
  json_object_set_new(ctx, "lang", json_string(loc));
  json_object_set_new(ctx, "subject", json_string(subject));
  json_object_set_new(ctx, "paragraphs", paragraphs(text));
  json_object_set_new(ctx, "base_url", json_string(cfg.base_url));
  json_object_set_new(ctx, "footer", json_string(i18n_get(loc, "mail.footer")));
  json_object_set_new(ctx, "auto_note", json_string(i18n_get(loc, "mail.auto_note")));
  struct buf b;
  buf_init(&b, a);
  struct err e = {0};
  int rc = render_page(g_tmpl, "mail/layout", ctx, &b, &e);
  json_decref(ctx);
  if (rc < 0) {
    log_warn("mail: layout: %s", e.msg);
    return "";
  }
  return buf_cstr(&b);
}

/* ------------------------------------------------------------------- queueing */

static const char *domain_of(const char *addr)
{
  const char *at = strrchr(addr, '@');
  return at ? at + 1 : "";
}

static char *one_line(struct arena *a, const char *s)
{
  char *c = arena_strdup(a, s ? s : "");
  for (char *p = c; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return str_trim(a, c);
}

int mail_queue(db_conn *c, const struct mail *m, struct err *e)
{
  struct arena *a = arena_new(0);
  int rc = -1;
  char *to = auth_email_normalize(a, m->to);
  if (!to || strchr(to, '\r') || strchr(to, '\n')) {
    err_set(e, CC24_E_VALIDATION, "to: not a valid e-mail address");
    goto out;
  }
  const char *reply = "";
  if (m->reply_to && *m->reply_to) {
    reply = auth_email_normalize(a, m->reply_to);
    if (!reply) {
      err_set(e, CC24_E_VALIDATION, "reply_to: not a valid e-mail address");
      goto out;
    }
  }
  char *subject = one_line(a, m->subject);
  if (!*subject || strlen(subject) > SUBJECT_MAX) {
    err_set(e, CC24_E_VALIDATION, "subject: empty or longer than %d bytes", SUBJECT_MAX);
    goto out;
  }
  const char *text = m->text ? m->text : "";
  if (strlen(text) > BODY_MAX || (m->html && strlen(m->html) > BODY_MAX)) {
    err_set(e, CC24_E_VALIDATION, "text: longer than %d bytes", BODY_MAX);
    goto out;
  }
  if (!utf8_valid(subject, strlen(subject)) || !utf8_valid(text, strlen(text))) {
    err_set(e, CC24_E_INVALID_UTF8, "subject or text is not UTF-8");
    goto out;
  }
  const char *loc = m->locale && !strcmp(m->locale, "en") ? "en" : "de";
  const char *html = m->html ? m->html : mail_html_from_text(a, loc, subject, text);
  const char *unsub = m->list_unsubscribe ? one_line(a, m->list_unsubscribe) : "";
  char pub[ID_LEN + 1], name[128], from[256];
  id_new(pub);
  sender(name, from);
  const char *mid = arena_printf(a, "%s.%lld@%s", pub, (long long)time_now(), domain_of(from));
  if (db_exec(c,
              "INSERT INTO outbox (tenant_id, recipient, subject, body, created_at, public_id,"
              " kind, locale, html, reply_to, list_unsubscribe, message_id, domain, state,"
              " job_queued, lead_id)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'queued', $14,"
              " $15)",
              DB_PARAMS(m->tenant_id > 0 ? db_i64(m->tenant_id) : db_null(), db_text(to),
                        db_text(subject), db_text(text), db_i64(time_now()), db_text(pub),
                        db_text(m->kind ? m->kind : ""), db_text(loc), db_text(html),
                        db_text(reply), db_text(unsub), db_text(mid), db_text(domain_of(to)),
                        db_i64(smtp_on() ? 1 : 0), db_i64(m->lead_id > 0 ? m->lead_id : 0)),
              e) < 0)
    goto out;
  /* the row's id without reading it back (row-level security lets the public add a
     mail, not read one) */
  int64_t id = 0;
  if (db_query_one(c, a,
                   DB_SQL(c, "SELECT last_insert_rowid()",
                          "SELECT currval(pg_get_serial_sequence('outbox', 'id'))"),
                   NULL, DB_ROW(db_out_i64(&id)), e) != 1)
    goto out;
  for (int i = 0; i < m->natt; i++) {
    const struct mail_attachment *at = &m->att[i];
    size_t cap = sodium_base64_encoded_len(at->len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = arena_alloc(a, cap);
    sodium_bin2base64(b64, cap, at->data, at->len, sodium_base64_VARIANT_ORIGINAL);
    if (db_exec(c,
                "INSERT INTO outbox_attachments (outbox_id, filename, mime, content_b64)"
                " VALUES ($1, $2, $3, $4)",
                DB_PARAMS(db_i64(id), db_text(at->filename ? at->filename : "attachment"),
                          db_text(at->mime ? at->mime : "application/octet-stream"), db_text(b64)),
                e) < 0)
      goto out;
  }
  if (smtp_on()) {
    char payload[64];
    snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)id);
    if (jobs_enqueue(c, JOB_SEND, payload, m->tenant_id, 0, e) < 0)
      goto out;
  }
  rc = 0;
out:
  arena_free(a);
  return rc;
}

/* ------------------------------------------------------------------ delivery */

struct msg {
  int64_t id, tenant_id;
  char *recipient, *subject, *text, *html, *reply_to, *unsub, *message_id, *state, *locale;
  char *domain;
  int64_t created_at, locked_until, next_attempt_at;
  int attempts;
  struct mime_attachment *att;
  int natt;
};

static int load(db_conn *c, struct arena *a, int64_t id, struct msg *m, struct err *e)
{
  memset(m, 0, sizeof *m);
  int rc = db_query_one(
      c, a,
      "SELECT id, COALESCE(tenant_id, 0), recipient, subject, body, html, reply_to,"
      " list_unsubscribe, message_id, state, locale, domain, created_at, locked_until,"
      " next_attempt_at, attempts FROM outbox WHERE id = $1",
      DB_PARAMS(db_i64(id)),
      DB_ROW(db_out_i64(&m->id), db_out_i64(&m->tenant_id), db_out_text(&m->recipient),
             db_out_text(&m->subject), db_out_text(&m->text), db_out_text(&m->html),
             db_out_text(&m->reply_to), db_out_text(&m->unsub), db_out_text(&m->message_id),
             db_out_text(&m->state), db_out_text(&m->locale), db_out_text(&m->domain),
             db_out_i64(&m->created_at), db_out_i64(&m->locked_until),
             db_out_i64(&m->next_attempt_at), db_out_int(&m->attempts)),
      e);
  if (rc != 1)
    return rc;
  db_stmt *st = db_query(c,
                         "SELECT filename, mime, content_b64 FROM outbox_attachments"
                         " WHERE outbox_id = $1 ORDER BY id",
                         DB_PARAMS(db_i64(id)), e);
  if (!st)
    return -1;
  char *fn, *mime, *b64;
  int cap = 0;
  while ((rc = db_next(st, a, DB_ROW(db_out_text(&fn), db_out_text(&mime), db_out_text(&b64)),
                       e)) == 1) {
    if (m->natt == cap) {
      cap = cap ? cap * 2 : 4;
      struct mime_attachment *n = arena_alloc(a, sizeof *n * (size_t)cap);
      if (m->natt)
        memcpy(n, m->att, sizeof *n * (size_t)m->natt);
      m->att = n;
    }
    size_t blen = strlen(b64);
    unsigned char *bin = arena_alloc(a, blen + 1);
    size_t len = 0;
    if (sodium_base642bin(bin, blen + 1, b64, blen, "\r\n", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
      len = 0;
    m->att[m->natt++] = (struct mime_attachment){fn, mime, bin, len};
  }
  db_finish(st);
  return rc < 0 ? -1 : 1;
}

/* The message as it goes out (also what `cc24 outbox show` prints). */
static const char *message_text(struct arena *a, const struct msg *m)
{
  char name[128], from[256];
  sender(name, from);
  struct mime_msg mm = {
      .from_name = name,
      .from_addr = from,
      .to = m->recipient,
      .reply_to = m->reply_to,
      .subject = m->subject,
      .text = m->text,
      .html = m->html,
      .message_id = m->message_id,
      .date = m->created_at,
      .lang = m->locale,
      .list_unsubscribe = m->unsub,
      .att = m->att,
      .natt = m->natt,
  };
  struct buf b;
  buf_init(&b, a);
  mime_write(&b, &mm);
  return buf_cstr(&b);
}

enum claim { CLAIM_NONE, CLAIM_OK, CLAIM_LATER };

struct claim_arg {
  struct arena *a;
  int64_t id, now, lock_until, later;
  struct msg m;
  enum claim result;
};

static int tx_claim(db_conn *c, void *arg, struct err *e)
{
  struct claim_arg *x = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  int rc = load(c, x->a, x->id, &x->m, e);
  if (rc <= 0)
    return rc; /* gone (erased with its data): nothing to send */
  struct msg *m = &x->m;
  bool due = (!strcmp(m->state, "queued") && m->next_attempt_at <= x->now) ||
             (!strcmp(m->state, "sending") && m->locked_until < x->now);
  if (!due) {
    /* sent, dead, or another worker is on it; a queued row that is not yet due has its
       own job for then */
    x->result = CLAIM_NONE;
    return 0;
  }
  /* per recipient domain and minute */
  int64_t count = 0, oldest = 0;
  if (db_query_one(c, x->a,
                   "SELECT count(*), COALESCE(min(sent_at), 0) FROM outbox"
                   " WHERE domain = $1 AND state = 'sent' AND sent_at > $2",
                   DB_PARAMS(db_text(m->domain), db_i64(x->now - 60)),
                   DB_ROW(db_out_i64(&count), db_out_i64(&oldest)), e) < 0)
    return -1;
  if (count >= cfg.mail_domain_rate) {
    x->later = oldest + 61;
    char payload[64];
    snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)m->id);
    x->result = CLAIM_LATER;
    return db_exec(c, "UPDATE outbox SET next_attempt_at = $2, state = 'queued' WHERE id = $1",
                   DB_PARAMS(db_i64(m->id), db_i64(x->later)), e) < 0 ||
                   jobs_enqueue(c, JOB_SEND, payload, m->tenant_id, x->later, e) < 0
               ? -1
               : 0;
  }
  if (db_exec(c,
              "UPDATE outbox SET state = 'sending', attempts = attempts + 1, locked_until = $2"
              " WHERE id = $1",
              DB_PARAMS(db_i64(m->id), db_i64(x->lock_until)), e) < 0)
    return -1;
  m->attempts++;
  x->result = CLAIM_OK;
  return 0;
}

struct mark_arg {
  struct msg *m;
  int64_t now;
  bool ok;
  const char *error;
};

static int64_t backoff(int attempts)
{
  int64_t d = cfg.mail_retry_seconds;
  for (int i = 1; i < attempts && d < BACKOFF_CAP; i++)
    d *= 2;
  return d < BACKOFF_CAP ? d : BACKOFF_CAP;
}

static int tx_mark(db_conn *c, void *arg, struct err *e)
{
  struct mark_arg *x = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  if (x->ok)
    return db_exec(c,
                   "UPDATE outbox SET state = 'sent', sent_at = $2, locked_until = 0,"
                   " last_error = '' WHERE id = $1",
                   DB_PARAMS(db_i64(x->m->id), db_i64(x->now)), e) < 0
               ? -1
               : 0;
  if (x->m->attempts >= cfg.mail_max_attempts)
    return db_exec(c,
                   "UPDATE outbox SET state = 'dead', locked_until = 0, last_error = $2"
                   " WHERE id = $1",
                   DB_PARAMS(db_i64(x->m->id), db_text(x->error)), e) < 0
               ? -1
               : 0;
  int64_t next = x->now + backoff(x->m->attempts);
  char payload[64];
  snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)x->m->id);
  return db_exec(c,
                 "UPDATE outbox SET state = 'queued', locked_until = 0, last_error = $2,"
                 " next_attempt_at = $3 WHERE id = $1",
                 DB_PARAMS(db_i64(x->m->id), db_text(x->error), db_i64(next)), e) < 0 ||
                 jobs_enqueue(c, JOB_SEND, payload, x->m->tenant_id, next, e) < 0
             ? -1
             : 0;
}

int mail_deliver(db *d, int64_t id, int64_t now, struct err *e)
{
  struct arena *a = arena_new(0);
  struct claim_arg x = {.a = a, .id = id, .now = now, .lock_until = now + cfg.job_lock_seconds};
  int rc = db_tx(d, 0, DB_WRITE, tx_claim, &x, e);
  if (rc < 0 || x.result != CLAIM_OK) {
    arena_free(a);
    return rc < 0 ? -1 : 0;
  }
  struct mark_arg mk = {.m = &x.m, .now = now};
  if (!smtp_on()) {
    mk.error = "smtp-url is not set";
  } else {
    const char *msg = message_text(a, &x.m);
    char name[128], from[256];
    sender(name, from);
    struct smtp_result r;
    int64_t t0 = time_mono_ms();
    if (smtp_send(cfg.smtp_url, from, x.m.recipient, msg, strlen(msg), cfg.mail_timeout_seconds,
                  &r) == 0) {
      mk.ok = true;
      log_info("mail %lld to %s sent in %lld ms", (long long)id, x.m.domain,
               (long long)(time_mono_ms() - t0));
    } else {
      mk.error = arena_printf(a, "%.*s", ERROR_MAX, r.error);
      log_warn("mail %lld to %s: attempt %d failed: %s", (long long)id, x.m.domain, x.m.attempts,
               r.error);
    }
  }
  mk.now = mk.ok ? time_now() : now;
  rc = db_tx(d, 0, DB_WRITE, tx_mark, &mk, e);
  arena_free(a);
  return rc < 0 ? -1 : 1;
}

static int job_send(struct job_ctx *job, struct err *e)
{
  json_t *v = json_object_get(job->payload, "outbox_id");
  if (!json_is_integer(v))
    return 0; /* a malformed job: nothing to retry */
  return mail_deliver(job->db, json_integer_value(v), time_now(), e) < 0 ? -1 : 0;
}

/* Mails queued while there was no SMTP server get their job now. */
static int tx_backlog(db_conn *c, void *arg, struct err *e)
{
  int *n = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  struct arena *a = arena_new(0);
  db_stmt *st = db_query(c,
                         "SELECT id, COALESCE(tenant_id, 0) FROM outbox"
                         " WHERE state = 'queued' AND job_queued = 0 ORDER BY id LIMIT 10000",
                         NULL, e);
  int rc = -1;
  if (!st)
    goto out;
  int64_t id, tenant;
  int cap = 64, cnt = 0;
  int64_t(*ids)[2] = malloc(sizeof *ids * (size_t)cap);
  while ((rc = db_next(st, a, DB_ROW(db_out_i64(&id), db_out_i64(&tenant)), e)) == 1) {
    if (cnt == cap) {
      cap *= 2;
      ids = realloc(ids, sizeof *ids * (size_t)cap);
    }
    ids[cnt][0] = id;
    ids[cnt][1] = tenant;
    cnt++;
  }
  db_finish(st);
  for (int i = 0; rc == 0 && i < cnt; i++) {
    char payload[64];
    snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)ids[i][0]);
    if (jobs_enqueue(c, JOB_SEND, payload, ids[i][1], 0, e) < 0 ||
        db_exec(c, "UPDATE outbox SET job_queued = 1 WHERE id = $1", DB_PARAMS(db_i64(ids[i][0])),
                e) < 0)
      rc = -1;
  }
  free(ids);
  *n = cnt;
out:
  arena_free(a);
  return rc < 0 ? -1 : 0;
}

int mail_init(struct tmpl_set *tmpl, db *d, struct err *e)
{
  g_tmpl = tmpl;
  jobs_register(JOB_SEND, job_send);
  if (!smtp_on())
    return 0;
  char why[200];
  if (smtp_url_check(cfg.smtp_url, why, sizeof why) < 0)
    return err_set(e, CC24_E_CONFIG, "%s", why);
  char name[128], from[256];
  sender(name, from);
  if (!strchr(from, '@'))
    return err_set(e, CC24_E_CONFIG, "mail-from has no address: %s", cfg.mail_from);
  if (!d)
    return 0;
  int n = 0;
  if (db_tx(d, 0, DB_WRITE, tx_backlog, &n, e) < 0)
    return -1;
  if (n > 0)
    log_info("mail: %d queued mails handed to the sender", n);
  return 0;
}

/* ------------------------------------------------------------- the operator */

struct list_arg {
  struct arena *a;
  const char *state;
  int limit;
  struct mail_row *rows;
  int n;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  db_stmt *st = db_query(c,
                         "SELECT id, public_id, kind, recipient, subject, state, last_error,"
                         " message_id, COALESCE(tenant_id, 0), created_at, sent_at,"
                         " next_attempt_at, attempts FROM outbox"
                         " WHERE ($1 = '' OR state = $1) ORDER BY id DESC LIMIT $2",
                         DB_PARAMS(db_text(x->state), db_i64(x->limit)), e);
  if (!st)
    return -1;
  x->rows = arena_alloc(x->a, sizeof *x->rows * (size_t)(x->limit > 0 ? x->limit : 1));
  int rc;
  struct mail_row r;
  while (x->n < x->limit &&
         (rc = db_next(st, x->a,
                       DB_ROW(db_out_i64(&r.id), db_out_text(&r.public_id), db_out_text(&r.kind),
                              db_out_text(&r.recipient), db_out_text(&r.subject),
                              db_out_text(&r.state), db_out_text(&r.last_error),
                              db_out_text(&r.message_id), db_out_i64(&r.tenant_id),
                              db_out_i64(&r.created_at), db_out_i64(&r.sent_at),
                              db_out_i64(&r.next_attempt_at), db_out_int(&r.attempts)),
                       e)) == 1)
    x->rows[x->n++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int mail_list(db *d, struct arena *a, const char *state, int limit, struct mail_row **out, int *n,
              struct err *e)
{
  struct list_arg x = {.a = a, .state = state ? state : "", .limit = limit};
  if (db_tx(d, 0, DB_READ, tx_list, &x, e) < 0)
    return -1;
  *out = x.rows;
  *n = x.n;
  return 0;
}

struct show_arg {
  struct arena *a;
  int64_t id;
  const char *message;
};

static int tx_show(db_conn *c, void *arg, struct err *e)
{
  struct show_arg *x = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  struct msg m;
  int rc = load(c, x->a, x->id, &m, e);
  if (rc == 1)
    x->message = message_text(x->a, &m);
  return rc;
}

int mail_message(db *d, struct arena *a, int64_t id, const char **message, struct err *e)
{
  struct show_arg x = {.a = a, .id = id};
  int rc = db_tx(d, 0, DB_READ, tx_show, &x, e);
  if (rc == 1)
    *message = x.message;
  return rc;
}

struct retry_arg {
  int64_t id;
  int changed;
};

static int tx_retry(db_conn *c, void *arg, struct err *e)
{
  struct retry_arg *x = arg;
  if (as_mailer(c, e) < 0)
    return -1;
  int64_t tenant = 0;
  struct arena *a = arena_new(0);
  int rc = db_query_one(c, a,
                        "SELECT COALESCE(tenant_id, 0) FROM outbox WHERE id = $1"
                        " AND state IN ('dead', 'queued')",
                        DB_PARAMS(db_i64(x->id)), DB_ROW(db_out_i64(&tenant)), e);
  arena_free(a);
  if (rc <= 0)
    return rc;
  if (db_exec(c,
              "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = 0,"
              " job_queued = $2 WHERE id = $1",
              DB_PARAMS(db_i64(x->id), db_i64(smtp_on() ? 1 : 0)), e) < 0)
    return -1;
  x->changed = 1;
  if (!smtp_on())
    return 0;
  char payload[64];
  snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)x->id);
  return jobs_enqueue(c, JOB_SEND, payload, tenant, 0, e) < 0 ? -1 : 0;
}

int mail_retry(db *d, int64_t id, struct err *e)
{
  struct retry_arg x = {.id = id};
  if (db_tx(d, 0, DB_WRITE, tx_retry, &x, e) < 0)
    return -1;
  return x.changed;
}

int mail_cli(db *d, int nw, char **w)
{
  struct err e = {0};
  struct arena *a = arena_new(0);
  int rc = 0;
  int64_t id = 0;
  if (nw >= 1 && !strcmp(w[0], "list")) {
    const char *state = nw >= 2 ? w[1] : "";
    if (*state && strcmp(state, "queued") && strcmp(state, "sending") && strcmp(state, "sent") &&
        strcmp(state, "dead")) {
      fprintf(stderr, "cc24 outbox list: state must be queued, sending, sent or dead\n");
      rc = 2;
      goto out;
    }
    struct mail_row *rows;
    int n;
    if (mail_list(d, a, state, 200, &rows, &n, &e) < 0) {
      fprintf(stderr, "cc24 outbox: %s\n", e.msg);
      rc = 1;
      goto out;
    }
    printf("%-6s %-8s %-8s %-18s %-32s %s\n", "ID", "STATE", "ATTEMPTS", "KIND", "TO", "SUBJECT");
    for (int i = 0; i < n; i++) {
      printf("%-6lld %-8s %-8d %-18s %-32s %s\n", (long long)rows[i].id, rows[i].state,
             rows[i].attempts, rows[i].kind, rows[i].recipient, rows[i].subject);
      if (*rows[i].last_error)
        printf("       last error: %s\n", rows[i].last_error);
    }
    if (!smtp_on())
      printf("\n(smtp-url is not set: mails stay in the outbox; `cc24 outbox show ID` prints "
             "one)\n");
  } else if (nw >= 2 && (!strcmp(w[0], "show") || !strcmp(w[0], "retry")) &&
             str_to_i64(w[1], &id) && id > 0) {
    if (!strcmp(w[0], "show")) {
      const char *msg;
      int r = mail_message(d, a, id, &msg, &e);
      if (r == 1)
        fputs(msg, stdout);
      else {
        fprintf(stderr, "cc24 outbox show: %s\n", r < 0 ? e.msg : "no such mail");
        rc = r < 0 ? 1 : 2;
      }
    } else {
      int r = mail_retry(d, id, &e);
      if (r == 1)
        printf("mail %lld queued again\n", (long long)id);
      else {
        fprintf(stderr, "cc24 outbox retry: %s\n",
                r < 0 ? e.msg : "no such mail waiting or dead (sent mails are not sent twice)");
        rc = r < 0 ? 1 : 2;
      }
    }
  } else {
    fprintf(stderr, "usage: cc24 outbox list [queued|sending|sent|dead]\n"
                    "       cc24 outbox show ID\n"
                    "       cc24 outbox retry ID\n");
    rc = 2;
  }
out:
  arena_free(a);
  return rc;
}
