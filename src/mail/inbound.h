/* inbound.h — mail that is received: one RFC 5322 message (what an MTA's pipe transport
 * hands to `cc24 mail receive` on stdin) parsed by GMime into what the CRM needs — the
 * recipients that may route it, the sender, subject, date, Message-ID, the Message-IDs
 * it answers, and its text as UTF-8 (the text/plain part, else the HTML part reduced to
 * text; transfer encodings and charsets decoded; the quoted history of a reply cut off;
 * at most MAIL_IN_TEXT_MAX bytes). Header values are single lines without control
 * characters, whatever the message tried (no CR/LF can be smuggled through an encoded
 * word). Routing and storing are the CRM's (crm/lead_inbound.c).
 *
 * Everything returned lives in the arena passed in. */
#ifndef CC24_MAIL_INBOUND_H
#define CC24_MAIL_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;

#define MAIL_IN_TEXT_MAX    20000              /* bytes of the text kept (CRM_REPLY_MAX) */
#define MAIL_IN_MESSAGE_MAX (25 * 1024 * 1024) /* a larger message is refused */
#define MAIL_IN_REFS_MAX    20                 /* Message-IDs of In-Reply-To + References */

struct mail_in {
  const char **rcpt; /* lower-cased addresses that may route it, in order: the envelope
                        recipient if given, else Delivered-To, To and Cc */
  int nrcpt;
  const char *from_addr;  /* lower-cased address of the first From mailbox */
  const char *from_name;  /* its display name ("" = none) */
  const char *sender;     /* "Name <addr>" or "addr", for people */
  const char *subject;    /* "" when none */
  int64_t date;           /* the Date header, Unix seconds (0 = none or unreadable) */
  const char *message_id; /* without <> ("" = none) */
  const char **refs;      /* In-Reply-To first, then References newest first, without <> */
  int nrefs;
  const char *text; /* the answer, UTF-8, LF line ends, quoted history cut */
  bool from_html;   /* text was made from an HTML part (there was no text/plain) */
  bool truncated;   /* text was longer than MAIL_IN_TEXT_MAX */
};

/* Parse len bytes of data (one message). envelope_to: the envelope recipient the MTA
 * gives (NULL/"" = none: then Delivered-To, To and Cc). 0, or -1 with e
 * (CC24_E_BAD_REQUEST) for input that is no message: empty, too large, no header, no
 * From mailbox. Never crashes on hostile input. */
int mail_in_parse(struct arena *a, const void *data, size_t len, const char *envelope_to,
                  struct mail_in *out, struct err *e);

/* Text of an HTML document: tags dropped (script, style and head with their content),
 * block ends as line breaks, entities decoded, runs of blanks collapsed. */
char *mail_in_html_text(struct arena *a, const char *html, size_t n);

/* s without the quoted history of a reply: cut at the first line that introduces it
 * ("Am … schrieb …:", "On … wrote:", "-----Original Message-----", an Outlook
 * "Von:/Gesendet:" block), trailing "> " lines and blank lines dropped. */
char *mail_in_cut_quote(struct arena *a, const char *s);

/* s as valid UTF-8 with LF line ends, no control characters but LF and TAB (invalid
 * bytes become U+FFFD); one_line: LF and TAB become spaces too, trimmed. */
char *mail_in_clean(struct arena *a, const char *s, size_t n, bool one_line);

#endif
