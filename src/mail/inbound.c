/* inbound.c — one received message parsed by GMime (see inbound.h). GMime does the
 * RFC 5322/MIME work — header unfolding, RFC 2047 encoded words, address lists,
 * transfer encodings, charset conversion to UTF-8; this file picks what the CRM needs
 * and makes it safe: valid UTF-8, no control characters, bounded sizes. */
#include "mail/inbound.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>

#define HEADER_MAX 998 /* RFC 5322 line limit: longer header values are cut */
#define RCPT_MAX   20

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
  g_mime_init();
}

/* ------------------------------------------------------------------ text helpers */

/* Append code point cp as UTF-8. */
static void put_utf8(struct buf *b, uint32_t cp)
{
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    buf_putc(b, (char)(0xc0 | (cp >> 6)));
    buf_putc(b, (char)(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    buf_putc(b, (char)(0xe0 | (cp >> 12)));
    buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
    buf_putc(b, (char)(0x80 | (cp & 0x3f)));
  } else {
    buf_putc(b, (char)(0xf0 | (cp >> 18)));
    buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
    buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
    buf_putc(b, (char)(0x80 | (cp & 0x3f)));
  }
}

char *mail_in_clean(struct arena *a, const char *s, size_t n, bool one_line)
{
  struct buf b;
  buf_init(&b, a);
  if (!s)
    return arena_strdup(a, "");
  /* text that is not UTF-8 although GMime converted it had no (or an unknown) charset:
     read it as ISO-8859-1, the usual culprit, so umlauts survive */
  bool latin1 = !utf8_valid(s, n);
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\r') {
      buf_putc(&b, one_line ? ' ' : '\n');
      i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c == '\n' || c == '\t') {
      buf_putc(&b, one_line ? ' ' : (char)c);
      i++;
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      if (!one_line || c != 0) /* NUL ends nothing here: a space instead */
        buf_putc(&b, ' ');
      i++;
      continue;
    }
    if (c < 0x80) {
      buf_putc(&b, (char)c);
      i++;
      continue;
    }
    if (latin1) {
      if (c >= 0xa0)
        put_utf8(&b, c);
      else
        buf_putc(&b, ' '); /* C1 controls */
      i++;
      continue;
    }
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
    /* utf8_valid said the whole string is valid: copy the sequence, but no C1 controls */
    if (len == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)
      buf_putc(&b, ' ');
    else
      buf_append(&b, s + i, len);
    i += len;
  }
  char *out = (char *)buf_cstr(&b);
  return one_line ? str_trim(a, out) : out;
}

/* s cut to at most max bytes at a UTF-8 boundary. */
static char *cut_utf8(struct arena *a, const char *s, size_t max, bool *cut)
{
  size_t n = strlen(s);
  if (n <= max) {
    if (cut)
      *cut = false;
    return (char *)s;
  }
  if (cut)
    *cut = true;
  while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
    max--;
  return arena_strndup(a, s, max);
}

static const struct {
  const char *name;
  uint32_t cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},      {"auml", 0xe4},    {"ouml", 0xf6},    {"uuml", 0xfc},    {"Auml", 0xc4},
    {"Ouml", 0xd6},     {"Uuml", 0xdc},    {"szlig", 0xdf},   {"euro", 0x20ac},  {"eacute", 0xe9},
    {"egrave", 0xe8},   {"copy", 0xa9},    {"reg", 0xae},     {"ndash", 0x2013}, {"mdash", 0x2014},
    {"hellip", 0x2026}, {"laquo", 0xab},   {"raquo", 0xbb},   {"bdquo", 0x201e}, {"ldquo", 0x201c},
    {"rdquo", 0x201d},  {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"middot", 0xb7},
};

