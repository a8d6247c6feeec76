/* newsletter.h — a dealer's newsletter of new vehicles, with consent by double opt-in
 * (UWG § 7 (2) no. 2, GDPR Art. 7):
 *
 *   1. Sign-up (the showroom's form, or the separate, never pre-ticked opt-in of the
 *      vehicle page's enquiry form): a pending row, a processing record (form
 *      "newsletter", consent.h) and a mail with a single-use link that expires after
 *      NEWSLETTER_PENDING_TTL. The answer is the same whether the address is new,
 *      pending or confirmed (no one learns who is subscribed); a pending address gets
 *      at most one link per NEWSLETTER_RESEND seconds.
 *   2. The link (/haendler/{slug}/newsletter/bestaetigen?t=…) shows a button; the POST
 *      confirms (record "newsletter_confirm"). A used, forged or expired link is refused.
 *   3. Confirmed addresses get a weekly mail with the dealer's vehicles published since
 *      the last one (none when nothing is new), with a signed one-click unsubscribe link
 *      (List-Unsubscribe and List-Unsubscribe-Post) that deletes the address (record
 *      "newsletter_withdraw").
 *   4. The daily job ("privacy.newsletter") deletes pending addresses whose link has
 *      expired (they never got anything), clears the address on their records, and
 *      sends the weekly mails that are due.
 *
 * Everything runs in the dealer's transaction (the links carry the dealer's slug), so
 * PostgreSQL's row-level security holds as everywhere. */
#ifndef CC24_PRIVACY_NEWSLETTER_H
#define CC24_PRIVACY_NEWSLETTER_H

#include "core/err.h"
#include "db/db.h"

#include <jansson.h>
#include <stdint.h>

struct arena;
struct tenant;
struct consent_notice;
struct http_req;

#define NEWSLETTER_PENDING_TTL (3 * 86400) /* the confirmation link, then the purge */
#define NEWSLETTER_RESEND      600         /* seconds between two links to one address */
#define NEWSLETTER_PERIOD      (7 * 86400) /* one mail a week at most */
#define NEWSLETTER_LIST        12          /* vehicles listed in one mail */
#define NEWSLETTER_KIND        "privacy.newsletter"
#define NEWSLETTER_INTERVAL    86400

struct newsletter_signup {
  const char *email;                   /* valid, lower-case */
  const char *locale;                  /* "de" / "en" */
  const char *source;                  /* "form" (showroom), "lead" (the enquiry's opt-in) */
  const char *ip;                      /* the client's address, truncated in the record */
  const struct consent_notice *notice; /* the newsletter notice shown */
};

/* Step 1 in dealer t's transaction. *mailed tells whether a link went out (tests). 0 or -1. */
int newsletter_subscribe(db_conn *c, struct arena *a, const struct tenant *t,
                         const struct newsletter_signup *s, int64_t now, int *mailed,
                         struct err *e);

/* The enquiry form's opt-in (vehicle page, public API): step 1 with the opt-in notice,
 * in the dealer's own transaction after the lead is stored (the public transaction of
 * the lead cannot read subscribers). A failure is logged; the lead stands. */
void newsletter_optin(db *d, struct arena *a, const struct tenant *t, const char *email,
                      const char *locale, const char *source, const char *ip);

/* Is the link's token pending and unexpired? 1 yes, 0 no, -1 error. Changes nothing. */
int newsletter_token_peek(db_conn *c, int64_t tenant_id, const char *token, int64_t now,
                          struct err *e);

/* Step 2: use the token. 1 confirmed, 0 unknown/used/expired, -1 error. */
int newsletter_confirm(db_conn *c, struct arena *a, const struct tenant *t, const char *token,
                       const char *ip, int64_t now, struct err *e);

/* The signed unsubscribe token of a subscriber (public id) — BUYER_TOKEN_MAX bytes. */
int newsletter_unsub_token(db_conn *c, const char *public_id, char *out, struct err *e);

/* Unsubscribe by signed token: 1 deleted, 0 unknown (bad signature or gone), -1 error. */
int newsletter_unsubscribe(db_conn *c, struct arena *a, const struct tenant *t, const char *token,
                           const char *ip, int64_t now, struct err *e);

/* Counts for the dealer's dashboard. */
struct newsletter_counts {
  int64_t confirmed, pending;
};
int newsletter_count(db_conn *c, int64_t tenant_id, struct newsletter_counts *out, struct err *e);

struct newsletter_stats {
  int64_t purged; /* pending addresses deleted */
  int64_t mailed; /* weekly mails queued */
};

/* Step 4 for every dealer at now, each in its own transaction. 0 or -1 (a dealer that
 * failed; the others are done). */
int newsletter_run(db *d, int64_t now, struct newsletter_stats *st, struct err *e);

void newsletter_register(void);
int newsletter_schedule(db *d, struct err *e);

/* Pages: the showroom's sign-up (POST /haendler/{slug}/newsletter), the confirmation
 * (GET/POST /haendler/{slug}/newsletter/bestaetigen) and unsubscribing (GET/POST
 * /haendler/{slug}/newsletter/abmelden). */
int newsletter_signup_post(struct http_req *req);
int newsletter_confirm_page(struct http_req *req);
int newsletter_confirm_post(struct http_req *req);
int newsletter_unsub_page(struct http_req *req);
int newsletter_unsub_post(struct http_req *req);
int newsletter_form_page(struct http_req *req);

/* The sign-up form's context for dealer t (partials/newsletter_form): the notice, its
 * hash, the action, what was typed and the error. New JSON. */
json_t *newsletter_form_json(struct http_req *req, const struct tenant *t, const char *email,
                             const char *error);

#endif
