/* tenant_profile.c — the dealer profile without the database: field formats (VAT
 * ID, tax number, register number, phone, e-mail, URLs, geo), brand colours with
 * the WCAG contrast check, opening hours (parse, format, "open now" in Berlin
 * time), validation of a whole profile, the Impressum completeness check and the
 * dealer card JSON. */
#include "tenant/tenant.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "render/i18n.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- enumerations ---- */

#define LF_VALUE(e, v, de, en, reg) v,
#define LF_DE(e, v, de, en, reg)    de,
#define LF_EN(e, v, de, en, reg)    en,
#define LF_REG(e, v, de, en, reg)   reg,
static const char *const lf_values[] = {TENANT_LEGAL_FORMS(LF_VALUE)};
static const char *const lf_de[] = {TENANT_LEGAL_FORMS(LF_DE)};
static const char *const lf_en[] = {TENANT_LEGAL_FORMS(LF_EN)};
static const char lf_reg[] = {TENANT_LEGAL_FORMS(LF_REG)};
const struct enum_def tenant_enum_legal_form = {"legal_form", LF__COUNT, lf_values, lf_de, lf_en};

char tenant_legal_form_register(int legal_form)
{
  return legal_form >= 0 && legal_form < LF__COUNT ? lf_reg[legal_form] : 0;
}

#define SOC_KEY(e, key, label, host)   key,
#define SOC_LABEL(e, key, label, host) label,
#define SOC_HOST(e, key, label, host)  host,
const char *const tenant_social_keys[SOCIAL__COUNT] = {TENANT_SOCIALS(SOC_KEY)};
const char *const tenant_social_labels[SOCIAL__COUNT] = {TENANT_SOCIALS(SOC_LABEL)};
const char *const tenant_social_hosts[SOCIAL__COUNT] = {TENANT_SOCIALS(SOC_HOST)};

void tenant_profile_init(struct tenant_profile *p)
{
  memset(p, 0, sizeof *p);
  p->legal_name = p->managing_directors = p->register_court = p->register_number = "";
  p->vat_id = p->tax_number = p->about_de = p->about_en = p->logo_path = "";
  p->legal_form = -1;
  for (int i = 0; i < SOCIAL__COUNT; i++)
    p->social[i] = "";
}

/* ---- single fields ---- */

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool tenant_vat_id_valid(const char *s, char out[12])
{
  char v[12];
  size_t n = 0;
  if (!s)
    return false;
  for (; *s; s++) {
    if (*s == ' ')
      continue;
    if (n == 11)
      return false;
    char c = *s;
    if (c >= 'a' && c <= 'z')
      c = (char)(c - 'a' + 'A');
    v[n++] = c;
  }
  v[n] = 0;
  if (n != 11 || v[0] != 'D' || v[1] != 'E')
    return false;
  for (int i = 2; i < 11; i++)
    if (!is_digit(v[i]))
      return false;
  /* ISO 7064 MOD 11,10 over the first eight digits */
  int product = 10;
  for (int i = 2; i < 10; i++) {
    int sum = (v[i] - '0' + product) % 10;
    if (sum == 0)
      sum = 10;
    product = (2 * sum) % 11;
  }
  int check = 11 - product;
  if (check == 10)
    check = 0;
  if (check != v[10] - '0')
    return false;
  if (out)
    memcpy(out, v, 12);
  return true;
}

bool tenant_tax_number_valid(const char *s)
{
  if (!s || !*s)
    return false;
  int digits = 0;
  char prev = '/';
  for (const char *p = s; *p; p++) {
    if (is_digit(*p)) {
      digits++;
    } else if (*p == '/' || *p == ' ') {
      if (prev == '/' || prev == ' ')
        return false; /* no leading or doubled separators */
    } else {
      return false;
    }
    prev = *p;
  }
  return digits >= 10 && digits <= 13 && is_digit(prev);
}

bool tenant_register_number_valid(const char *s, char *type)
{
  if (!s || strncmp(s, "HR", 2) != 0 || (s[2] != 'A' && s[2] != 'B') || s[3] != ' ')
    return false;
  const char *p = s + 4;
  int d = 0;
  while (is_digit(*p)) {
    p++;
    d++;
  }
  if (d < 1 || d > 6 || s[4] == '0')
    return false;
  if (*p == ' ') {
    p++;
    int l = 0;
    while (*p >= 'A' && *p <= 'Z') {
      p++;
      l++;
    }
    if (l < 1 || l > 2)
      return false;
  }
  if (*p)
    return false;
  if (type)
    *type = s[2];
  return true;
}

