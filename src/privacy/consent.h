/* consent.h — the GDPR Art. 13 information at every form that takes personal data,
 * and the processing record of each submission (Art. 5 (2), Art. 7 (1): the dealer can
 * prove what was processed, why, on which legal basis, and what the person was told).
 *
 * A form shows consent_notice()'s text next to its submit button and carries the
 * text's hash in a hidden field "notice"; the handler builds the notice again and
 * refuses a submission whose hash differs (the text changed between showing and
 * sending: the form comes back with the new text; a post without the field, from a
 * script rather than the page, is recorded with the text in force). consent_record() then stores,
 * in the submission's transaction, the text (once per dealer and hash, consent_texts) and the
 * record: form, purpose, legal basis, text hash, time, truncated IP, address and the reference
 * (lead or subscriber public id).
 *
 * Forms ("form" of a record): contact, test_drive, financing, trade_in (the vehicle
 * page's enquiry and the public API, one notice "enquiry"), newsletter (the sign-up and
 * the lead form's separate opt-in, notice "newsletter"), newsletter_confirm (the double
 * opt-in click), newsletter_withdraw (unsubscribing). */
#ifndef CC24_PRIVACY_CONSENT_H
#define CC24_PRIVACY_CONSENT_H

#include "core/err.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct tenant;

/* The notices: "enquiry" (contact, test drive, financing, trade-in), "newsletter" (the
 * sign-up form) and "newsletter_optin" (the enquiry form's opt-in box). */
#define CONSENT_NOTICE_ENQUIRY    "enquiry"
#define CONSENT_NOTICE_NEWSLETTER "newsletter"
/* The enquiry form's separate marketing opt-in: its label is the text recorded. */
#define CONSENT_NOTICE_OPTIN "newsletter_optin"

struct consent_notice {
  const char *notice; /* CONSENT_NOTICE_ */
  const char *locale; /* "de" / "en" */
  const char *text;   /* the exact text shown, one paragraph, UTF-8 */
  char hash[65];      /* hex SHA-256 of text */
};

/* The notice `notice` of dealer t in locale (anything but "en" is German), in a.
 * Names the dealer as controller with the address, the purpose, the legal basis, the
 * recipients, the storage period (the enforced one: lead_retention_text and
 * NEWSLETTER_PENDING_TTL) and the rights. */
void consent_notice(struct arena *a, const char *locale, const char *notice, const struct tenant *t,
                    struct consent_notice *out);

/* The purpose and legal basis of a record's form (German, as recorded), or false when
 * form is not one of the forms above. */
bool consent_form_info(const char *form, const char **purpose, const char **legal_basis);

/* The IP address with its host part removed, as stored: IPv4 a.b.c.0, IPv6 the /48
 * prefix ("2001:db8:1::"), an IPv4-mapped IPv6 address as IPv4; "" for anything that
 * does not parse. out has at least 48 bytes. */
void consent_ip_truncate(const char *ip, char *out, size_t n);

struct consent_record {
  int64_t tenant_id;
  const char *form;      /* see above */
  const char *email;     /* lower-case address of the person, "" none */
  const char *reference; /* public id of the lead / subscriber, "" none */
  const char *ip;        /* the client's address as received (truncated here) */
};

/* Store r with notice n at now (the text once per dealer and hash). Works in the
 * public transaction of a form (PostgreSQL: insert only) and in a dealer's. 0 or -1. */
int consent_record(db_conn *c, const struct consent_record *r, const struct consent_notice *n,
                   int64_t now, struct err *e);

/* Anonymise the records of the address (lower-case) at dealer tenant_id: the address
 * is cleared, form, time, hash and IP prefix stay as proof. Rows changed or -1. */
int consent_forget(db_conn *c, int64_t tenant_id, const char *email, struct err *e);

/* One record as the dealer sees it (with the notice text shown). */
struct consent_row {
  const char *form, *purpose, *legal_basis, *ip, *email, *reference, *hash, *text;
  int64_t at;
};

/* The dealer's records, newest first, of the address email (lower-case; "" = all),
 * page from 1 of `size`; *total counts all that match. In a. 0 or -1. */
int consent_list(db_conn *c, struct arena *a, int64_t tenant_id, const char *email, int page,
                 int size, struct consent_row **out, int *n, int64_t *total, struct err *e);

struct http_req;
/* GET /dashboard/datenschutz/nachweise: the records (?email= filters, ?page=), the
 * newsletter's counts. */
int consent_dash_page(struct http_req *req);

#endif
