/* mail.h — mail that is sent. Every mail cc24 writes (sign-up confirmation, password
 * reset, invitation, enquiry notification and confirmation, saved-search alert, Börse
 * step) is queued with mail_queue() inside the transaction that causes it, so it goes
 * out exactly when that commits. The queue is the `outbox` table (migration 0015):
 * one row per recipient, rendered when queued (subject, text, HTML in the mail layout,
 * headers), and a `mail.send` job per row when smtp-url is set.
 *
 * Delivery (the job): claim the row (state sending, locked for the job's lock time),
 * write the MIME message, hand it to the SMTP server, mark it sent. A failure (no
 * connection, 4xx, 5xx, a timeout) puts the row back with the next attempt after
 * mail-retry-seconds × 2^(attempt−1) (at most 4 h) and a new job for then; after
 * mail-max-attempts the row is dead, with the last error, for the operator (`cc24
 * outbox list`, `cc24 outbox retry ID`). At most mail-domain-rate mails per minute go
 * to one recipient domain; more wait, without counting as an attempt.
 *
 * The guarantee: at least once, and never twice while a delivery may still be under
 * way. A worker that dies between the server's 250 and marking the row leaves it in
 * `sending`; it is sent again only after its lock expires (job-lock-seconds), with the
 * same Message-ID, so a receiving system that de-duplicates by Message-ID shows it
 * once. Nothing is lost: a row leaves the queue only as sent or dead.
 *
 * Without smtp-url (the embedded default) mails stay queued and are shown to the
 * operator (`cc24 outbox list` / `cc24 outbox show ID`); set smtp-url later and the
 * next start queues the jobs for them. */
#ifndef CC24_MAIL_MAIL_H
#define CC24_MAIL_MAIL_H

#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct tmpl_set;

struct mail_attachment {
  const char *filename; /* invite.ics */
  const char *mime;     /* text/calendar; method=REQUEST */
  const void *data;
  size_t len;
};

struct mail {
  int64_t tenant_id;            /* the dealer it concerns (0 = none): a dealer sees its own */
  const char *to;               /* one address; checked, lower-cased */
  const char *locale;           /* "de" (default) or "en": the layout's texts */
  const char *kind;             /* what it is, for the operator: "auth.verify", "lead.dealer" … */
  const char *subject;          /* one line; control characters become spaces */
  const char *text;             /* the plain-text body (UTF-8) */
  const char *html;             /* NULL: the text in the HTML mail layout (links clickable) */
  const char *reply_to;         /* NULL/"" = none; an address (a buyer's, on an enquiry) */
  const char *list_unsubscribe; /* one-click unsubscribe URL (alerts) */
  int64_t lead_id;              /* the lead it is about (0 = none): an answer quoting its
                                   Message-ID comes back to the lead (crm/lead_inbound.c) */
  const struct mail_attachment *att;
  int natt;
};

/* Use tmpl for the HTML layout (templates/mail/layout.mustache); NULL = text-only mails.
 * Registers the `mail.send` job. When smtp-url is set and d is given, queues a job for
 * every queued mail that has none yet (mails written while there was no SMTP server).
 * 0 or -1 (a bad smtp-url). */
int mail_init(struct tmpl_set *tmpl, db *d, struct err *e);

/* Queue m inside the caller's transaction (any dealer's, or none). 0, or -1 with e
 * (CC24_E_INVALID naming the field for a bad address or an empty subject). */
int mail_queue(db_conn *c, const struct mail *m, struct err *e);

/* The HTML body of a text mail in the layout, in locale (for tests and previews). */
const char *mail_html_from_text(struct arena *a, const char *locale, const char *subject,
                                const char *text);

/* ---- the queue, for the operator ---- */

struct mail_row {
  int64_t id;
  const char *public_id, *kind, *recipient, *subject, *state, *last_error, *message_id;
  int64_t tenant_id, created_at, sent_at, next_attempt_at;
  int attempts;
};

/* The newest mails (all dealers), optionally only one state ("" = all). */
int mail_list(db *d, struct arena *a, const char *state, int limit, struct mail_row **out, int *n,
              struct err *e);

/* The whole message of one mail as it is (or will be) sent: 1, 0 unknown, -1. */
int mail_message(db *d, struct arena *a, int64_t id, const char **message, struct err *e);

/* Queue a dead (or failed) mail again: attempts 0, due now. 1, 0 unknown/sent, -1. */
int mail_retry(db *d, int64_t id, struct err *e);

/* Run one delivery of outbox row id now (what the job does). For tests. */
int mail_deliver(db *d, int64_t id, int64_t now, struct err *e);

/* `cc24 outbox list|show ID|retry ID` (words after "outbox"); the exit code. */
int mail_cli(db *d, int nw, char **w);

#endif
