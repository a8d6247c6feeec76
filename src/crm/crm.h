/* crm.h — lead management on top of the leads (lead.h): contacts (one per person
 * and dealer — the same e-mail address or the same phone number in E.164 is the same
 * contact, and the contact page shows the history of all their leads), the lead's
 * status, assignee, follow-up date and read state, and the activity timeline (notes,
 * calls, mails out and in, changes). Every function works inside the dealer's
 * transaction (db_tx with the tenant) and only on that dealer's rows. */
#ifndef CC24_CRM_CRM_H
#define CC24_CRM_CRM_H

#include "core/ids.h"
#include "crm/lead.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;

/* Lead statuses: new → in_progress → (waiting) → done | lost. */
extern const struct enum_def crm_enum_status;
/* Activity kinds: note, call, mail_out, mail_in, status, assign, follow_up. */
extern const struct enum_def crm_enum_activity;

#define CRM_NOTE_MAX  4000
#define CRM_REPLY_MAX 20000

/* Give every lead of the dealer without a contact its contact: an existing one with the
 * same address (case-insensitive) or the same phone number, else a new one. Returns the
 * number linked, or -1. */
int crm_link_contacts(db_conn *c, struct arena *a, int64_t tenant_id, struct err *e);

/* The inbox filter. Empty strings / 0 mean "any". */
struct crm_filter {
  const char *q;      /* in name, e-mail, phone, vehicle, message */
  const char *status; /* a crm_enum_status value */
  const char *kind;   /* contact | test_drive */
  int64_t assignee;   /* a user id; -1 = nobody */
  bool due;           /* follow-up due by the end of today (Berlin) */
  bool unread;
  int64_t contact_id;
};

struct crm_lead {
  struct lead l;
  int64_t contact_id, assignee_id, follow_up_at, read_at, updated_at;
  const char *contact_public_id, *assignee_name, *source;
};

struct crm_counts {
  int64_t total, unread, due, open;
};

/* The end of the Berlin day of now, as a UTC instant (the "due today" bound). */
int64_t crm_day_end(int64_t now);

/* Leads matching f, newest first, one page. */
int crm_lead_list(db_conn *c, struct arena *a, int64_t tenant_id, const struct crm_filter *f,
                  int64_t now, int page, int size, struct crm_lead **out, int *n, int64_t *total,
                  struct err *e);

/* Counts for the inbox's head (all leads of the dealer). */
int crm_counts(db_conn *c, int64_t tenant_id, int64_t now, struct crm_counts *out, struct err *e);

/* One lead by public id: 1, 0 not found (or another dealer's), -1. */
int crm_lead_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                 struct crm_lead *out, struct err *e);

/* Mark read (first open). */
int crm_lead_mark_read(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t now, struct err *e);

/* Changes, each recorded in the timeline by user_id. 0 or -1. */
int crm_lead_set_status(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                        const char *status, struct err *e);
/* assignee 0 = nobody; must be a user of the dealer (else CC24_E_VALIDATION). */
int crm_lead_assign(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                    int64_t assignee, struct err *e);
/* at 0 = none. */
int crm_lead_follow_up(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id, int64_t at,
                       struct err *e);
int crm_activity_add(db_conn *c, int64_t tenant_id, int64_t lead_id, int64_t user_id,
                     const char *kind, const char *body, struct err *e);

struct crm_activity {
  const char *kind, *body, *user_name;
  int64_t created_at;
};

/* The timeline of one lead, oldest first. */
int crm_activities(db_conn *c, struct arena *a, int64_t tenant_id, int64_t lead_id,
                   struct crm_activity **out, int *n, struct err *e);

/* The other leads of the same contact (newest first, without lead_id). */
int crm_contact_leads(db_conn *c, struct arena *a, int64_t tenant_id, int64_t contact_id,
                      int64_t except_lead, struct crm_lead **out, int *n, struct err *e);

struct crm_user {
  int64_t id;
  const char *name, *email;
};

/* The dealer's active users (for the assignee choice). */
int crm_users(db_conn *c, struct arena *a, int64_t tenant_id, struct crm_user **out, int *n,
              struct err *e);

/* ---- a new lead (the vehicle page's form and POST /api/v1/public/leads) ---- */

struct tenant;

/* Store l (validated; tenant_id and vehicle_id set to a public vehicle of that dealer)
 * and queue the dealer's notification (German, Reply-To the buyer) and the buyer's
 * receipt (in locale, Reply-To the dealer), in the caller's transaction. vehicle_url is
 * the absolute URL of the vehicle page. 0 or -1. */
int crm_lead_submit(db_conn *c, struct arena *a, struct lead *l, const struct tenant *t,
                    const char *vehicle_title, const char *vehicle_url, const char *locale,
                    struct err *e);

/* ---- the buyer's answer by e-mail (lead_inbound.c; operator set-up: docs/mail.md) ---- */

struct mail_in;

/* The local part's prefix of a routing address: lead+ID.TAG@<mail-inbound-domain>. */
#define CRM_INBOUND_PREFIX "lead+"

/* The Reply-To for a mail about lead lead_public_id: *out = "lead+ID.TAG@DOMAIN" with
 * DOMAIN the setting mail-inbound-domain and TAG the HMAC of the id under the platform's
 * signing key "lead-reply"; *out = NULL when the setting is empty (the caller keeps the
 * dealer's address). In the caller's transaction; 0 or -1. */
int crm_reply_address(db_conn *c, struct arena *a, const char *lead_public_id, const char **out,
                      struct err *e);

/* Is addr a routing address (prefix lead+, and the inbound domain when one is set)?
 * 0 no, 1 yes and its tag verifies under key (BUYER_KEY_BYTES; constant-time compare;
 * the lead's public id goes to id_out), -1 yes but forged or malformed. */
int crm_inbound_address_check(const unsigned char *key, const char *addr, char id_out[ID_LEN + 1]);

enum crm_inbound_result {
  CRM_IN_STORED,    /* a new mail_in activity; the lead is unread again */
  CRM_IN_DUPLICATE, /* the lead has this Message-ID already: nothing stored */
  CRM_IN_NO_LEAD,   /* no routing address and no known Message-ID: nothing stored */
  CRM_IN_FORGED,    /* a routing address whose tag does not verify: nothing stored */
};

struct crm_inbound {
  enum crm_inbound_result result;
  int64_t tenant_id;
  char lead_public_id[ID_LEN + 1];
  const char *message_id; /* the mail's, or a hash of it when it has none */
  const char *sender, *body;
};

/* Route the parsed message m (mail/inbound.h) to its lead and store it there once: a
 * 'mail_in' activity (body "subject\n\ntext", the sender), the lead unread and updated.
 * Its own transactions. 0 (out->result says what happened), or -1 (database). */
int crm_mail_receive(db *d, struct arena *a, const struct mail_in *m, struct crm_inbound *out,
                     struct err *e);

/* `cc24 mail receive [--to ADDR]` (words after "mail"): one message on stdin. Exit codes
 * as sendmail's pipe transports expect them (sysexits.h): 0 stored (or a duplicate), 64
 * usage, 65 not a message, 67 no such lead or a forged address, 75 temporary failure
 * (the database). A message on stderr for everything but 0. */
int crm_mail_cli(db *d, int nw, const char **w);

#endif
