/* consent.c — Art. 13 notices and processing records (see consent.h). */
#include "privacy/consent.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "crm/retention.h"
#include "privacy/newsletter.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* ---- the notices ---- */

static void controller(struct buf *b, const char *loc, const char *key, const struct tenant *t)
{
  buf_printf(b, "%s %s", i18n_get(loc, key), t->name ? t->name : "");
  if (t->street && *t->street)
    buf_printf(b, ", %s", t->street);
  if ((t->zip && *t->zip) || (t->city && *t->city))
    buf_printf(b, ", %s %s", t->zip ? t->zip : "", t->city ? t->city : "");
  buf_puts(b, ". ");
}

void consent_notice(struct arena *a, const char *locale, const char *notice, const struct tenant *t,
                    struct consent_notice *out)
{
  const char *loc = locale && !strcmp(locale, "en") ? "en" : "de";
  struct buf b;
  buf_init(&b, a);
  if (notice && !strcmp(notice, CONSENT_NOTICE_NEWSLETTER)) {
    controller(&b, loc, "newsletter.notice_1", t);
    const char *text = i18n_get(loc, "newsletter.notice_2");
    const char *p = strstr(text, "{days}");
    int days = NEWSLETTER_PENDING_TTL / 86400;
    if (p)
      buf_printf(&b, "%.*s%d%s", (int)(p - text), text, days, p + strlen("{days}"));
    else
      buf_puts(&b, text);
    out->notice = CONSENT_NOTICE_NEWSLETTER;
  } else if (notice && !strcmp(notice, CONSENT_NOTICE_OPTIN)) {
    buf_puts(&b, i18n_get(loc, "newsletter.optin"));
    out->notice = CONSENT_NOTICE_OPTIN;
  } else {
    controller(&b, loc, "lead.privacy_1", t);
    buf_puts(&b, lead_retention_text(a, loc, "lead.privacy_2"));
    out->notice = CONSENT_NOTICE_ENQUIRY;
  }
  out->locale = loc;
  out->text = buf_cstr(&b);
  id_sha256_hex(out->text, strlen(out->text), out->hash);
}

/* What each form's record states: purpose and legal basis (German, the legal text). */
static const struct {
  const char *form, *purpose, *basis;
} forms[] = {
    {"contact", "Beantwortung einer Anfrage zu einem Fahrzeug",
     "Art. 6 Abs. 1 lit. b DSGVO (vorvertragliche Maßnahmen)"},
    {"test_drive", "Vereinbarung einer Probefahrt",
     "Art. 6 Abs. 1 lit. b DSGVO (vorvertragliche Maßnahmen)"},
    {"financing", "Anfrage eines Finanzierungsangebots",
     "Art. 6 Abs. 1 lit. b DSGVO (vorvertragliche Maßnahmen)"},
    {"trade_in", "Bewertung eines Fahrzeugs zur Inzahlungnahme",
     "Art. 6 Abs. 1 lit. b DSGVO (vorvertragliche Maßnahmen)"},
    {"newsletter", "Zusendung neuer Fahrzeugangebote per E-Mail (Anmeldung, noch unbestätigt)",
     "Art. 6 Abs. 1 lit. a DSGVO, § 7 Abs. 2 Nr. 2 UWG (Einwilligung)"},
    {"newsletter_confirm", "Zusendung neuer Fahrzeugangebote per E-Mail (Double-Opt-in bestätigt)",
     "Art. 6 Abs. 1 lit. a DSGVO, § 7 Abs. 2 Nr. 2 UWG (Einwilligung)"},
    {"newsletter_withdraw", "Widerruf der Einwilligung in den Newsletter",
     "Art. 7 Abs. 3 DSGVO (Widerruf)"},
};

bool consent_form_info(const char *form, const char **purpose, const char **legal_basis)
{
  for (size_t i = 0; form && i < sizeof forms / sizeof forms[0]; i++)
    if (!strcmp(forms[i].form, form)) {
      *purpose = forms[i].purpose;
      *legal_basis = forms[i].basis;
      return true;
    }
  return false;
}

