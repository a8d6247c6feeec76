/* lead_inbound.c — the buyer's answer comes back into the lead (see crm.h): the routing
 * address of lead mails, and `cc24 mail receive`, which finds the lead of a received
 * message and puts it in the timeline.
 *
 * Two routes find the lead. The address: lead mails carry Reply-To
 * lead+ID.TAG@<mail-inbound-domain>, TAG the HMAC of the lead's public id under the
 * platform's signing key "lead-reply" (buyer_unsub_token's HMAC: one helper for signed
 * ids), so nobody who knows or guesses a lead id can write into it. The thread: every
 * lead mail's Message-ID is kept in the outbox with its lead (outbox.lead_id), so an
 * answer sent to another address still finds the lead when it quotes one in
 * In-Reply-To/References. A routing address with a wrong tag is refused outright. */
#include "crm/crm.h"

#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/inbound.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY_NAME "lead-reply"

int crm_reply_address(db_conn *c, struct arena *a, const char *lead_public_id, const char **out,
                      struct err *e)
{
  *out = NULL;
  if (!cfg.mail_inbound_domain || !*cfg.mail_inbound_domain)
    return 0;
  unsigned char key[BUYER_KEY_BYTES];
  if (buyer_signing_key(c, KEY_NAME, key, e) < 0)
    return -1;
  char token[BUYER_TOKEN_MAX];
  buyer_unsub_token(key, lead_public_id, token);
  sodium_memzero(key, sizeof key);
  *out = arena_printf(a, CRM_INBOUND_PREFIX "%s@%s", token,
                      str_lower(a, str_trim(a, cfg.mail_inbound_domain)));
  return 0;
}