bool tenant_phone_valid(const char *s)
{
  if (!s)
    return false;
  int digits = 0;
  for (const char *p = s; *p; p++) {
    if (is_digit(*p))
      digits++;
    else if (!strchr(" +/-()", *p) || (*p == '+' && p != s))
      return false;
  }
  return digits >= 6 && digits <= 20;
}

bool tenant_email_valid(const char *s)
{
  if (!s)
    return false;
  const char *at = strchr(s, '@');
  if (!at || at == s || strchr(at + 1, '@'))
    return false;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ' || strchr("\"<>()[],;:\\", *p))
      return false;
  const char *dot = strrchr(at + 1, '.');
  return dot && dot > at + 1 && dot[1] && dot[2];
}

bool tenant_url_valid(const char *s)
{
  if (!s)
    return false;
  const char *host = str_starts(s, "https://") ? s + 8 : str_starts(s, "http://") ? s + 7 : NULL;
  if (!host || !*host || *host == '/' || *host == '.')
    return false;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ' || strchr("\"'<>\\`", *p) || (unsigned char)*p == 0x7f)
      return false;
  size_t hl = strcspn(host, "/?#");
  return memchr(host, '.', hl) != NULL;
}

bool tenant_logo_path_valid(const char *s)
{
  if (!s || !str_starts(s, "/static/") || strstr(s, "..") || strstr(s, "//"))
    return false;
  size_t n = strlen(s);
  if (n > 200)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit(*p) ||
          strchr("/._-", *p)))
      return false;
  static const char *const ext[] = {".svg", ".png", ".webp", ".jpg"};
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    size_t el = strlen(ext[i]);
    if (n > strlen("/static/") + el && strcmp(s + n - el, ext[i]) == 0)
      return true;
  }
  return false;
}

int tenant_geo_parse(const char *s, int max_deg, int64_t *out_e6)
{
  if (!s || !*s)
    return -1;
  const char *p = s;
  bool neg = false;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  int64_t whole = 0;
  int wd = 0;
  while (is_digit(*p) && wd < 4) {
    whole = whole * 10 + (*p++ - '0');
    wd++;
  }
  if (wd == 0)
    return -1;
  int64_t frac = 0;
  int fd = 0;
  if (*p == '.' || *p == ',') {
    p++;
    while (is_digit(*p) && fd < 6) {
      frac = frac * 10 + (*p++ - '0');
      fd++;
    }
    if (fd == 0)
      return -1;
  }
  if (*p)
    return -1;
  for (int i = fd; i < 6; i++)
    frac *= 10;
  int64_t v = whole * 1000000 + frac;
  if (v > (int64_t)max_deg * 1000000)
    return -1;
  *out_e6 = neg ? -v : v;
  return 0;
}

void tenant_geo_format(int64_t e6, char *out, size_t n)
{
  int64_t a = e6 < 0 ? -e6 : e6;
  snprintf(out, n, "%s%lld.%06lld", e6 < 0 ? "-" : "", (long long)(a / 1000000),
           (long long)(a % 1000000));
  size_t l = strlen(out);
  while (l > 0 && out[l - 1] == '0' && out[l - 2] != '.')
    out[--l] = 0;
}

/* ---- colours ---- */

static int hexval(char c)
{
  if (is_digit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int tenant_color_parse(const char *s, char out[8])
{
  if (!s)
    return -1;
  if (*s == '#')
    s++;
  if (strlen(s) != 6)
    return -1;
  out[0] = '#';
  for (int i = 0; i < 6; i++) {
    if (hexval(s[i]) < 0)
      return -1;
    out[i + 1] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
  }
  out[7] = 0;
  return 0;
}

static void rgb(const char *hex, int c[3])
{
  for (int i = 0; i < 3; i++)
    c[i] = hexval(hex[1 + 2 * i]) * 16 + hexval(hex[2 + 2 * i]);
}

/* Relative luminance as WCAG 2.x defines it (sRGB, threshold 0.03928). */
static double luminance(const char *hex)
{
  int c[3];
  rgb(hex, c);
  double l[3];
  for (int i = 0; i < 3; i++) {
    double v = c[i] / 255.0;
    l[i] = v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
  }
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

double tenant_contrast_ratio(const char *a, const char *b)
{
  double la = luminance(a), lb = luminance(b);
  double hi = la > lb ? la : lb, lo = la > lb ? lb : la;
  return (hi + 0.05) / (lo + 0.05);
}

void tenant_color_mix(const char *hex, int amount, char out[8])
{
  int c[3];
  rgb(hex, c);
  for (int i = 0; i < 3; i++) {
    int v = amount >= 0 ? (c[i] * (1000 - amount) + 500) / 1000
                        : c[i] + ((255 - c[i]) * -amount + 500) / 1000;
    c[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

void tenant_color_darken_for_white(const char *hex, double min_ratio, char out[8])
{
  for (int amount = 0; amount <= 1000; amount += 5) {
    tenant_color_mix(hex, amount, out);
    if (tenant_contrast_ratio(out, "#ffffff") >= min_ratio)
      return;
  }
  snprintf(out, 8, "#000000");
}

/* ---- opening hours ---- */

/* "8:00", "08:00", "24:00" → minutes; -1 when malformed. */
static int parse_time(const char **sp, bool allow_24)
{
  const char *s = *sp;
  int h = 0, d = 0;
  while (is_digit(*s) && d < 2) {
    h = h * 10 + (*s++ - '0');
    d++;
  }
  if (d == 0 || *s != ':' || !is_digit(s[1]) || !is_digit(s[2]))
    return -1;
  int m = (s[1] - '0') * 10 + (s[2] - '0');
  s += 3;
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
    return -1;
  *sp = s;
  return h * 60 + m;
}

static const char *skip_spaces(const char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  return s;
}

static int cmp_interval(const void *a, const void *b)
{
  const struct tenant_interval *x = a, *y = b;
  return x->open - y->open;
}

int tenant_hours_parse_day(const char *s, struct tenant_interval iv[TENANT_HOURS_PER_DAY], int *n,
                           const char **code)
{
  *n = 0;
  s = skip_spaces(s ? s : "");
  if (!*s || str_ieq(s, "geschlossen") || str_ieq(s, "closed") || !strcmp(s, "-"))
    return 0;
  struct tenant_interval tmp[TENANT_HOURS_PER_DAY];
  int k = 0;
  for (;;) {
    s = skip_spaces(s);
    int o = parse_time(&s, false);
    if (o < 0)
      return *code = "format", -1;
    s = skip_spaces(s);
    if (*s == '-')
      s++;
    else if (!strncmp(s, "\xe2\x80\x93", 3)) /* en dash */
      s += 3;
    else
      return *code = "format", -1;
    s = skip_spaces(s);
    int c = parse_time(&s, true);
    if (c < 0)
      return *code = "format", -1;
    if (o >= c)
      return *code = "order", -1;
    if (k == TENANT_HOURS_PER_DAY)
      return *code = "too_many", -1;
    tmp[k].open = o;
    tmp[k].close = c;
    k++;
    s = skip_spaces(s);
    if (!*s)
      break;
    if (*s != ',' && *s != ';')
      return *code = "format", -1;
    s++;
  }
  qsort(tmp, (size_t)k, sizeof tmp[0], cmp_interval);
  for (int i = 1; i < k; i++)
    if (tmp[i].open < tmp[i - 1].close)
      return *code = "overlap", -1;
  memcpy(iv, tmp, sizeof tmp[0] * (size_t)k);
  *n = k;
  return 0;
}

void tenant_minutes_format(int minutes, char out[6])
{
  if (minutes < 0 || minutes > 99 * 60)
    minutes = 0;
  snprintf(out, 6, "%02d:%02d", minutes / 60 % 100, minutes % 60);
}

void tenant_hours_format_day(const struct tenant_hours *h, int weekday, const char *sep, char *out,
                             size_t n)
{
  size_t o = 0;
  out[0] = 0;
  for (int i = 0; i < h->n[weekday] && o < n; i++) {
    char a[6], b[6];
    tenant_minutes_format(h->iv[weekday][i].open, a);
    tenant_minutes_format(h->iv[weekday][i].close, b);
    int w = snprintf(out + o, n - o, "%s%s%s%s", i ? ", " : "", a, sep, b);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

int tenant_hours_validate(const struct tenant_hours *h, struct field_errors *errs)
{
  int before = errs->n;
  for (int d = 0; d < 7; d++) {
    char field[16];
    snprintf(field, sizeof field, "hours_%d", d);
    if (h->n[d] < 0 || h->n[d] > TENANT_HOURS_PER_DAY) {
      field_error_add(errs, field, "too_many", "at most %d intervals a day", TENANT_HOURS_PER_DAY);
      continue;
    }
    for (int i = 0; i < h->n[d]; i++) {
      const struct tenant_interval *v = &h->iv[d][i];
      if (v->open < 0 || v->close > 1440 || v->open >= v->close) {
        field_error_add(errs, field, "order", "an interval must open before it closes");
        break;
      }
      if (i > 0 && v->open < h->iv[d][i - 1].close) {
        field_error_add(errs, field, "overlap", "intervals must not overlap");
        break;
      }
    }
  }
  return errs->n > before ? -1 : 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

void tenant_hours_state(const struct tenant_hours *h, int64_t now, struct tenant_open_state *st)
{
  memset(st, 0, sizeof *st);
  int64_t local = now + time_berlin_offset(now);
  int64_t days = floor_div(local, 86400);
  st->minute = (int)((local - days * 86400) / 60);
  st->weekday = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
  st->next_days = -1;
  for (int d = 0; d < 7; d++)
    st->has_hours |= h->n[d] > 0;
  int wd = st->weekday;
  for (int i = 0; i < h->n[wd]; i++) {
    const struct tenant_interval *v = &h->iv[wd][i];
    if (st->minute >= v->open && st->minute < v->close) {
      st->open = true;
      st->closes = v->close;
      int nd = (wd + 1) % 7;
      /* open through midnight: "closes tomorrow at …" */
      if (v->close == 1440 && h->n[nd] > 0 && h->iv[nd][0].open == 0)
        st->closes = 1440 + h->iv[nd][0].close;
      return;
    }
  }
  for (int k = 0; k <= 7; k++) {
    int d = (wd + k) % 7;
    for (int i = 0; i < h->n[d]; i++) {
      if (k == 0 && h->iv[d][i].open <= st->minute)
        continue;
      st->next_days = k;
      st->next_weekday = d;
      st->next_open = h->iv[d][i].open;
      return;
    }
  }
}

/* t with "{name}" replaced by value. */
static const char *subst(struct arena *a, const char *t, const char *name, const char *value)
{
  char pat[32];
  snprintf(pat, sizeof pat, "{%s}", name);
  const char *p = strstr(t, pat);
  if (!p)
    return t;
  return arena_printf(a, "%.*s%s%s", (int)(p - t), t, value, p + strlen(pat));
}

const char *tenant_open_label(struct arena *a, const struct tenant_open_state *st,
                              const char *locale)
{
  if (!st->has_hours)
    return "";
  char tm[6];
  if (st->open) {
    bool tomorrow = st->closes > 1440;
    tenant_minutes_format(tomorrow ? st->closes - 1440 : st->closes, tm);
    return subst(a,
                 i18n_get(locale, tomorrow ? "opening_hours.open_until_tomorrow"
                                           : "opening_hours.open_until"),
                 "time", tm);
  }
  if (st->next_days < 0)
    return i18n_get(locale, "opening_hours.closed_now");
  tenant_minutes_format(st->next_open, tm);
  const char *t;
  if (st->next_days == 0)
    t = i18n_get(locale, "opening_hours.opens_today");
  else if (st->next_days == 1)
    t = i18n_get(locale, "opening_hours.opens_tomorrow");
  else {
    char key[40];
    snprintf(key, sizeof key, "opening_hours.short_%d", st->next_weekday);
    t = subst(a, i18n_get(locale, "opening_hours.opens_day"), "day", i18n_get(locale, key));
  }
  return subst(a, t, "time", tm);
}

/* ---- validation ---- */

static void check_len(struct field_errors *errs, const char *field, const char *v, size_t max)
{
  v = v ? v : "";
  size_t n = strlen(v);
  if (!utf8_valid(v, n))
    field_error_add(errs, field, "format", "%s must be valid UTF-8", field);
  else if (utf8_len(v, n) > max)
    field_error_add(errs, field, "length", "%s must have at most %zu characters", field, max);
}

static bool social_ok(const char *url, const char *host)
{
  if (!tenant_url_valid(url) || !str_starts(url, "https://"))
    return false;
  const char *h = url + 8;
  size_t hl = strcspn(h, "/?#:");
  size_t want = strlen(host);
  if (hl == want && !strncasecmp(h, host, want))
    return true;
  /* a subdomain ("www.facebook.com", "de.linkedin.com") */
  return hl > want + 1 && h[hl - want - 1] == '.' && !strncasecmp(h + hl - want, host, want);
}

int tenant_profile_validate(const struct tenant *t, const struct tenant_profile *p,
                            struct field_errors *errs)
{
  int before = errs->n;
  struct tenant base = *t;
  tenant_validate(&base, errs);
  if (t->zip && *t->zip && (!t->country || !strcmp(t->country, "DE"))) {
    bool ok = strlen(t->zip) == 5;
    for (int i = 0; ok && i < 5; i++)
      ok = is_digit(t->zip[i]);
    if (!ok)
      field_error_add(errs, "zip", "format", "a German postcode has five digits");
  }
  if (t->phone && *t->phone && !tenant_phone_valid(t->phone))
    field_error_add(errs, "phone", "format", "phone number: digits, spaces and + / - ( )");
  if (t->email && *t->email && !tenant_email_valid(t->email) && !field_error_get(errs, "email"))
    field_error_add(errs, "email", "format", "email is not a valid address");
  if (t->website && *t->website && !tenant_url_valid(t->website))
    field_error_add(errs, "website", "format", "website must be an http(s) address");

  check_len(errs, "legal_name", p->legal_name, 160);
  if (p->legal_form < -1 || p->legal_form >= LF__COUNT)
    field_error_add(errs, "legal_form", "enum", "unknown legal form");
  check_len(errs, "managing_directors", p->managing_directors, 200);
  check_len(errs, "register_court", p->register_court, 80);
  char rtype = 0;
  bool has_court = p->register_court && *p->register_court;
  bool has_number = p->register_number && *p->register_number;
  if (has_number && !tenant_register_number_valid(p->register_number, &rtype))
    field_error_add(errs, "register_number", "format",
                    "register number like \"HRB 12345\" or \"HRA 1234\"");
  else if (has_number && p->legal_form >= 0) {
    char want = tenant_legal_form_register(p->legal_form);
    if (want != rtype && want)
      field_error_add(errs, "register_number", "register_type",
                      "this legal form is entered in HR%c", want);
    else if (want != rtype)
      field_error_add(errs, "register_number", "register_type",
                      "this legal form has no commercial register entry");
  }
  if (has_number && !has_court)
    field_error_add(errs, "register_court", "required", "the register court is missing");
  if (has_court && !has_number)
    field_error_add(errs, "register_number", "required", "the register number is missing");
  if (p->vat_id && *p->vat_id && !tenant_vat_id_valid(p->vat_id, NULL))
    field_error_add(errs, "vat_id", "format",
                    "a German VAT ID is DE and nine digits with a valid check digit");
  if (p->tax_number && *p->tax_number && !tenant_tax_number_valid(p->tax_number))
    field_error_add(errs, "tax_number", "format", "a tax number has 10 to 13 digits");
  if (p->has_geo) {
    if (p->lat_e6 < -90000000 || p->lat_e6 > 90000000)
      field_error_add(errs, "lat", "range", "latitude between -90 and 90");
    if (p->lon_e6 < -180000000 || p->lon_e6 > 180000000)
      field_error_add(errs, "lon", "range", "longitude between -180 and 180");
  }
  check_len(errs, "about_de", p->about_de, 2000);
  check_len(errs, "about_en", p->about_en, 2000);
  if (p->logo_path && *p->logo_path && !tenant_logo_path_valid(p->logo_path))
    field_error_add(errs, "logo_path", "format",
                    "a logo is a path under /static/ ending .svg, .png, .webp or .jpg");
  const struct {
    const char *field, *v;
  } colours[] = {{"color_primary", p->color_primary}, {"color_accent", p->color_accent}};
  for (size_t i = 0; i < 2; i++) {
    char norm[8];
    if (!colours[i].v[0])
      continue;
    if (tenant_color_parse(colours[i].v, norm) < 0) {
      field_error_add(errs, colours[i].field, "format", "a colour like #1d4ed8");
      continue;
    }
    double r = tenant_contrast_ratio(norm, "#ffffff");
    if (r < TENANT_MIN_CONTRAST) {
      char dark[8];
      tenant_color_darken_for_white(norm, TENANT_MIN_CONTRAST, dark);
      field_error_add(errs, colours[i].field, "contrast",
                      "white text on %s has a contrast of %.1f:1, at least 4.5:1 is needed;"
                      " try %s",
                      norm, r, dark);
    }
  }
  tenant_hours_validate(&p->hours, errs);
  if (p->nteam < 0 || p->nteam > TENANT_TEAM_MAX)
    field_error_add(errs, "team", "too_many", "at most %d team members", TENANT_TEAM_MAX);
  for (int i = 0; i < p->nteam && i < TENANT_TEAM_MAX; i++) {
    const struct tenant_member *m = &p->team[i];
    char f[32];
    snprintf(f, sizeof f, "team_%d_name", i);
    if (!m->name || !*m->name)
      field_error_add(errs, f, "required", "a team member needs a name");
    else
      check_len(errs, f, m->name, 80);
    snprintf(f, sizeof f, "team_%d_role", i);
    check_len(errs, f, m->role, 60);
    snprintf(f, sizeof f, "team_%d_phone", i);
    if (m->phone && *m->phone && !tenant_phone_valid(m->phone))
      field_error_add(errs, f, "format", "phone number: digits, spaces and + / - ( )");
    snprintf(f, sizeof f, "team_%d_email", i);
    if (m->email && strlen(m->email) > 254)
      field_error_add(errs, f, "length", "at most 254 characters");
    else if (m->email && *m->email &&
             (!utf8_valid(m->email, strlen(m->email)) || !tenant_email_valid(m->email)))
      field_error_add(errs, f, "format", "email is not a valid address");
  }
  for (int i = 0; i < SOCIAL__COUNT; i++) {
    if (!p->social[i] || !*p->social[i])
      continue;
    char f[32];
    snprintf(f, sizeof f, "social_%s", tenant_social_keys[i]);
    if (strlen(p->social[i]) > 200 || !utf8_valid(p->social[i], strlen(p->social[i])) ||
        !social_ok(p->social[i], tenant_social_hosts[i]))
      field_error_add(errs, f, "format", "an https address on %s", tenant_social_hosts[i]);
  }
  return errs->n > before ? -1 : 0;
}

static const char *field(struct arena *a, tenant_field_fn get, void *ctx, const char *name)
{
  const char *v = get(ctx, name);
  if (!v)
    return "";
  /* trim ASCII whitespace only when it is valid text; invalid UTF-8 fails validation */
  return str_trim(a, v);
}

int tenant_profile_from_fields(struct arena *a, tenant_field_fn get, void *ctx, struct tenant *t,
                               struct tenant_profile *p, struct field_errors *errs)
{
  int before = errs->n;
  tenant_profile_init(p);
  t->name = field(a, get, ctx, "name");
  t->street = field(a, get, ctx, "street");
  t->zip = field(a, get, ctx, "zip");
  t->city = field(a, get, ctx, "city");
  t->phone = field(a, get, ctx, "phone");
  t->email = field(a, get, ctx, "email");
  t->website = field(a, get, ctx, "website");
  p->legal_name = field(a, get, ctx, "legal_name");
  const char *lf = field(a, get, ctx, "legal_form");
  p->legal_form = *lf ? enum_parse(&tenant_enum_legal_form, lf) : -1;
  if (*lf && p->legal_form < 0)
    p->legal_form = -2; /* reported by validation */
  p->managing_directors = field(a, get, ctx, "managing_directors");
  p->register_court = field(a, get, ctx, "register_court");
  /* "hrb 12345" → "HRB 12345" */
  char *rn = arena_strdup(a, field(a, get, ctx, "register_number"));
  for (char *q = rn; *q; q++)
    if (*q >= 'a' && *q <= 'z')
      *q = (char)(*q - 'a' + 'A');
  p->register_number = rn;
  const char *vat = field(a, get, ctx, "vat_id");
  char vn[12];
  p->vat_id = tenant_vat_id_valid(vat, vn) ? arena_strdup(a, vn) : vat;
  p->tax_number = field(a, get, ctx, "tax_number");
  const char *lat = field(a, get, ctx, "lat"), *lon = field(a, get, ctx, "lon");
  if (*lat || *lon) {
    p->has_geo = true;
    if (tenant_geo_parse(lat, 90, &p->lat_e6) < 0)
      field_error_add(errs, "lat", "format", "latitude like 53.5731 (between -90 and 90)");
    if (tenant_geo_parse(lon, 180, &p->lon_e6) < 0)
      field_error_add(errs, "lon", "format", "longitude like 10.0712 (between -180 and 180)");
  }
  p->about_de = field(a, get, ctx, "about_de");
  p->about_en = field(a, get, ctx, "about_en");
  p->logo_path = field(a, get, ctx, "logo_path");
  const char *cp = field(a, get, ctx, "color_primary"), *ca = field(a, get, ctx, "color_accent");
  const struct {
    const char *name, *v;
    char *out;
  } colours[] = {{"color_primary", cp, p->color_primary}, {"color_accent", ca, p->color_accent}};
  for (size_t i = 0; i < 2; i++) {
    if (!*colours[i].v)
      continue;
    if (tenant_color_parse(colours[i].v, colours[i].out) < 0) {
      colours[i].out[0] = 0;
      field_error_add(errs, colours[i].name, "format", "a colour like #1d4ed8");
    }
  }
  for (int d = 0; d < 7; d++) {
    char name[16];
    snprintf(name, sizeof name, "hours_%d", d);
    const char *code = NULL;
    if (tenant_hours_parse_day(field(a, get, ctx, name), p->hours.iv[d], &p->hours.n[d], &code) <
        0) {
      static const struct {
        const char *code, *text;
      } texts[] = {{"format", "times as HH:MM-HH:MM, several separated by commas"},
                   {"order", "an interval must open before it closes"},
                   {"overlap", "intervals must not overlap"},
                   {"too_many", "at most four intervals a day"}};
      const char *text = texts[0].text;
      for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        if (!strcmp(code, texts[k].code))
          text = texts[k].text;
      field_error_add(errs, name, code, "%s", text);
    }
  }
  for (int i = 0; i < TENANT_TEAM_MAX; i++) {
    char n1[32], n2[32], n3[32], n4[32];
    snprintf(n1, sizeof n1, "team_%d_name", i);
    snprintf(n2, sizeof n2, "team_%d_role", i);
    snprintf(n3, sizeof n3, "team_%d_phone", i);
    snprintf(n4, sizeof n4, "team_%d_email", i);
    struct tenant_member m = {field(a, get, ctx, n1), field(a, get, ctx, n2),
                              field(a, get, ctx, n3), field(a, get, ctx, n4)};
    /* empty rows are dropped; the kept ones move up (errors name the new positions) */
    if (!*m.name && !*m.role && !*m.phone && !*m.email)
      continue;
    p->team[p->nteam++] = m;
  }
  for (int i = 0; i < SOCIAL__COUNT; i++) {
    char name[32];
    snprintf(name, sizeof name, "social_%s", tenant_social_keys[i]);
    p->social[i] = field(a, get, ctx, name);
  }
  tenant_profile_validate(t, p, errs);
  return errs->n > before ? -1 : 0;
}

int tenant_imprint_missing(const struct tenant *t, const struct tenant_profile *p,
                           const char **keys, int max)
{
  int n = 0;
#define MISSING(cond, key)                                                                         \
  do {                                                                                             \
    if ((cond) && n < max)                                                                         \
      keys[n++] = (key);                                                                           \
  } while (0)
  MISSING(!p->legal_name || !*p->legal_name, "legal_name");
  MISSING(p->legal_form < 0, "legal_form");
  MISSING(!t->street || !*t->street, "street");
  MISSING(!t->zip || !*t->zip, "zip");
  MISSING(!t->city || !*t->city, "city");
  MISSING(!t->email || !*t->email, "email");
  MISSING(!t->phone || !*t->phone, "phone");
  /* companies name who represents them; sole traders are their own representative */
  bool company = p->legal_form >= 0 && p->legal_form != LF_SOLE && p->legal_form != LF_EK;
  MISSING(company && (!p->managing_directors || !*p->managing_directors), "managing_directors");
  bool registered = tenant_legal_form_register(p->legal_form) != 0;
  MISSING(registered && (!p->register_court || !*p->register_court), "register_court");
  MISSING(registered && (!p->register_number || !*p->register_number), "register_number");
#undef MISSING
  return n;
}

/* ---- presentation ---- */

static const char *s_or(const char *s)
{
  return s ? s : "";
}

const char *tenant_map_url(struct arena *a, const struct tenant *t, const struct tenant_profile *p)
{
  if (p && p->has_geo) {
    char la[24], lo[24];
    tenant_geo_format(p->lat_e6, la, sizeof la);
    tenant_geo_format(p->lon_e6, lo, sizeof lo);
    return arena_printf(a, "https://www.openstreetmap.org/?mlat=%s&mlon=%s#map=17/%s/%s", la, lo,
                        la, lo);
  }
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, "https://www.openstreetmap.org/search?query=");
  const char *q = arena_printf(a, "%s, %s %s", s_or(t->street), s_or(t->zip), s_or(t->city));
  buf_append_urlenc(&b, q, strlen(q));
  return buf_cstr(&b);
}

json_t *tenant_card_json(struct arena *a, const struct tenant *t, const struct tenant_profile *p,
                         const char *locale, int64_t now)
{
  json_t *c = json_object();
  json_object_set_new(c, "name", json_string(s_or(t->name)));
  json_object_set_new(c, "slug", json_string(s_or(t->slug)));
  json_object_set_new(c, "showroom_url",
                      json_string(arena_printf(a, "/haendler/%s", s_or(t->slug))));
  json_object_set_new(c, "street", json_string(s_or(t->street)));
  json_object_set_new(c, "zip", json_string(s_or(t->zip)));
  json_object_set_new(c, "city", json_string(s_or(t->city)));
  const char *addr = *s_or(t->street)
                         ? arena_printf(a, "%s, %s %s", t->street, s_or(t->zip), s_or(t->city))
                         : arena_printf(a, "%s %s", s_or(t->zip), s_or(t->city));
  json_object_set_new(c, "address", json_string(addr));
  json_object_set_new(c, "phone", json_string(s_or(t->phone)));
  json_object_set_new(c, "phone_href", json_string(str_tel_uri(a, t->phone)));
  json_object_set_new(c, "email", json_string(s_or(t->email)));
  json_object_set_new(c, "website", json_string(s_or(t->website)));
  json_object_set_new(c, "map_url", json_string(tenant_map_url(a, t, p)));
  json_object_set_new(c, "has_geo", json_boolean(p->has_geo));
  if (p->has_geo) {
    char la[24], lo[24];
    tenant_geo_format(p->lat_e6, la, sizeof la);
    tenant_geo_format(p->lon_e6, lo, sizeof lo);
    json_object_set_new(c, "lat", json_string(la));
    json_object_set_new(c, "lon", json_string(lo));
  }
  json_object_set_new(c, "logo", json_string(s_or(p->logo_path)));
  struct tenant_open_state st;
  tenant_hours_state(&p->hours, now, &st);
  json_object_set_new(c, "open_now", json_boolean(st.open));
  json_object_set_new(c, "has_hours", json_boolean(st.has_hours));
  json_object_set_new(c, "open_label", json_string(tenant_open_label(a, &st, locale)));
  json_t *hours = json_array();
  for (int d = 0; d < 7; d++) {
    char key[40], text[128];
    tenant_hours_format_day(&p->hours, d, "\xe2\x80\x93", text, sizeof text);
    json_t *h = json_object();
    snprintf(key, sizeof key, "opening_hours.day_%d", d);
    json_object_set_new(h, "day", json_string(i18n_get(locale, key)));
    snprintf(key, sizeof key, "opening_hours.short_%d", d);
    json_object_set_new(h, "day_short", json_string(i18n_get(locale, key)));
    json_object_set_new(h, "closed", json_boolean(p->hours.n[d] == 0));
    json_object_set_new(
        h, "text", json_string(p->hours.n[d] ? text : i18n_get(locale, "opening_hours.closed")));
    json_object_set_new(h, "today", json_boolean(d == st.weekday));
    json_t *ivs = json_array();
    for (int i = 0; i < p->hours.n[d]; i++) {
      char o[6], cl[6];
      tenant_minutes_format(p->hours.iv[d][i].open, o);
      tenant_minutes_format(p->hours.iv[d][i].close, cl);
      json_array_append_new(ivs, json_string(arena_printf(a, "%s\xe2\x80\x93%s", o, cl)));
    }
    json_object_set_new(h, "intervals", ivs);
    json_array_append_new(hours, h);
  }
  json_object_set_new(c, "hours", hours);
  return c;
}

int tenant_card_load(db_conn *c, struct arena *a, int64_t tenant_id, const char *locale,
                     int64_t now, json_t **out, struct err *e)
{
  struct tenant t;
  struct tenant_profile p;
  *out = NULL;
  int rc = tenant_store_by_id(c, a, tenant_id, &t, e);
  if (rc <= 0)
    return rc;
  if (tenant_profile_load(c, a, tenant_id, &p, e) < 0)
    return -1;
  *out = tenant_card_json(a, &t, &p, locale, now);
  return 1;
}