/* An entity at s (after '&'): its code point and length up to and with ';', or 0. */
static size_t entity(const char *s, const char *end, uint32_t *cp)
{
  const char *semi = memchr(s, ';', (size_t)(end - s) < 12 ? (size_t)(end - s) : 12);
  if (!semi || semi == s)
    return 0;
  size_t n = (size_t)(semi - s);
  if (s[0] == '#') {
    uint32_t v = 0;
    bool hex = n > 1 && (s[1] == 'x' || s[1] == 'X');
    size_t i = hex ? 2 : 1;
    if (i >= n)
      return 0;
    for (; i < n; i++) {
      char c = s[i];
      int d = c >= '0' && c <= '9'          ? c - '0'
              : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : -1;
      if (d < 0 || v > 0x10ffff)
        return 0;
      v = v * (hex ? 16 : 10) + (uint32_t)d;
    }
    if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
      v = 0xfffd;
    *cp = v == 0xa0 ? ' ' : v;
    return n + 1;
  }
  for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++)
    if (strlen(entities[k].name) == n && !memcmp(entities[k].name, s, n)) {
      *cp = entities[k].cp;
      return n + 1;
    }
  return 0;
}

/* Case-insensitive: does the tag name at s (length n) equal name? */
static bool tag_is(const char *s, size_t n, const char *name)
{
  return strlen(name) == n && !strncasecmp(s, name, n);
}

static bool block_tag(const char *s, size_t n)
{
  static const char *const blocks[] = {"br", "p",     "div",        "tr", "li", "h1",
                                       "h2", "h3",    "h4",         "h5", "h6", "ul",
                                       "ol", "table", "blockquote", "hr", "pre"};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
    if (tag_is(s, n, blocks[i]))
      return true;
  return false;
}

char *mail_in_html_text(struct arena *a, const char *html, size_t n)
{
  struct buf b;
  buf_init(&b, a);
  const char *p = html, *end = html + n;
  bool space = false; /* a blank is pending */
  while (p < end) {
    if (*p == '<') {
      if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
        const char *q = p + 4;
        while (q + 2 < end && memcmp(q, "-->", 3))
          q++;
        p = q + 2 < end ? q + 3 : end;
        continue;
      }
      const char *q = p + 1;
      bool closing = q < end && *q == '/';
      if (closing)
        q++;
      const char *name = q;
      while (q < end &&
             ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
        q++;
      size_t nl = (size_t)(q - name);
      /* the end of the tag, quotes respected */
      char quote = 0;
      while (q < end && (quote || *q != '>')) {
        if (quote && *q == quote)
          quote = 0;
        else if (!quote && (*q == '"' || *q == '\''))
          quote = *q;
        q++;
      }
      p = q < end ? q + 1 : end;
      if (nl == 0)
        continue;
      if (!closing && (tag_is(name, nl, "script") || tag_is(name, nl, "style") ||
                       tag_is(name, nl, "head") || tag_is(name, nl, "title"))) {
        /* skip to the matching end tag */
        char endtag[16];
        int m = snprintf(endtag, sizeof endtag, "</%.*s", (int)nl, name);
        const char *r = p;
        while (r < end && !(end - r >= m && !strncasecmp(r, endtag, (size_t)m)))
          r++;
        p = r;
        continue;
      }
      if (block_tag(name, nl)) {
        buf_putc(&b, '\n');
        space = false;
      } else if (tag_is(name, nl, "td") || tag_is(name, nl, "th")) {
        space = true;
      }
      continue;
    }
    unsigned char c = (unsigned char)*p;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
      space = true;
      p++;
      continue;
    }
    if (space && b.len > 0 && b.data[b.len - 1] != '\n')
      buf_putc(&b, ' ');
    space = false;
    if (c == '&') {
      uint32_t cp = 0;
      size_t k = entity(p + 1, end, &cp);
      if (k) {
        put_utf8(&b, cp);
        p += 1 + k;
        continue;
      }
    }
    buf_putc(&b, (char)c);
    p++;
  }
  /* no more than one blank line in a row, no blanks at line starts and ends */
  const char *s = buf_cstr(&b);
  struct buf o;
  buf_init(&o, a);
  int nl = 2; /* pending newlines; 2 at the start drops leading blank lines */
  bool started = false;
  for (const char *line = s; *line;) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    size_t i = 0, j = len;
    while (i < j && line[i] == ' ')
      i++;
    while (j > i && line[j - 1] == ' ')
      j--;
    if (j > i) {
      if (started)
        for (int k = 0; k < (nl > 2 ? 2 : nl); k++)
          buf_putc(&o, '\n');
      buf_append(&o, line + i, j - i);
      started = true;
      nl = 0;
    }
    nl++;
    line = eol ? eol + 1 : line + len;
  }
  return (char *)buf_cstr(&o);
}

