/* mime.c — see mime.h. */
#include "mail/mime.h"

#include "core/buf.h"
#include "core/ids.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_HDR 78
#define LINE_MAX_QP  76
/* 45 bytes of UTF-8 → 60 base64 characters; with "=?UTF-8?B?" and "?=" a word is 72 */
#define WORD_BYTES 45

static bool needs_words(const char *s, size_t n, size_t used)
{
  if (used + n > LINE_MAX_HDR)
    return true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80 || c < 0x20 || c == 0x7f)
      return true;
    if (c == '=' && i + 1 < n && s[i + 1] == '?')
      return true;
  }
  return false;
}

/* The value with control characters (CR, LF, tab, DEL …) as spaces. */
static char *clean(const char *s, size_t *len)
{
  size_t n = strlen(s);
  char *c = malloc(n + 1);
  if (!c)
    abort();
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    c[i] = ch < 0x20 || ch == 0x7f ? ' ' : s[i];
  }
  c[n] = 0;
  *len = n;
  return c;
}

static void base64(struct buf *out, const unsigned char *p, size_t n)
{
  size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
  buf_reserve(out, cap);
  sodium_bin2base64(out->data + out->len, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
  out->len += cap - 1;
}

void mime_header_text(struct buf *out, const char *s, size_t used)
{
  size_t n;
  char *c = clean(s ? s : "", &n);
  if (!needs_words(c, n, used)) {
    buf_append(out, c, n);
    free(c);
    return;
  }
  size_t i = 0, col = used;
  bool first = true;
  while (i < n || first) {
    /* what fits on this line: "=?UTF-8?B?" + base64 + "?=" within LINE_MAX_HDR */
    size_t avail = LINE_MAX_HDR > col + 12 ? LINE_MAX_HDR - col - 12 : 4;
    size_t cap = avail / 4 * 3;
    if (cap > WORD_BYTES)
      cap = WORD_BYTES;
    if (cap < 3)
      cap = 3;
    size_t take = n - i > cap ? cap : n - i;
    /* never split a UTF-8 sequence: back off over continuation bytes */
    while (take > 0 && i + take < n && ((unsigned char)c[i + take] & 0xC0) == 0x80)
      take--;
    if (take == 0 && i < n)
      take = 1; /* invalid UTF-8: move on anyway */
    if (!first) {
      buf_puts(out, "\r\n ");
      col = 1;
    }
    buf_puts(out, "=?UTF-8?B?");
    base64(out, (const unsigned char *)c + i, take);
    buf_puts(out, "?=");
    col += 12 + (take + 2) / 3 * 4;
    i += take;
    first = false;
  }
  free(c);
}

void mime_qp(struct buf *out, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t col = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
      continue; /* the LF ends the line */
    if (c == '\n' || c == '\r') {
      buf_puts(out, "\r\n");
      col = 0;
      continue;
    }
    bool at_eol = i + 1 == n || s[i + 1] == '\n' || s[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
    size_t w = literal ? 1 : 3;
    /* room for a soft break "=" unless this is the last character of the line */
    size_t limit = at_eol ? LINE_MAX_QP : LINE_MAX_QP - 1;
    if (col + w > limit) {
      buf_puts(out, "=\r\n");
      col = 0;
    }
    if (literal) {
      buf_putc(out, (char)c);
    } else {
      buf_putc(out, '=');
      buf_putc(out, hex[c >> 4]);
      buf_putc(out, hex[c & 15]);
    }
    col += w;
  }
}

void mime_base64_lines(struct buf *out, const void *data, size_t n)
{
  const unsigned char *p = data;
  /* 57 bytes → 76 characters */
  for (size_t i = 0; i < n; i += 57) {
    base64(out, p + i, n - i > 57 ? 57 : n - i);
    buf_puts(out, "\r\n");
  }
}

void mime_date(int64_t t, char out[40])
{
  static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
           mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void copy_trim(char *dst, size_t cap, const char *s, size_t n)
{
  while (n && (*s == ' ' || *s == '"')) {
    s++;
    n--;
  }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '"'))
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = 0;
}

void mime_split_from(const char *from, char *name, size_t nname, char *addr, size_t naddr)
{
  const char *lt = strchr(from, '<');
  const char *gt = lt ? strchr(lt, '>') : NULL;
  if (lt && gt) {
    copy_trim(name, nname, from, (size_t)(lt - from));
    copy_trim(addr, naddr, lt + 1, (size_t)(gt - lt - 1));
  } else {
    name[0] = 0;
    copy_trim(addr, naddr, from, strlen(from));
  }
}

/* An address in a header: only what an address may hold (no spaces, controls, <>). */
static void put_addr(struct buf *out, const char *a)
{
  for (; *a; a++) {
    unsigned char c = (unsigned char)*a;
    if (c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',' && c != ';')
      buf_putc(out, (char)c);
  }
}

