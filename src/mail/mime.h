/* mime.h — an Internet message (RFC 5322 + MIME, RFC 2045–2047, 2231) from its parts:
 * headers with RFC 2047 encoded words wherever the text is not plain ASCII or too
 * long, a text part and an optional HTML part (multipart/alternative, UTF-8,
 * quoted-printable), attachments (multipart/mixed, base64). Lines end in CRLF and are
 * at most 78 characters (76 in the bodies); no header can be broken out of: CR, LF and
 * other control characters in header values become spaces.
 *
 * Used by the sender (mail.c) when a queued mail goes out; exposed for tests. */
#ifndef CC24_MAIL_MIME_H
#define CC24_MAIL_MIME_H

#include <stddef.h>
#include <stdint.h>

struct buf;

struct mime_attachment {
  const char *filename; /* shown to the recipient; reduced to [A-Za-z0-9._-] */
  const char *mime;     /* "text/calendar; method=REQUEST", "application/pdf" */
  const void *data;
  size_t len;
};

struct mime_msg {
  const char *from_name;        /* display name ("" = none) */
  const char *from_addr;        /* noreply@example.org */
  const char *to;               /* one address */
  const char *reply_to;         /* "" = none */
  const char *subject;          /* UTF-8 */
  const char *text;             /* UTF-8, LF or CRLF line ends */
  const char *html;             /* "" = text only */
  const char *message_id;       /* without <>: id@domain */
  int64_t date;                 /* Unix seconds */
  const char *lang;             /* Content-Language ("de", "en"; "" = none) */
  const char *list_unsubscribe; /* one-click URL ("" = none): List-Unsubscribe(-Post) */
  const struct mime_attachment *att;
  int natt;
};

/* Append the whole message to out. */
void mime_write(struct buf *out, const struct mime_msg *m);

/* One header value as RFC 2047 encoded words (UTF-8, base64) when it needs them (non-
 * ASCII, "=?", control characters or longer than fits), else as is; folded so no line
 * exceeds 78 characters after `used` characters of the line are taken (the name and
 * ": "). Control characters become spaces first. */
void mime_header_text(struct buf *out, const char *s, size_t used);

/* Quoted-printable (RFC 2045 6.7): line ends become CRLF, lines at most 76 characters
 * with soft breaks, trailing spaces and tabs encoded. */
void mime_qp(struct buf *out, const char *s, size_t n);

/* Base64 in lines of 76 characters, each ended by CRLF. */
void mime_base64_lines(struct buf *out, const void *data, size_t n);

/* RFC 5322 date: "Mon, 07 Dec 2026 19:33:42 +0000". out: 40 bytes. */
void mime_date(int64_t t, char out[40]);

/* Split "Name <addr>" or "addr" (a setting) into name and address (copies into the
 * caller's buffers, truncated to their size). */
void mime_split_from(const char *from, char *name, size_t nname, char *addr, size_t naddr);

#endif