/* ------------------------------------------------------------------ quotes */

static bool starts_ci(const char *s, size_t n, const char *prefix)
{
  size_t k = strlen(prefix);
  return n >= k && !strncasecmp(s, prefix, k);
}

static bool contains(const char *s, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp(s + i, needle, k))
      return true;
  return false;
}

static bool ends_colon(const char *s, size_t n)
{
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return n > 0 && s[n - 1] == ':';
}

/* Does the history start at this line (the next line is given for wrapped ones)? */
static bool quote_start(const char *l, size_t n, const char *next, size_t nn)
{
  while (n > 0 && (*l == ' ' || *l == '\t'))
    l++, n--;
  if (starts_ci(l, n, "-----Original Message-----") ||
      starts_ci(l, n, "-----Ursprüngliche Nachricht-----") ||
      starts_ci(l, n, "-------- Original-Nachricht --------") ||
      starts_ci(l, n, "-------- Original Message --------"))
    return true;
  /* "Am 07.12.2026 um 22:10 schrieb Autohaus <a@b>:" — often wrapped before the address */
  if (starts_ci(l, n, "Am ") && contains(l, n, " schrieb"))
    return ends_colon(l, n) || (next && ends_colon(next, nn));
  if (starts_ci(l, n, "On ") &&
      (contains(l, n, " wrote") || (next && contains(next, nn, "wrote:"))))
    return ends_colon(l, n) || (next && ends_colon(next, nn));
  /* Outlook: a header block of the original */
  if ((starts_ci(l, n, "Von: ") && next &&
       (starts_ci(next, nn, "Gesendet: ") || starts_ci(next, nn, "Datum: "))) ||
      (starts_ci(l, n, "From: ") && next &&
       (starts_ci(next, nn, "Sent: ") || starts_ci(next, nn, "Date: "))))
    return true;
  return false;
}

char *mail_in_cut_quote(struct arena *a, const char *s)
{
  size_t keep = strlen(s);
  for (const char *line = s; *line;) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    const char *next = eol ? eol + 1 : NULL;
    size_t nn = 0;
    if (next) {
      const char *e2 = strchr(next, '\n');
      nn = e2 ? (size_t)(e2 - next) : strlen(next);
    }
    if (quote_start(line, len, next, nn)) {
      keep = (size_t)(line - s);
      break;
    }
    line = eol ? eol + 1 : line + len;
  }
  /* then drop trailing quoted (">") and blank lines */
  for (;;) {
    while (keep > 0 && (s[keep - 1] == '\n' || s[keep - 1] == ' ' || s[keep - 1] == '\t'))
      keep--;
    size_t ls = keep;
    while (ls > 0 && s[ls - 1] != '\n')
      ls--;
    if (keep > ls && s[ls] == '>' && ls > 0)
      keep = ls;
    else
      break;
  }
  return arena_strndup(a, s, keep);
}

/* ------------------------------------------------------------------ the message */

static char *one_line(struct arena *a, const char *s, size_t max)
{
  if (!s)
    return arena_strdup(a, "");
  return cut_utf8(a, mail_in_clean(a, s, strlen(s), true), max, NULL);
}

/* A bounded list of distinct one-line values (recipients, Message-IDs), in order. */
struct strs {
  struct arena *a;
  const char **v;
  int n, max;
  size_t len; /* longest value kept */
  bool lower; /* addresses: compared and kept lower-cased */
};

static void strs_add(struct strs *r, const char *value)
{
  if (!value || !*value || r->n >= r->max)
    return;
  char *x = one_line(r->a, value, r->len);
  if (r->lower)
    x = str_lower(r->a, x);
  if (!*x || (r->lower && strchr(x, ' ')))
    return;
  for (int i = 0; i < r->n; i++)
    if (!strcmp(r->v[i], x))
      return;
  r->v[r->n++] = x;
}

