/* The MIME writer: encoded words that decode back to the subject, no header that a
 * CR/LF in a value can add, quoted-printable and base64 bodies that decode back, line
 * lengths and CRLF everywhere, the multipart structure, one-click unsubscribe. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "mail/mime.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <sodium.h>
#include <string.h>

static struct arena *a;

static void setup(void)
{
  ids_init();
  a = arena_new(0);
}
static void teardown(void)
{
  arena_free(a);
}
TestSuite(mime, .init = setup, .fini = teardown);

static const char *build(const struct mime_msg *m)
{
  struct buf b;
  buf_init(&b, a);
  mime_write(&b, m);
  return buf_cstr(&b);
}

static struct mime_msg sample(void)
{
  return (struct mime_msg){.from_name = "cc24",
                           .from_addr = "noreply@cc24.example",
                           .to = "kunde@example.org",
                           .reply_to = "",
                           .subject = "Hallo",
                           .text = "Zeile 1\nZeile 2\n",
                           .html = "",
                           .message_id = "abc.1@cc24.example",
                           .date = 1796671234,
                           .lang = "de",
                           .list_unsubscribe = ""};
}

/* The header block (up to the first empty line), unfolded. */
static const char *headers(const char *msg)
{
  const char *end = strstr(msg, "\r\n\r\n");
  cr_assert_not_null(end);
  struct buf b;
  buf_init(&b, a);
  for (const char *p = msg; p < end + 2; p++) {
    if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
      p += 1; /* folding: CRLF + WSP → WSP */
      continue;
    }
    buf_putc(&b, *p);
  }
  return buf_cstr(&b);
}

/* The value of header name in unfolded headers h ("" when missing). */
static const char *header(const char *h, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = h; p && *p;) {
    if (!strncasecmp(p, name, n) && p[n] == ':') {
      const char *v = p + n + 1;
      while (*v == ' ')
        v++;
      const char *e = strstr(v, "\r\n");
      return arena_strndup(a, v, (size_t)(e - v));
    }
    p = strstr(p, "\r\n");
    if (p)
      p += 2;
  }
  return "";
}

/* Decode RFC 2047 B-words (UTF-8) separated by whitespace. */
static const char *decode_words(const char *v)
{
  struct buf b;
  buf_init(&b, a);
  const char *p = v;
  while (*p) {
    if (!strncmp(p, "=?UTF-8?B?", 10)) {
      const char *e = strstr(p + 10, "?=");
      cr_assert_not_null(e);
      unsigned char bin[200];
      size_t len;
      cr_assert_eq(sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(e - p - 10), NULL, &len,
                                     NULL, sodium_base64_VARIANT_ORIGINAL),
                   0);
      buf_append(&b, bin, len);
      p = e + 2;
      while (*p == ' ' && !strncmp(p + 1, "=?", 2))
        p++; /* whitespace between adjacent words is dropped */
    } else {
      buf_putc(&b, *p++);
    }
  }
  return buf_cstr(&b);
}

static void all_lines_ok(const char *msg, size_t max)
{
  size_t col = 0;
  for (const char *p = msg; *p; p++) {
    if (*p == '\n') {
      cr_assert(p > msg && p[-1] == '\r', "a bare LF at offset %zu", (size_t)(p - msg));
      col = 0;
      continue;
    }
    if (*p == '\r') {
      cr_assert_eq(p[1], '\n', "a bare CR at offset %zu", (size_t)(p - msg));
      continue;
    }
    col++;
    cr_assert_leq(col, max, "a line longer than %zu at offset %zu", max, (size_t)(p - msg));
  }
}

static int hexval(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode quoted-printable (soft breaks removed, CRLF kept as LF). */
static const char *qp_decode(const char *s, size_t n)
{
  struct buf b;
  buf_init(&b, a);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2;
    } else if (s[i] == '=') {
      cr_assert(i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0);
      buf_putc(&b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
      buf_putc(&b, '\n');
      i++;
    } else {
      buf_putc(&b, s[i]);
    }
  }
  return buf_cstr(&b);
}

