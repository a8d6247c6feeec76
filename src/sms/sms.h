/* sms.h — text messages to customers' phones through an SMS gateway of the Twilio
 * form (DOMAIN.md §5, §6): phone numbers normalised to E.164, a libcurl client for
 * `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, and the `sms.send`
 * job that delivers a queued message with the job queue's retries.
 *
 * Settings: sms-url (gateway base URL, empty = SMS off), sms-account-sid,
 * sms-auth-token (never logged, never in an error message), sms-from.
 *
 * Who owns what: every function here fills caller-provided storage (fixed buffers,
 * struct buf, struct err); nothing returned needs freeing. The gateway call is
 * synchronous and blocks for at most SMS_TIMEOUT_MS — call it from a job or the CLI,
 * never from a request handler; handlers call sms_queue.
 *
 * Delivery is at least once: a connection that breaks after the gateway accepted a
 * message is retried like any other connection error, and the Twilio form has no
 * idempotency key, so a customer may, rarely, get a message twice. */
#ifndef CC24_SMS_SMS_H
#define CC24_SMS_SMS_H

#include "core/err.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct buf;

/* ---- phone numbers ------------------------------------------------------------------- */

/* "+" and at most 15 digits (ITU-T E.164), and the terminating NUL. */
#define SMS_E164_SIZE 17
/* The country assumed for national numbers ("0171 …"): Germany. */
#define SMS_DEFAULT_CC "49"
/* Longer input is refused before it is looked at (nobody types 64 characters of phone). */
#define SMS_PHONE_INPUT_MAX 64

/* Why a number was refused (sms_phone_e164's negative results; stable for tests). */
enum sms_phone_rc {
  SMS_PHONE_OK = 0,
  SMS_PHONE_E_EMPTY = -1,     /* nothing but spaces */
  SMS_PHONE_E_CONTROL = -2,   /* a control character (tab, newline, NUL, DEL, …) */
  SMS_PHONE_E_LETTER = -3,    /* a letter (vanity numbers, "ext", "x" extensions) */
  SMS_PHONE_E_CHAR = -4,      /* any other character (#, *, ',', non-ASCII, …) */
  SMS_PHONE_E_PLUS = -5,      /* '+' that is not the first character */
  SMS_PHONE_E_PARENS = -6,    /* unbalanced, nested, empty or a second pair of ( ) */
  SMS_PHONE_E_TRUNK = -7,     /* "(0)" anywhere but right after the country code */
  SMS_PHONE_E_NO_AREA = -8,   /* national number without the leading 0 of its area code */
  SMS_PHONE_E_ZERO = -9,      /* a second 0 where the national number must start 1-9 */
  SMS_PHONE_E_COUNTRY = -10,  /* country code starts with 0 ("+0…", "000…") */
  SMS_PHONE_E_SHORT = -11,    /* fewer than 7 digits with the country code */
  SMS_PHONE_E_LONG = -12,     /* more than 15 digits with the country code */
  SMS_PHONE_E_TOO_LONG = -13, /* input longer than SMS_PHONE_INPUT_MAX bytes */
};

/* Normalise a phone number as people write it in Germany to E.164 ("+491711234567").
 *
 * Rules, in order:
 *  - Spaces around the number are ignored. Inside, the separators space - / . and one
 *    pair of parentheses (holding only digits and spaces) may group the digits.
 *  - Refused: empty input, control characters (also tab and newline), letters, any
 *    other character, '+' anywhere but first, more than SMS_PHONE_INPUT_MAX bytes.
 *  - International: a leading '+' or "00" (the access code, as the first two
 *    characters). The country code is kept as given (+43 stays Austria) and must
 *    not start with 0. A "(0)" (the trunk prefix shown in "+49 (0) 171 …") is dropped
 *    when it directly follows the first group of digits, which must then be 1-3
 *    digits long (the country code); "(0)" anywhere else is refused — it is
 *    impossible to tell what was meant. Any other parenthesised group only groups
 *    ("+1 (555) 123-4567").
 *  - For +49, +43 and +41 (national numbers there never start with 0) one 0 after
 *    the country code — "(0)" or a plain "0", as in "+49 0171 …" — is the trunk
 *    prefix written by mistake and is dropped; a second one is refused.
 *  - National (no '+', not "00"): must start with the trunk prefix 0 of the area
 *    code ("0171 1234567", "(030) 123456", "0171/1234567"); the 0 is replaced by the
 *    default country, +49. What follows must not be another 0. A number without
 *    area code ("123456") is refused: the area cannot be guessed.
 *  - The result has 7 to 15 digits including the country code (E.164 allows 15;
 *    fewer than 7 is no phone number anywhere).
 * Not checked: whether the country code is assigned or the number is a mobile one
 * (the gateway refuses those; the job then ends without retrying).
 *
 * The result matches ^\+[1-9][0-9]{6,14}$ and normalising it again gives it back.
 * Writes out (SMS_E164_SIZE bytes) on success only. Returns 0 or an enum sms_phone_rc
 * (< 0); e (may be NULL) then has CC24_E_VALIDATION, field "to" and the reason. */