/* Every mailbox of an address list (groups included). */
static void rcpt_list(struct strs *r, InternetAddressList *list)
{
  if (!list)
    return;
  int n = internet_address_list_length(list);
  for (int i = 0; i < n && r->n < r->max; i++) {
    InternetAddress *ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia))
      strs_add(r, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
    else if (INTERNET_ADDRESS_IS_GROUP(ia))
      rcpt_list(r, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
  }
}

static void rcpt_parse(struct strs *r, const char *value)
{
  if (!value || !*value)
    return;
  InternetAddressList *list = internet_address_list_parse(NULL, value);
  if (list) {
    rcpt_list(r, list);
    g_object_unref(list);
  }
}

/* The Message-IDs of a header value; newest_first reverses them (References lists the
 * oldest first, and the newest is the likeliest ours). */
static void ref_parse(struct strs *r, const char *value, bool newest_first)
{
  if (!value || !*value)
    return;
  GMimeReferences *refs = g_mime_references_parse(NULL, value);
  if (!refs)
    return;
  int n = g_mime_references_length(refs);
  for (int i = 0; i < n; i++)
    strs_add(r, g_mime_references_get_message_id(refs, newest_first ? n - 1 - i : i));
  g_mime_references_free(refs);
}

struct bodies {
  GMimeTextPart *plain, *html;
};

/* The first text/plain and text/html parts that are not attachments, depth-first;
 * attached messages (forwards) are not looked into. */
static void find_bodies(GMimeObject *o, struct bodies *b, int depth)
{
  if (!o || depth > 32)
    return;
  if (GMIME_IS_MULTIPART(o)) {
    GMimeMultipart *mp = GMIME_MULTIPART(o);
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; i++)
      find_bodies(g_mime_multipart_get_part(mp, i), b, depth + 1);
    return;
  }
  if (!GMIME_IS_TEXT_PART(o))
    return;
  GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
  if (cd && g_mime_content_disposition_is_attachment(cd))
    return;
  GMimeContentType *ct = g_mime_object_get_content_type(o);
  if (!ct)
    return;
  if (!b->plain && g_mime_content_type_is_type(ct, "text", "plain"))
    b->plain = GMIME_TEXT_PART(o);
  else if (!b->html && g_mime_content_type_is_type(ct, "text", "html"))
    b->html = GMIME_TEXT_PART(o);
}

/* A text part as UTF-8 (transfer encoding decoded, charset converted), cleaned; NULL
 * when it has no content. Not g_mime_text_part_get_text: that returns a C string, and a
 * NUL in the text would silently end it. ISO-8859-1 is read as windows-1252, its
 * superset that mailers really mean (the WHATWG encoding standard does the same). */
static char *part_text(struct arena *a, GMimeTextPart *tp)
{
  GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(tp));
  if (!content)
    return NULL;
  GMimeStream *mem = g_mime_stream_mem_new();
  GMimeStream *filtered = g_mime_stream_filter_new(mem);
  const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(tp), "charset");
  if (cs && (!g_ascii_strcasecmp(cs, "iso-8859-1") || !g_ascii_strcasecmp(cs, "latin1") ||
             !g_ascii_strcasecmp(cs, "iso_8859-1") || !g_ascii_strcasecmp(cs, "us-ascii")))
    cs = "windows-1252";
  if (cs && g_ascii_strcasecmp(cs, "utf-8") && g_ascii_strcasecmp(cs, "utf8")) {
    GMimeFilter *f = g_mime_filter_charset_new(cs, "utf-8");
    if (f) { /* NULL: a charset iconv does not know; mail_in_clean copes */
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
      g_object_unref(f);
    }
  }
  g_mime_data_wrapper_write_to_stream(content, filtered);
  g_mime_stream_flush(filtered);
  GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  /* an enormous part: only the beginning matters (the text is capped anyway) */
  size_t n = ba ? ba->len : 0;
  if (n > 4 * MAIL_IN_TEXT_MAX + 4096)
    n = 4 * MAIL_IN_TEXT_MAX + 4096;
  char *out = mail_in_clean(a, ba ? (const char *)ba->data : "", n, false);
  g_object_unref(filtered);
  g_object_unref(mem);
  return out;
}