Test(mime, plain_text_message)
{
  struct mime_msg m = sample();
  const char *msg = build(&m);
  all_lines_ok(msg, 78);
  const char *h = headers(msg);
  cr_expect_str_eq(header(h, "From"), "cc24 <noreply@cc24.example>");
  cr_expect_str_eq(header(h, "To"), "kunde@example.org");
  cr_expect_str_eq(header(h, "Subject"), "Hallo");
  cr_expect_str_eq(header(h, "Message-ID"), "<abc.1@cc24.example>");
  cr_expect_str_eq(header(h, "MIME-Version"), "1.0");
  cr_expect_str_eq(header(h, "Content-Type"), "text/plain; charset=UTF-8");
  cr_expect_str_eq(header(h, "Content-Transfer-Encoding"), "quoted-printable");
  cr_expect_str_eq(header(h, "Content-Language"), "de");
  cr_expect_str_eq(header(h, "List-Unsubscribe"), "", "only alerts carry it");
  cr_expect_str_eq(header(h, "Reply-To"), "");
  regex_t re;
  cr_assert_eq(regcomp(&re,
                       "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                       "[0-2][0-9]:[0-5][0-9]:[0-5][0-9] \\+0000$",
                       REG_EXTENDED),
               0);
  cr_expect_eq(regexec(&re, header(h, "Date"), 0, NULL, 0), 0, "Date: %s", header(h, "Date"));
  regfree(&re);
  const char *body = strstr(msg, "\r\n\r\n") + 4;
  cr_expect_str_eq(qp_decode(body, strlen(body)), "Zeile 1\nZeile 2\n\n");
}

Test(mime, date_is_rfc5322_in_utc)
{
  char d[40];
  mime_date(0, d);
  cr_expect_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
  mime_date(1796671234, d); /* 2026-12-07 */
  cr_expect_str_eq(d, "Mon, 07 Dec 2026 19:20:34 +0000");
}

Test(mime, non_ascii_subject_in_encoded_words_that_decode_back)
{
  const char *subjects[] = {
      "Ihre Anfrage: Mercedes-Benz E 220 d T-Modell für 34.990 € – Probefahrt am Samstag ✓",
      "Größe ÄÖÜ äöü ß",
      "=?UTF-8?B?ZXZpbA==?= looks encoded but is plain text",
      ("A subject that is plain ASCII but much longer than one header line may be, so it has "
       "to be folded over several lines without losing a single character of it"),
      "日本語のテキスト、とても長いテキストがここに続きます。日本語のテキスト、とても長いテキスト",
  };
  for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
    struct mime_msg m = sample();
    m.subject = subjects[i];
    const char *msg = build(&m);
    all_lines_ok(msg, 78);
    const char *v = header(headers(msg), "Subject");
    cr_expect(!strncmp(v, "=?UTF-8?B?", 10), "encoded: %s", v);
    cr_expect_str_eq(decode_words(v), subjects[i]);
  }
}

Test(mime, no_header_can_be_injected)
{
  const char *evil[] = {"Hallo\r\nBcc: victim@example.org", "Hallo\nBcc: victim@example.org",
                        "Hallo\rBcc: victim@example.org", "Hallo\r\n\r\nbody injected",
                        "Hallo\x0b\x0c\x7f"};
  for (size_t i = 0; i < sizeof evil / sizeof *evil; i++) {
    struct mime_msg m = sample();
    m.subject = evil[i];
    m.reply_to = "a@example.org\r\nBcc: victim@example.org";
    m.to = "kunde@example.org\r\nCc: victim@example.org";
    const char *msg = build(&m);
    all_lines_ok(msg, 78);
    const char *h = headers(msg);
    cr_expect_str_eq(header(h, "Bcc"), "", "case %zu", i);
    cr_expect_str_eq(header(h, "Cc"), "", "case %zu", i);
    cr_expect_null(strstr(h, "\r\nbody injected"), "no line of its own");
    const char *subj = decode_words(header(h, "Subject"));
    cr_expect_null(strchr(subj, '\r'));
    cr_expect_null(strchr(subj, '\n'));
  }
}

Test(mime, display_names)
{
  struct mime_msg m = sample();
  m.from_name = "Autohaus Müller GmbH";
  const char *from = header(headers(build(&m)), "From");
  cr_expect(!strncmp(from, "=?UTF-8?B?", 10), "%s", from);
  cr_expect(strstr(from, " <noreply@cc24.example>") != NULL);
  m.from_name = "Auto, Haus & Co.";
  cr_expect_str_eq(header(headers(build(&m)), "From"),
                   "\"Auto, Haus & Co.\" <noreply@cc24.example>");
  m.from_name = "";
  cr_expect_str_eq(header(headers(build(&m)), "From"), "noreply@cc24.example");
}