void consent_ip_truncate(const char *ip, char *out, size_t n)
{
  if (n)
    out[0] = '\0';
  if (!ip || n < INET6_ADDRSTRLEN)
    return;
  unsigned char v4[4], v6[16];
  if (inet_pton(AF_INET, ip, v4) == 1) {
    snprintf(out, n, "%u.%u.%u.0", v4[0], v4[1], v4[2]);
    return;
  }
  if (inet_pton(AF_INET6, ip, v6) != 1)
    return;
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!memcmp(v6, mapped, sizeof mapped)) {
    snprintf(out, n, "%u.%u.%u.0", v6[12], v6[13], v6[14]);
    return;
  }
  memset(v6 + 6, 0, 10); /* keep the /48 */
  if (!inet_ntop(AF_INET6, v6, out, (socklen_t)n))
    out[0] = '\0';
}

/* ---- records ---- */

int consent_record(db_conn *c, const struct consent_record *r, const struct consent_notice *n,
                   int64_t now, struct err *e)
{
  const char *purpose, *basis;
  if (!consent_form_info(r->form, &purpose, &basis))
    return err_set(e, CC24_E_INTERNAL, "unknown form of a processing record");
  char ip[INET6_ADDRSTRLEN + 8];
  consent_ip_truncate(r->ip, ip, sizeof ip);
  if (db_exec(c,
              "INSERT INTO consent_texts (tenant_id, hash, form, locale, body, first_used_at)"
              " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
              DB_PARAMS(db_i64(r->tenant_id), db_text(n->hash), db_text(n->notice),
                        db_text(n->locale), db_text(n->text), db_i64(now)),
              e) < 0)
    return -1;
  return db_exec(c,
                 "INSERT INTO processing_records (tenant_id, form, purpose, legal_basis,"
                 " text_hash, ip, email, reference, created_at)"
                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 DB_PARAMS(db_i64(r->tenant_id), db_text(r->form), db_text(purpose), db_text(basis),
                           db_text(n->hash), db_text(ip), db_text(r->email ? r->email : ""),
                           db_text(r->reference ? r->reference : ""), db_i64(now)),
                 e) < 0
             ? -1
             : 0;
}

int consent_forget(db_conn *c, int64_t tenant_id, const char *email, struct err *e)
{
  return db_exec(c,
                 "UPDATE processing_records SET email = '' WHERE tenant_id = $1 AND email = $2"
                 " AND email <> ''",
                 DB_PARAMS(db_i64(tenant_id), db_text(email ? email : "")), e);
}

int consent_list(db_conn *c, struct arena *a, int64_t tenant_id, const char *email, int page,
                 int size, struct consent_row **out, int *n, int64_t *total, struct err *e)
{
  *out = NULL;
  *n = 0;
  *total = 0;
  const char *em = email ? email : "";
  if (db_query_one(c, a,
                   "SELECT COUNT(*) FROM processing_records WHERE tenant_id = $1"
                   " AND ($2 = '' OR email = $2)",
                   DB_PARAMS(db_i64(tenant_id), db_text(em)), DB_ROW(db_out_i64(total)), e) < 0)
    return -1;
  if (page < 1)
    page = 1;
  db_stmt *st = db_query(
      c,
      "SELECT r.form, r.purpose, r.legal_basis, r.ip, r.email, r.reference,"
      " r.text_hash, COALESCE(t.body, ''), r.created_at"
      " FROM processing_records r LEFT JOIN consent_texts t"
      " ON t.tenant_id = r.tenant_id AND t.hash = r.text_hash"
      " WHERE r.tenant_id = $1 AND ($2 = '' OR r.email = $2)"
      " ORDER BY r.created_at DESC, r.id DESC LIMIT $3 OFFSET $4",
      DB_PARAMS(db_i64(tenant_id), db_text(em), db_i64(size), db_i64((int64_t)(page - 1) * size)),
      e);
  if (!st)
    return -1;
  struct consent_row *rows = arena_calloc(a, (size_t)size + 1, sizeof *rows);
  struct consent_row r;
  int rc;
  while ((rc = db_next(st, a,
                       DB_ROW(db_out_text((char **)&r.form), db_out_text((char **)&r.purpose),
                              db_out_text((char **)&r.legal_basis), db_out_text((char **)&r.ip),
                              db_out_text((char **)&r.email), db_out_text((char **)&r.reference),
                              db_out_text((char **)&r.hash), db_out_text((char **)&r.text),
                              db_out_i64(&r.at)),
                       e)) > 0)
    if (*n < size)
      rows[(*n)++] = r;
  db_finish(st);
  *out = rows;
  return rc < 0 ? -1 : 0;
}