int mail_in_parse(struct arena *a, const void *data, size_t len, const char *envelope_to,
                  struct mail_in *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  if (!data || len == 0)
    return err_set(e, CC24_E_BAD_REQUEST, "empty message");
  if (len > MAIL_IN_MESSAGE_MAX)
    return err_set(e, CC24_E_BAD_REQUEST, "message larger than %d bytes", MAIL_IN_MESSAGE_MAX);
  pthread_once(&gmime_once, gmime_start);
  int rc = -1;
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
  GMimeParser *parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
  if (!msg) {
    err_set(e, CC24_E_BAD_REQUEST, "not an RFC 5322 message");
    goto out;
  }
  GMimeObject *mo = GMIME_OBJECT(msg);

  /* From: the first mailbox */
  InternetAddressList *from = g_mime_message_get_from(msg);
  InternetAddressMailbox *mb = NULL;
  int nfrom = from ? internet_address_list_length(from) : 0;
  for (int i = 0; i < nfrom && !mb; i++) {
    InternetAddress *ia = internet_address_list_get_address(from, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia))
      mb = INTERNET_ADDRESS_MAILBOX(ia);
  }
  const char *addr = mb ? internet_address_mailbox_get_addr(mb) : NULL;
  if (!addr || !strchr(addr, '@')) {
    err_set(e, CC24_E_BAD_REQUEST, "no From address");
    goto out;
  }
  out->from_addr = str_lower(a, one_line(a, addr, 254));
  out->from_name = one_line(a, internet_address_get_name(INTERNET_ADDRESS(mb)), 200);
  out->sender =
      *out->from_name ? arena_printf(a, "%s <%s>", out->from_name, out->from_addr) : out->from_addr;

  out->subject = one_line(a, g_mime_message_get_subject(msg), HEADER_MAX);
  out->message_id = one_line(a, g_mime_message_get_message_id(msg), HEADER_MAX);
  GDateTime *dt = g_mime_message_get_date(msg);
  out->date = dt ? (int64_t)g_date_time_to_unix(dt) : 0;

  /* recipients: the envelope's is authoritative; else what the headers say */
  struct strs r = {a, arena_calloc(a, RCPT_MAX, sizeof(char *)), 0, RCPT_MAX, 254, true};
  if (envelope_to && *envelope_to) {
    rcpt_parse(&r, envelope_to);
    if (r.n == 0)
      strs_add(&r, envelope_to);
  } else {
    GMimeHeaderList *hl = g_mime_object_get_header_list(mo);
    int nh = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < nh; i++) {
      GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
      if (h && !g_ascii_strcasecmp(g_mime_header_get_name(h), "Delivered-To"))
        rcpt_parse(&r, g_mime_header_get_value(h));
    }
    rcpt_list(&r, g_mime_message_get_to(msg));
    rcpt_list(&r, g_mime_message_get_cc(msg));
  }
  out->rcpt = r.v;
  out->nrcpt = r.n;

  struct strs rf = {
      a, arena_calloc(a, MAIL_IN_REFS_MAX, sizeof(char *)), 0, MAIL_IN_REFS_MAX, HEADER_MAX, false};
  ref_parse(&rf, g_mime_object_get_header(mo, "In-Reply-To"), false);
  ref_parse(&rf, g_mime_object_get_header(mo, "References"), true);
  out->refs = rf.v;
  out->nrefs = rf.n;

  /* the text */
  struct bodies b = {0};
  find_bodies(g_mime_message_get_mime_part(msg), &b, 0);
  char *text = NULL;
  if (b.plain)
    text = part_text(a, b.plain);
  if (!text && b.html) {
    char *html = part_text(a, b.html);
    if (html) {
      text = mail_in_html_text(a, html, strlen(html));
      out->from_html = true;
    }
  }
  text = mail_in_cut_quote(a, text ? text : "");
  out->text = cut_utf8(a, str_trim(a, text), MAIL_IN_TEXT_MAX, &out->truncated);
  rc = 0;
out:
  if (msg)
    g_object_unref(msg);
  g_object_unref(parser);
  g_object_unref(stream);
  return rc;
}