int sms_phone_e164(const char *in, char out[SMS_E164_SIZE], struct err *e);

/* ---- message text and the wire format -------------------------------------------------- */

/* Longest body the gateway takes, in characters (code points). */
#define SMS_BODY_MAX 1600

/* A body is sendable: non-empty, valid UTF-8, at most SMS_BODY_MAX characters, no
 * control character but newline (C0, DEL and C1 refused). 0 or -1 with e (field
 * "body"). */
int sms_body_check(const char *body, struct err *e);

/* The form of a send request: "To=…&From=…&Body=…", each value percent-encoded
 * (UTF-8 bytes; everything but A-Z a-z 0-9 - _ . ~ as %XX, so '+' is %2B, space
 * %20 and newline %0A) — application/x-www-form-urlencoded. Appends to b. */
void sms_form_encode(struct buf *b, const char *to, const char *from, const char *body);

/* ---- the gateway ----------------------------------------------------------------------- */

/* Longest a send may take, connection included. */
#define SMS_TIMEOUT_MS 15000

struct sms_gateway {
  const char *base_url;    /* http(s)://host[:port][/prefix], no trailing '/' needed */
  const char *account_sid; /* letters and digits only ("AC…"); part of the path */
  const char *auth_token;  /* the Basic auth password: secret */
  const char *from;        /* sender: an E.164 number or an alphanumeric sender ID */
};

/* The gateway from the process configuration (cfg.sms_*; pointers into cfg).
 * 0 = configured, 1 = SMS off (sms-url empty), -1 = sms-url set but the rest
 * incomplete or invalid (e says which setting; the token's value never appears). */
int sms_gateway_from_config(struct sms_gateway *g, struct err *e);

/* Check a gateway description (URL scheme, SID characters, token and sender
 * present, sender a phone number or a 1-11 character alphanumeric ID). 0 or -1. */
int sms_gateway_check(const struct sms_gateway *g, struct err *e);

/* How a send ended. */
enum sms_send_rc {
  SMS_SENT = 0,
  SMS_RETRY = -1,     /* 5xx, 429, connection errors, timeouts: try again later */
  SMS_PERMANENT = -2, /* refused for good (4xx other than 429, bad input, bad
                         configuration, an accepted answer without a sid) */
};

struct sms_result {
  long http_status; /* 0 when no answer came */
  int code;         /* the gateway's error code ("code" of the error body), 0 = none */
  char sid[64];     /* the message's sid on success */
  char status[32];  /* its status on success ("queued", "accepted", …) */
};

/* Send body to the E.164 number to, synchronously. to and body are checked first
 * (a bad one is SMS_PERMANENT without any request). Returns an enum sms_send_rc;
 * r (may be NULL) says what the gateway answered, e why it failed — the gateway's
 * message and code, never the token. */
int sms_send(const struct sms_gateway *g, const char *to, const char *body, struct sms_result *r,
             struct err *e);

/* ---- the queue ------------------------------------------------------------------------- */

#define SMS_JOB_KIND "sms.send"

/* Register the sms.send handler with the job queue (at start-up, before jobs_start).
 * Payload {"to": E.164, "body": text}; the dealer is the job's tenant_id. Retryable
 * failures return -1 (the queue's backoff applies); permanent ones are logged and end
 * the job as done, since the queue knows no "failed for good" (retrying cannot help). */
void sms_jobs_register(void);

/* Validate to (normalised to E.164) and body, and enqueue an sms.send job for
 * tenant_id inside the caller's transaction c, so the message goes out only if the
 * transaction commits. Returns the job id (> 0), 0 when SMS is off (sms-url empty:
 * nothing queued, not an error), or -1 with e: CC24_E_VALIDATION (field "to" or
 * "body") for bad input, CC24_E_CONFIG when sms-url is set but the other settings
 * are not usable (a caller whose own work matters more, like a booking, may go on
 * without the SMS), or a database error. */
int64_t sms_queue(db_conn *c, int64_t tenant_id, const char *to, const char *body, struct err *e);

/* A number for logs: country code and first digits, the last two, the rest masked
 * ("+49171*****67"); out holds SMS_E164_SIZE bytes. */
void sms_phone_mask(const char *e164, char out[SMS_E164_SIZE]);

#endif