Test(mime, quoted_printable_round_trip_and_line_length)
{
  const char *texts[] = {
      "Preis: 34.990 € = netto 29.403,36 €\n",
      "trailing spaces   \nand tabs\t\nend",
      ("a very long line without any break at all "
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "x"
       "x"
       "xxxxxxxxxxxxxxxxxxxxxxxx äöü and more text after it to make it span three lines\n"),
      "CRLF\r\nline ends\r\n.\r\n.. a dot line\r\n",
      "=\n==\n=3D\n",
      "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    struct buf b;
    buf_init(&b, a);
    mime_qp(&b, texts[i], strlen(texts[i]));
    const char *q = buf_cstr(&b);
    all_lines_ok(q, 76);
    /* the expected text: line ends as LF */
    struct buf want;
    buf_init(&want, a);
    for (const char *p = texts[i]; *p; p++)
      if (!(p[0] == '\r' && p[1] == '\n'))
        buf_putc(&want, *p);
    cr_expect_str_eq(qp_decode(q, b.len), buf_cstr(&want), "case %zu", i);
    for (const char *p = q; (p = strstr(p, " \r\n")); p++)
      cr_expect(p > q && p[-1] == '=', "a trailing space is encoded (case %zu)", i);
  }
}

Test(mime, html_alternative_and_attachments)
{
  unsigned char pdf[1000];
  for (size_t i = 0; i < sizeof pdf; i++)
    pdf[i] = (unsigned char)(i * 7);
  const char *ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
  struct mime_attachment att[] = {
      {"probefahrt.ics", "text/calendar; charset=UTF-8; method=REQUEST", ics, strlen(ics)},
      {"Angebot \"Golf\"\r\n.pdf", "application/pdf", pdf, sizeof pdf},
  };
  struct mime_msg m = sample();
  m.html = "<p>Hallo <a href=\"https://cc24.example/x?a=1&amp;b=2\">Link</a></p>";
  m.att = att;
  m.natt = 2;
  m.list_unsubscribe = "https://cc24.example/suchalarm/abbestellen?t=abc";
  const char *msg = build(&m);
  all_lines_ok(msg, 78);
  const char *h = headers(msg);
  cr_expect_str_eq(header(h, "List-Unsubscribe"),
                   "<https://cc24.example/suchalarm/abbestellen?t=abc>");
  cr_expect_str_eq(header(h, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  const char *ct = header(h, "Content-Type");
  cr_assert(!strncmp(ct, "multipart/mixed; boundary=\"", 27), "%s", ct);
  const char *bq = ct + 27;
  char mixb[80];
  snprintf(mixb, sizeof mixb, "--%.*s", (int)(strchr(bq, '"') - bq), bq);
  /* parts: the alternative, the .ics, the .pdf, and the closing boundary */
  int parts = 0;
  for (const char *p = msg; (p = strstr(p, mixb)); p += strlen(mixb))
    parts++;
  cr_expect_eq(parts, 4);
  cr_expect(strstr(msg, "Content-Type: multipart/alternative; boundary=") != NULL);
  cr_expect(strstr(msg, "Content-Type: text/plain; charset=UTF-8") != NULL);
  cr_expect(strstr(msg, "Content-Type: text/html; charset=UTF-8") != NULL);
  cr_expect(strstr(msg, "Content-Type: text/calendar; charset=UTF-8; method=REQUEST;\r\n"
                        " name=\"probefahrt.ics\"") != NULL);
  cr_expect(strstr(msg, "filename=\"Angebot__Golf___.pdf\"") != NULL,
            "the file name cannot break the header");
  /* the PDF decodes back */
  const char *pdfpart = strstr(msg, "filename=\"Angebot__Golf___.pdf\"");
  const char *b64 = strstr(pdfpart, "\r\n\r\n") + 4;
  const char *end = strstr(b64, "\r\n--");
  unsigned char back[2000];
  size_t len;
  cr_assert_eq(sodium_base642bin(back, sizeof back, b64, (size_t)(end - b64), "\r\n", &len, NULL,
                                 sodium_base64_VARIANT_ORIGINAL),
               0);
  cr_expect_eq(len, sizeof pdf);
  cr_expect_eq(memcmp(back, pdf, sizeof pdf), 0);
  /* the HTML decodes back */
  const char *hp = strstr(msg, "Content-Type: text/html; charset=UTF-8");
  const char *hb = strstr(hp, "\r\n\r\n") + 4;
  const char *he = strstr(hb, "\r\n--");
  cr_expect_str_eq(qp_decode(hb, (size_t)(he - hb)), m.html);
}

Test(mime, split_from_setting)
{
  char name[64], addr[64];
  mime_split_from("cc24 <noreply@cc24.example>", name, sizeof name, addr, sizeof addr);
  cr_expect_str_eq(name, "cc24");
  cr_expect_str_eq(addr, "noreply@cc24.example");
  mime_split_from("\"Autohaus Müller\" <info@mueller.example>", name, sizeof name, addr,
                  sizeof addr);
  cr_expect_str_eq(name, "Autohaus Müller");
  cr_expect_str_eq(addr, "info@mueller.example");
  mime_split_from("info@mueller.example", name, sizeof name, addr, sizeof addr);
  cr_expect_str_eq(name, "");
  cr_expect_str_eq(addr, "info@mueller.example");
}
