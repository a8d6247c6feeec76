/* lead.h — leads: a buyer's contact or test-drive request about one vehicle,
 * sent from the public vehicle page and owned by the vehicle's dealer. The
 * model, its validation and its store (both backends, always scoped by tenant).
 * The CRM issue builds on these (pipeline states, assignment, replies).
 *
 * Strings inside struct lead are owned by whoever filled the struct (normally a
 * request arena); the store copies what it returns into the arena passed in. */
#ifndef CC24_CRM_LEAD_H
#define CC24_CRM_LEAD_H

#include "core/enumdef.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct field_errors;

/* financing and trade_in are stored as kind 'contact' with that topic (migration 0018:
 * SQLite cannot widen the kind CHECK without rebuilding the table); the store maps it. */
enum lead_kind { LEAD_CONTACT, LEAD_TEST_DRIVE, LEAD_FINANCING, LEAD_TRADE_IN, LEAD__COUNT };

/* "contact" / "test_drive" with German and English labels. */
extern const struct enum_def lead_enum_kind;

/* Limits of the form fields, in code points. */
#define LEAD_NAME_MAX    100
#define LEAD_EMAIL_MAX   254
#define LEAD_PHONE_MAX   30
#define LEAD_MESSAGE_MAX 2000
/* A test drive can be asked for from today up to this many days ahead. */
#define LEAD_DATE_AHEAD_DAYS 90

/* The version of the Art. 13 GDPR notice shown at the form; stored with each lead
 * so the dealer can prove what the buyer was told. Change it with the text. The form
 * stores it with the retention period it stated (lead_retention_notice). */
#define LEAD_PRIVACY_NOTICE "lead-notice-2026-02"

/* The status of a lead that ended in a sale. Nothing sets it yet: the CRM's deal
 * pipeline will, for won deals. The retention job (crm/retention.h) anonymises every
 * other lead after the retention period; a won lead is kept, since the sale's
 * statutory retention duties (§ 147 AO, § 257 HGB) apply to it instead. Until the
 * pipeline exists, every lead counts as not sold. */
#define LEAD_STATUS_WON "won"

struct lead {
  int64_t id;                    /* row id, never shown */
  char public_id[17];            /* set by lead_store_insert */
  int64_t tenant_id;             /* the dealer of the vehicle */
  int64_t vehicle_id;            /* row id of the vehicle (0 = vehicle since deleted) */
  const char *vehicle_public_id; /* filled by the store on reads */
  const char *vehicle_title;     /* "make model variant", filled on reads */
  int kind;                      /* enum lead_kind */
  const char *name;
  const char *email;
  const char *phone;          /* "" when not given */
  const char *message;        /* "" when not given */
  const char *preferred_date; /* "YYYY-MM-DD" for test drives, "" otherwise */
  const char *privacy_notice; /* LEAD_PRIVACY_NOTICE at the time of sending */
  const char *status;         /* "new" until the CRM moves it on */
  int64_t created_at;         /* Unix seconds, UTC */
  int64_t anonymised_at;      /* when the retention job erased name and contact data, 0 = not */
  const char *source;         /* "website" (the vehicle page), "api" (POST /api/v1/public/leads) */
  bool marketing_opt_in;      /* asked for marketing mail (needs the double opt-in to count) */
};

/* Empty strings, kind contact, the current privacy notice. */
void lead_init(struct lead *l);

/* A plausible e-mail address: one @, a non-empty local part without spaces or
 * control characters, a domain of dot-separated labels [A-Za-z0-9-] (no label
 * empty or starting/ending with '-') with at least one dot; at most 254 bytes. */
bool lead_email_valid(const char *s);

/* A plausible phone number: digits, spaces and + ( ) - / . only, a '+' only first,
 * 6 to 15 digits, at most LEAD_PHONE_MAX characters. */
bool lead_phone_valid(const char *s);

/* Trim every string of l (copies in a) and check the lead as a whole: name
 * (2..LEAD_NAME_MAX), e-mail, phone (required for a test drive), message
 * (required for a contact request, at most LEAD_MESSAGE_MAX), preferred date
 * (test drives: "YYYY-MM-DD" from today to LEAD_DATE_AHEAD_DAYS ahead, Berlin
 * calendar at `now`). Every bad field is added to errs (field names: kind, name,
 * email, phone, message, preferred_date). Returns 0 or -1; writes nothing. */
int lead_validate(struct arena *a, struct lead *l, int64_t now, struct field_errors *errs);

/* Insert l for l->tenant_id about l->vehicle_id (which must be a public vehicle of
 * that dealer: the caller has loaded it in the same transaction; PostgreSQL checks
 * it again by row-level security). Sets public_id, status and created_at. 0 or -1. */
int lead_store_insert(db_conn *c, struct lead *l, struct err *e);

/* One dealer's leads, newest first, paged (page from 1). *out is an arena array of
 * *n entries; *total counts them all. 0 or -1. */
int lead_store_list(db_conn *c, struct arena *a, int64_t tenant_id, int page, int size,
                    struct lead **out, int *n, int64_t *total, struct err *e);

/* One lead of the dealer by public id: 1 found, 0 not found (or another dealer's), -1. */
int lead_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                   struct lead *l, struct err *e);

#endif
