/* lead.c — the lead model and its validation (see lead.h). */
#include "crm/lead.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_values[] = {"contact", "test_drive", "financing", "trade_in"};
static const char *const kind_de[] = {"Kontaktanfrage", "Probefahrt", "Finanzierungsanfrage",
                                      "Inzahlungnahme"};
static const char *const kind_en[] = {"Contact request", "Test drive", "Financing request",
                                      "Trade-in"};
const struct enum_def lead_enum_kind = {"kind", LEAD__COUNT, kind_values, kind_de, kind_en};

void lead_init(struct lead *l)
{
  memset(l, 0, sizeof *l);
  l->kind = LEAD_CONTACT;
  l->name = l->email = l->phone = l->message = l->preferred_date = "";
  l->vehicle_public_id = l->vehicle_title = "";
  l->privacy_notice = LEAD_PRIVACY_NOTICE;
  l->status = "new";
}

static bool label_ok(const char *s, size_t n)
{
  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

bool lead_email_valid(const char *s)
{
  if (!s)
    return false;
  size_t n = strlen(s);
  const char *at = strchr(s, '@');
  if (n > LEAD_EMAIL_MAX || !at || at == s || strchr(at + 1, '@'))
    return false;
  for (const char *p = s; p < at; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' ||
        *p == ',' || *p == ';')
      return false;
  const char *d = at + 1;
  int labels = 0;
  for (;;) {
    const char *dot = strchr(d, '.');
    size_t ln = dot ? (size_t)(dot - d) : strlen(d);
    if (!label_ok(d, ln))
      return false;
    labels++;
    if (!dot)
      break;
    d = dot + 1;
  }
  return labels >= 2;
}

bool lead_phone_valid(const char *s)
{
  if (!s)
    return false;
  size_t n = strlen(s);
  if (n == 0 || n > LEAD_PHONE_MAX)
    return false;
  int digits = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9')
      digits++;
    else if (c == '+' && i == 0)
      continue;
    else if (!strchr(" ()-/.", c))
      return false;
  }
  return digits >= 6 && digits <= 15;
}

/* Trimmed copy; NULL stays "". */
static const char *trimmed(struct arena *a, const char *s)
{
  return s ? str_trim(a, s) : "";
}

/* Valid UTF-8, no control characters except (when multiline) newlines and tabs. */
static bool text_ok(const char *s, bool multiline)
{
  size_t n = strlen(s);
  if (!utf8_valid(s, n))
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) {
      if (multiline && (c == '\n' || c == '\r' || c == '\t'))
        continue;
      return false;
    }
  }
  return true;
}

/* Days since 1970-01-01 of the Berlin calendar date at t. */
static int64_t berlin_day(int64_t t)
{
  int64_t local = t + time_berlin_offset(t);
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

/* "YYYY-MM-DD" → days since the epoch, or INT64_MIN when malformed. */
static int64_t parse_date(const char *s)
{
  int y, m, d;
  char tail;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
      sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return INT64_MIN;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
      return INT64_MIN;
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
    return INT64_MIN;
  int64_t days = time_days_from_civil(y, m, d);
  int yy, mm, dd;
  time_civil_from_days(days, &yy, &mm, &dd);
  if (yy != y || mm != m || dd != d)
    return INT64_MIN; /* 31 February and the like */
  return days;
}

int lead_validate(struct arena *a, struct lead *l, int64_t now, struct field_errors *errs)
{
  int before = errs->n;
  l->name = trimmed(a, l->name);
  l->email = trimmed(a, l->email);
  l->phone = trimmed(a, l->phone);
  l->message = trimmed(a, l->message);
  l->preferred_date = trimmed(a, l->preferred_date);

  if (l->kind < 0 || l->kind >= LEAD__COUNT)
    field_error_add(errs, "kind", "enum",
                    "kind must be contact, test_drive, financing or trade_in");

  size_t nl = utf8_valid(l->name, strlen(l->name)) ? utf8_len(l->name, strlen(l->name)) : 0;
  if (!*l->name)
    field_error_add(errs, "name", "required", "name is required");
  else if (!text_ok(l->name, false) || nl < 2 || nl > LEAD_NAME_MAX)
    field_error_add(errs, "name", "length", "name must have 2 to %d characters", LEAD_NAME_MAX);

  if (!*l->email)
    field_error_add(errs, "email", "required", "email is required");
  else if (!lead_email_valid(l->email))
    field_error_add(errs, "email", "format", "email is not a valid address");

  if (!*l->phone) {
    if (l->kind == LEAD_TEST_DRIVE)
      field_error_add(errs, "phone", "required", "a phone number is required for a test drive");
  } else if (!lead_phone_valid(l->phone)) {
    field_error_add(errs, "phone", "format", "phone is not a valid number");
  }

  bool msg_utf8 = utf8_valid(l->message, strlen(l->message));
  if (!*l->message) {
    if (l->kind == LEAD_CONTACT || l->kind == LEAD_TRADE_IN)
      field_error_add(errs, "message", "required", "message is required");
  } else if (!msg_utf8 || !text_ok(l->message, true) ||
             utf8_len(l->message, strlen(l->message)) > LEAD_MESSAGE_MAX) {
    field_error_add(errs, "message", "length", "message must have at most %d characters",
                    LEAD_MESSAGE_MAX);
  }

  if (l->kind == LEAD_TEST_DRIVE) {
    int64_t day = *l->preferred_date ? parse_date(l->preferred_date) : INT64_MIN;
    int64_t today = berlin_day(now);
    if (!*l->preferred_date)
      field_error_add(errs, "preferred_date", "required", "preferred_date is required");
    else if (day == INT64_MIN)
      field_error_add(errs, "preferred_date", "format", "preferred_date must be YYYY-MM-DD");
    else if (day < today || day > today + LEAD_DATE_AHEAD_DAYS)
      field_error_add(errs, "preferred_date", "range",
                      "preferred_date must be from today to %d days ahead", LEAD_DATE_AHEAD_DAYS);
  } else {
    l->preferred_date = "";
  }
  return errs->n > before ? -1 : 0;
}