/* Name <addr>: the name quoted when it is ASCII with specials, as words otherwise. */
static void put_mailbox(struct buf *out, const char *hdr, const char *name, const char *addr)
{
  size_t start = out->len;
  buf_printf(out, "%s: ", hdr);
  if (name && *name) {
    bool plain = true, special = false;
    for (const char *p = name; *p; p++) {
      unsigned char c = (unsigned char)*p;
      if (c >= 0x80 || c < 0x20 || c == 0x7f || c == '"' || c == '\\')
        plain = false;
      if (strchr("()<>[]:;@,.", c))
        special = true;
    }
    if (plain && strlen(name) < 60) {
      if (special)
        buf_putc(out, '"');
      buf_puts(out, name);
      if (special)
        buf_putc(out, '"');
    } else {
      mime_header_text(out, name, out->len - start);
    }
    buf_puts(out, " <");
    put_addr(out, addr);
    buf_putc(out, '>');
  } else {
    put_addr(out, addr);
  }
  buf_puts(out, "\r\n");
}

static void header(struct buf *out, const char *name, const char *value)
{
  buf_printf(out, "%s: ", name);
  mime_header_text(out, value, strlen(name) + 2);
  buf_puts(out, "\r\n");
}

static void safe_filename(struct buf *out, const char *f)
{
  size_t n0 = out->len;
  for (; f && *f && out->len - n0 < 80; f++) {
    unsigned char c = (unsigned char)*f;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    buf_putc(out, ok ? (char)c : '_');
  }
  if (out->len == n0)
    buf_puts(out, "attachment");
}

/* A MIME type as given, without anything that could end the header. */
static void safe_type(struct buf *out, const char *t)
{
  for (; t && *t; t++) {
    unsigned char c = (unsigned char)*t;
    buf_putc(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
  }
}

static void text_part(struct buf *out, const char *type, const char *body)
{
  buf_printf(out,
             "Content-Type: %s; charset=UTF-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
             type);
  mime_qp(out, body, strlen(body));
  buf_puts(out, "\r\n");
}

static void alternative(struct buf *out, const struct mime_msg *m, const char *boundary)
{
  if (!m->html || !*m->html) {
    text_part(out, "text/plain", m->text ? m->text : "");
    return;
  }
  buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
  buf_printf(out, "--%s\r\n", boundary);
  text_part(out, "text/plain", m->text ? m->text : "");
  buf_printf(out, "--%s\r\n", boundary);
  text_part(out, "text/html", m->html);
  buf_printf(out, "--%s--\r\n", boundary);
}

void mime_write(struct buf *out, const struct mime_msg *m)
{
  char date[40];
  mime_date(m->date, date);
  put_mailbox(out, "From", m->from_name, m->from_addr);
  put_mailbox(out, "To", NULL, m->to);
  if (m->reply_to && *m->reply_to)
    put_mailbox(out, "Reply-To", NULL, m->reply_to);
  header(out, "Subject", m->subject ? m->subject : "");
  buf_printf(out, "Date: %s\r\n", date);
  buf_puts(out, "Message-ID: <");
  put_addr(out, m->message_id);
  buf_puts(out, ">\r\n");
  buf_puts(out, "MIME-Version: 1.0\r\n");
  buf_puts(out, "Auto-Submitted: auto-generated\r\n");
  if (m->lang && *m->lang) {
    buf_puts(out, "Content-Language: ");
    put_addr(out, m->lang);
    buf_puts(out, "\r\n");
  }
  if (m->list_unsubscribe && *m->list_unsubscribe) {
    buf_puts(out, "List-Unsubscribe: <");
    put_addr(out, m->list_unsubscribe);
    buf_puts(out, ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
  }
  char tok[40];
  id_token(tok, sizeof tok, 12);
  /* "=_" never occurs in quoted-printable or base64 output, so no body line can be
     taken for a boundary */
  char b_alt[64], b_mix[64];
  snprintf(b_alt, sizeof b_alt, "=_cc24_a_%s", tok);
  snprintf(b_mix, sizeof b_mix, "=_cc24_m_%s", tok);
  if (m->natt <= 0) {
    alternative(out, m, b_alt);
    return;
  }
  buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", b_mix);
  buf_printf(out, "--%s\r\n", b_mix);
  alternative(out, m, b_alt);
  for (int i = 0; i < m->natt; i++) {
    const struct mime_attachment *a = &m->att[i];
    buf_printf(out, "--%s\r\nContent-Type: ", b_mix);
    safe_type(out, a->mime && *a->mime ? a->mime : "application/octet-stream");
    buf_puts(out, ";\r\n name=\"");
    safe_filename(out, a->filename);
    buf_puts(out, "\"\r\nContent-Disposition: attachment;\r\n filename=\"");
    safe_filename(out, a->filename);
    buf_puts(out, "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    mime_base64_lines(out, a->data, a->len);
  }
  buf_printf(out, "--%s--\r\n", b_mix);
}