int crm_inbound_address_check(const unsigned char *key, const char *addr, char id_out[ID_LEN + 1])
{
  size_t pl = strlen(CRM_INBOUND_PREFIX);
  if (!addr || strncasecmp(addr, CRM_INBOUND_PREFIX, pl) != 0)
    return 0;
  const char *at = strrchr(addr, '@');
  if (!at)
    return -1;
  const char *dom = cfg.mail_inbound_domain ? cfg.mail_inbound_domain : "";
  while (*dom == ' ')
    dom++;
  if (*dom && strcasecmp(at + 1, dom) != 0)
    return 0; /* another domain's lead+ address: not ours to judge */
  size_t n = (size_t)(at - addr) - pl;
  char token[BUYER_TOKEN_MAX];
  if (n >= sizeof token)
    return -1;
  memcpy(token, addr + pl, n);
  token[n] = 0;
  /* addresses arrive lower-cased; ids and tags are lower-case already */
  for (char *p = token; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return buyer_unsub_check(key, token, id_out) ? 1 : -1;
}

/* ------------------------------------------------------------------ receiving */

struct route_arg {
  struct arena *a;
  const struct mail_in *m;
  int64_t tenant_id, lead_id;
  char lead_public[ID_LEN + 1];
  bool forged;
};

/* The lead (tenant, row id) of a public id, if it is not anonymised: 1, 0, -1. Works
   for nobody: on PostgreSQL through a SECURITY DEFINER function (migration 0023). */
static int lead_by_public(db_conn *c, struct route_arg *x, const char *id, struct err *e)
{
  int rc = db_query_one(c, x->a,
                        DB_SQL(c,
                               "SELECT tenant_id, id FROM leads WHERE public_id = $1"
                               " AND anonymised_at = 0",
                               "SELECT tenant_id, lead_id FROM cc24_inbound_lead($1)"),
                        DB_PARAMS(db_text(id)),
                        DB_ROW(db_out_i64(&x->tenant_id), db_out_i64(&x->lead_id)), e);
  if (rc == 1)
    snprintf(x->lead_public, sizeof x->lead_public, "%s", id);
  return rc;
}

static int lead_by_message(db_conn *c, struct route_arg *x, const char *mid, struct err *e)
{
  char *pub = NULL;
  int rc = db_query_one(
      c, x->a,
      DB_SQL(c,
             "SELECT l.tenant_id, l.id, l.public_id FROM outbox o"
             " JOIN leads l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id"
             " WHERE o.message_id = $1 AND o.lead_id > 0 AND l.anonymised_at = 0"
             " ORDER BY o.id DESC LIMIT 1",
             "SELECT tenant_id, lead_id, public_id FROM cc24_inbound_lead_by_message($1)"),
      DB_PARAMS(db_text(mid)),
      DB_ROW(db_out_i64(&x->tenant_id), db_out_i64(&x->lead_id), db_out_text(&pub)), e);
  if (rc == 1)
    snprintf(x->lead_public, sizeof x->lead_public, "%s", pub ? pub : "");
  return rc;
}

static int tx_route(db_conn *c, void *arg, struct err *e)
{
  struct route_arg *x = arg;
  x->lead_id = 0;
  x->forged = false;
  unsigned char key[BUYER_KEY_BYTES];
  if (buyer_signing_key(c, KEY_NAME, key, e) < 0)
    return -1;
  bool tagged = false;
  for (int i = 0; i < x->m->nrcpt; i++) {
    char id[ID_LEN + 1];
    int ok = crm_inbound_address_check(key, x->m->rcpt[i], id);
    if (ok == 0)
      continue;
    tagged = true;
    if (ok < 0)
      continue;
    int rc = lead_by_public(c, x, id, e);
    if (rc != 0) {
      sodium_memzero(key, sizeof key);
      return rc < 0 ? -1 : 0;
    }
  }
  sodium_memzero(key, sizeof key);
  if (tagged) {
    /* a routing address that does not verify (or names no lead): refused, whatever
       the thread headers say */
    x->forged = true;
    return 0;
  }
  for (int i = 0; i < x->m->nrefs; i++) {
    int rc = lead_by_message(c, x, x->m->refs[i], e);
    if (rc != 0)
      return rc < 0 ? -1 : 0;
  }
  return 0;
}

struct store_arg {
  const struct crm_inbound *in;
  int64_t tenant_id, lead_id;
  int inserted;
};

static int tx_store(db_conn *c, void *arg, struct err *e)
{
  struct store_arg *x = arg;
  int64_t now = time_now();
  x->inserted =
      db_exec(c,
              "INSERT INTO lead_activities (tenant_id, lead_id, user_id, kind, body, created_at,"
              " message_id, sender) VALUES ($1, $2, NULL, 'mail_in', $3, $4, $5, $6)"
              " ON CONFLICT (lead_id, message_id) WHERE message_id <> '' DO NOTHING",
              DB_PARAMS(db_i64(x->tenant_id), db_i64(x->lead_id), db_text(x->in->body), db_i64(now),
                        db_text(x->in->message_id), db_text(x->in->sender)),
              e);
  if (x->inserted <= 0)
    return x->inserted;
  /* unread again, so the inbox shows it; the newest change */
  return db_exec(c,
                 "UPDATE leads SET read_at = 0, updated_at = $3 WHERE id = $1 AND tenant_id = $2",
                 DB_PARAMS(db_i64(x->lead_id), db_i64(x->tenant_id), db_i64(now)), e) < 0
             ? -1
             : 0;
}

/* A stable id for a message without Message-ID, so a second delivery is still one. */
static const char *synthetic_id(struct arena *a, const struct mail_in *m)
{
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "%s\n%s\n%lld\n%s", m->from_addr, m->subject, (long long)m->date, m->text);
  char hex[65];
  id_sha256_hex(b.data, b.len, hex);
  return arena_printf(a, "cc24-sha256-%s", hex);
}

