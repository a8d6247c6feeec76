/* privacy.h — data subject rights for anyone who wrote to a dealer, not only buyer
 * accounts (GDPR Art. 15 access, Art. 20 portability, Art. 17 erasure), by a verified
 * e-mail link:
 *
 *   1. /datenschutz/anfrage: the address and the kind of request. When cc24 holds
 *      anything about the address (a dealer's leads, contacts, mails, legal holds, or a
 *      buyer account), a mail with a single-use link (PRIVACY_TOKEN_TTL) is queued and a
 *      privacy_requests row written for every dealer concerned (status waiting, due one
 *      calendar month later, Art. 12 (3)). The answer is the same either way.
 *   2. The link shows a confirmation page (GET acts on nothing: mail scanners fetch
 *      links); the POST with the token does the work. An access link then shows
 *      everything held per dealer, as a page or as a JSON download, for
 *      PRIVACY_ACCESS_WINDOW after its first use (both formats); an erasure link works
 *      once.
 *   3. Erasure anonymises the address's leads (lead_anonymise, the retention job's
 *      statement), clears its contacts and deletes their timelines, deletes the mails to
 *      or answering to the address, and erases a buyer account (buyer_account_erase).
 *      Test drives booked with the address are part of the export and are anonymised
 *      with their leads (lead_anonymise).
 *      What a legal duty keeps is restricted instead (legal_holds: restricted_at; a won
 *      lead, which the sale's retention duties keep) and the answer says so.
 *
 * Nothing crosses dealers inside one transaction: the dealers concerned are found by
 * cc24_privacy_tenants (PostgreSQL: a SECURITY DEFINER function returning ids only),
 * then each is read or changed in its own transaction with that dealer set, so
 * row-level security holds as everywhere else. Tokens are stored as SHA-256 only. */
#ifndef CC24_PRIVACY_PRIVACY_H
#define CC24_PRIVACY_PRIVACY_H

#include "db/db.h"

#include <jansson.h>
#include <stdint.h>

struct arena;
struct http_req;

#define PRIVACY_TOKEN_TTL     86400 /* a link is valid 24 h */
#define PRIVACY_ACCESS_WINDOW 3600  /* an access link works for an hour after its first use */

/* Expired links are deleted this long after their expiry (until then the page can
 * still say "expired" rather than "unknown"). */
#define PRIVACY_TOKEN_GRACE 86400

#define PRIVACY_SWEEP_KIND     "privacy.sweep"
#define PRIVACY_SWEEP_INTERVAL 3600

/* The kind of a request: "access" (Art. 15/20) or "erasure" (Art. 17). */
#define PRIVACY_ACCESS  "access"
#define PRIVACY_ERASURE "erasure"

/* The instant one calendar month after t (day clamped to the shorter month). */
int64_t privacy_due(int64_t t);

/* Step 1 for email (lower-case, valid) and kind: when anything is held about it, a
 * token (secret in *secret, arena a; NULL when nothing is held), a privacy_requests row
 * per dealer concerned, and the mail with the link (locale "de"/"en") are written.
 * 0 or -1. */
int privacy_request(db *d, struct arena *a, const char *email, const char *kind, const char *locale,
                    int64_t now, char **secret, struct err *e);

/* The state of a link. */
enum privacy_link { PRIVACY_LINK_UNKNOWN, PRIVACY_LINK_GONE, PRIVACY_LINK_OK };

/* Look the secret up without using it: *kind (a PRIVACY_ constant) when it is known. */
enum privacy_link privacy_link_peek(db *d, const char *secret, int64_t now, const char **kind,
                                    struct err *e);

/* Step 2, access: use the link (first use: the dealers' requests are completed, the
 * export counts as delivered) and collect everything held about its address into *out
 * (a new JSON document, the caller's to json_decref). -1 with e on errors; otherwise the
 * link's state (only PRIVACY_LINK_OK fills *out). */
int privacy_access(db *d, struct arena *a, const char *secret, int64_t now, json_t **out,
                   struct err *e);

/* Step 2, erasure: use the link (once) and erase across every dealer; *out describes
 * what was erased and what is kept and why (new JSON, caller's). As privacy_access. */
int privacy_erase(db *d, struct arena *a, const char *secret, int64_t now, json_t **out,
                  struct err *e);

/* The collection and the erasure for one verified address (lower-case), without a link:
 * the parts of the two calls above, for tests and the operator. New JSON or NULL. */
json_t *privacy_collect_email(db *d, struct arena *a, const char *email, struct err *e);
json_t *privacy_erase_email(db *d, struct arena *a, const char *email, int64_t now, struct err *e);

/* One request as the dealer sees it. */
struct privacy_request_row {
  const char *public_id, *kind, *status, *result;
  int64_t received_at, due_at, completed_at;
};

/* The dealer's requests, newest first, at most max (inside its transaction). 0 or -1. */
int privacy_request_list(db_conn *c, struct arena *a, int64_t tenant_id, int max,
                         struct privacy_request_row **out, int *n, struct err *e);

/* Requests that were never confirmed expire: delete, inside the caller's transaction
 * (no dealer set; PostgreSQL through the SECURITY DEFINER function cc24_privacy_sweep),
 * every link PRIVACY_TOKEN_GRACE past its expiry and every dealer's request still
 * waiting PRIVACY_TOKEN_TTL after it was received — a confirmation completes the
 * requests at once, so these are the ones whose link ran out unused. 0 or -1. */
struct privacy_sweep_stats {
  int64_t tokens, requests; /* rows deleted */
};
int privacy_sweep(db_conn *c, int64_t now, struct privacy_sweep_stats *st, struct err *e);

/* The job ("privacy.sweep", hourly, in `serve` and `cc24 worker`): register the handler
 * (before the workers start) and queue the first run unless one is queued or running. */
void privacy_sweep_register(void);
int privacy_sweep_schedule(db *d, struct err *e);

/* Pages (routes.c). */
int privacy_form_page(struct http_req *req);    /* GET /datenschutz/anfrage */
int privacy_form_post(struct http_req *req);    /* POST /datenschutz/anfrage */
int privacy_confirm_page(struct http_req *req); /* GET /datenschutz/anfrage/bestaetigen */
int privacy_confirm_post(struct http_req *req); /* POST /datenschutz/anfrage/bestaetigen */
int privacy_dash_page(struct http_req *req);    /* GET /dashboard/datenschutz */

#endif