int crm_mail_receive(db *d, struct arena *a, const struct mail_in *m, struct crm_inbound *out,
                     struct err *e)
{
  memset(out, 0, sizeof *out);
  struct route_arg r = {.a = a, .m = m};
  if (db_tx(d, 0, DB_WRITE, tx_route, &r, e) < 0)
    return -1;
  if (r.lead_id <= 0) {
    out->result = r.forged ? CRM_IN_FORGED : CRM_IN_NO_LEAD;
    return 0;
  }
  snprintf(out->lead_public_id, sizeof out->lead_public_id, "%s", r.lead_public);
  out->tenant_id = r.tenant_id;
  out->message_id = *m->message_id ? m->message_id : synthetic_id(a, m);
  out->sender = m->sender;
  out->body = *m->subject ? arena_printf(a, "%s\n\n%s", m->subject, m->text) : m->text;
  struct store_arg s = {.in = out, .tenant_id = r.tenant_id, .lead_id = r.lead_id};
  if (db_tx(d, r.tenant_id, DB_WRITE, tx_store, &s, e) < 0)
    return -1;
  out->result = s.inserted > 0 ? CRM_IN_STORED : CRM_IN_DUPLICATE;
  return 0;
}

/* ------------------------------------------------------------------ the command */

enum { EX_OK_ = 0, EX_USAGE_ = 64, EX_DATAERR_ = 65, EX_NOUSER_ = 67, EX_TEMPFAIL_ = 75 };

/* All of stdin up to max + 1 bytes (so "too large" can be told); NULL on a read error. */
static char *read_all(struct arena *a, FILE *in, size_t max, size_t *len)
{
  size_t cap = 64 * 1024, n = 0;
  char *buf = arena_alloc(a, cap);
  for (;;) {
    if (n == cap) {
      if (cap > max)
        break;
      size_t ncap = cap * 2;
      buf = arena_realloc(a, buf, cap, ncap);
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, in);
    n += got;
    if (got == 0) {
      if (ferror(in))
        return NULL;
      break;
    }
  }
  *len = n;
  return buf;
}

int crm_mail_cli(db *d, int nw, const char **w)
{
  const char *to = NULL;
  bool usage = nw < 1 || strcmp(w[0], "receive") != 0;
  for (int i = 1; i < nw && !usage; i++) {
    if (!strcmp(w[i], "--to") && i + 1 < nw)
      to = w[++i];
    else if (!strncmp(w[i], "--to=", 5))
      to = w[i] + 5;
    else
      usage = true;
  }
  if (usage) {
    fprintf(stderr, "usage: cc24 mail receive [--to ADDRESS] < message\n");
    return EX_USAGE_;
  }
  struct arena *a = arena_new(0);
  int rc = EX_TEMPFAIL_;
  size_t len = 0;
  char *data = read_all(a, stdin, MAIL_IN_MESSAGE_MAX, &len);
  struct err e = {0};
  struct mail_in m;
  if (!data) {
    fprintf(stderr, "cc24 mail receive: cannot read the message\n");
    goto out;
  }
  if (mail_in_parse(a, data, len, to, &m, &e) < 0) {
    fprintf(stderr, "cc24 mail receive: %s\n", e.msg);
    rc = EX_DATAERR_;
    goto out;
  }
  struct crm_inbound in;
  if (crm_mail_receive(d, a, &m, &in, &e) < 0) {
    fprintf(stderr, "cc24 mail receive: %s (try again later)\n", e.msg);
    goto out;
  }
  switch (in.result) {
  case CRM_IN_STORED:
  case CRM_IN_DUPLICATE:
    rc = EX_OK_;
    break;
  case CRM_IN_FORGED:
    fprintf(stderr, "cc24 mail receive: unknown recipient (the address is not valid)\n");
    rc = EX_NOUSER_;
    break;
  case CRM_IN_NO_LEAD:
    fprintf(stderr, "cc24 mail receive: unknown recipient (no enquiry for this mail)\n");
    rc = EX_NOUSER_;
    break;
  }
out:
  arena_free(a);
  return rc;
}
