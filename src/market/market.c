/* market.c — the Börse model: names, commission, the negotiation state
 * machine, and validation of amounts, validity dates and texts. */
#include "market/market.h"

#include "core/config.h"
#include "core/json.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

const char *const market_listing_status_names[MARKET_LISTING__COUNT] = {"active", "withdrawn",
                                                                        "sold", "expired"};
const char *const market_offer_status_names[MARKET_OFFER__COUNT] = {"open", "accepted", "rejected",
                                                                    "withdrawn", "closed"};
const char *const market_side_names[MARKET_SIDE__COUNT] = {"seller", "buyer", "platform"};
const char *const market_action_names[MARKET_ACT__COUNT] = {"offer",  "counter",  "accept",
                                                            "reject", "withdraw", "close"};

int market_name_parse(const char *const *names, int n, const char *name)
{
  if (!name)
    return -1;
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], name))
      return i;
  return -1;
}

int64_t market_commission(int64_t net_cents, int bp)
{
  /* money_apply_bp rounds half away from zero in 128-bit arithmetic, which is
   * round-half-up for the positive amounts the Börse deals in */
  return money_apply_bp(net_cents, bp);
}

int market_commission_bp(void)
{
  return cfg.market_commission_bp;
}

int64_t market_vat(int64_t net_cents)
{
  return money_apply_bp(net_cents, 1900);
}

int market_offer_step(int status, int turn, int actor, int action, int *status_out, int *turn_out,
                      struct err *e)
{
  if (status != MARKET_OFFER_OPEN)
    return err_set(e, CC24_E_CONFLICT, "the offer is %s, not open",
                   status >= 0 && status < MARKET_OFFER__COUNT ? market_offer_status_names[status]
                                                               : "unknown");
  *status_out = status;
  *turn_out = turn;
  switch (action) {
  case MARKET_ACT_CLOSE:
    if (actor != MARKET_PLATFORM)
      return err_set(e, CC24_E_FORBIDDEN, "only the platform closes offers");
    *status_out = MARKET_OFFER_CLOSED;
    return 0;
  case MARKET_ACT_WITHDRAW:
    /* the buyer takes back its own pending offer; a counter-offer it rejects */
    if (actor != MARKET_BUYER)
      return err_set(e, CC24_E_FORBIDDEN, "only the buyer withdraws an offer");
    if (turn != MARKET_SELLER)
      return err_set(e, CC24_E_CONFLICT, "a counter-offer is waiting for the buyer's answer");
    *status_out = MARKET_OFFER_WITHDRAWN;
    return 0;
  case MARKET_ACT_COUNTER:
  case MARKET_ACT_ACCEPT:
  case MARKET_ACT_REJECT:
    if (actor != MARKET_SELLER && actor != MARKET_BUYER)
      return err_set(e, CC24_E_FORBIDDEN, "only seller and buyer negotiate");
    if (actor != turn)
      return err_set(e, CC24_E_CONFLICT, "it is the other side's turn");
    if (action == MARKET_ACT_COUNTER)
      *turn_out = actor == MARKET_SELLER ? MARKET_BUYER : MARKET_SELLER;
    else
      *status_out = action == MARKET_ACT_ACCEPT ? MARKET_OFFER_ACCEPTED : MARKET_OFFER_REJECTED;
    return 0;
  default:
    return err_set(e, CC24_E_BAD_REQUEST, "not a step of a negotiation");
  }
}

int market_listing_effective(int status, int64_t valid_until, int64_t now)
{
  if (status == MARKET_LISTING_ACTIVE && now > valid_until)
    return MARKET_LISTING_EXPIRED;
  return status;
}

int market_amount_check(int64_t cents, const char *field, struct field_errors *errs)
{
  if (cents <= 0) {
    field_error_add(errs, field, "range", "%s must be more than 0", field);
    return -1;
  }
  if (cents > MARKET_MAX_CENTS) {
    field_error_add(errs, field, "range", "%s must be at most %lld cents", field,
                    (long long)MARKET_MAX_CENTS);
    return -1;
  }
  return 0;
}

int market_amount_parse(const char *s, const char *field, int64_t *cents, struct field_errors *errs)
{
  *cents = 0;
  if (!s || !*s) {
    field_error_add(errs, field, "required", "%s is required", field);
    return -1;
  }
  /* a leading minus is not part of the euro syntax, so it is caught here explicitly */
  if (money_parse_euros(s, cents) < 0) {
    field_error_add(errs, field, strchr(s, '-') ? "range" : "format",
                    "%s must be an amount in euros like 12.345 or 12345,50", field);
    return -1;
  }
  return market_amount_check(*cents, field, errs);
}

static int64_t floor_days(int64_t t)
{
  return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

int64_t market_berlin_day_end(int64_t days)
{
  /* local midnight after `days` is 22:00 or 23:00 UTC the evening before; the
   * offset two hours before UTC midnight is the one in force then (the EU switch
   * happens at 01:00 UTC) */
  int64_t next_utc_midnight = (days + 1) * 86400;
  int off = time_berlin_offset(next_utc_midnight - 7200);
  return next_utc_midnight - off - 1;
}

void market_berlin_ymd(int64_t t, char out[11])
{
  int y, m, d;
  time_civil_from_days(floor_days(t + time_berlin_offset(t)), &y, &m, &d);
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

int market_valid_until_parse(const char *ymd, int64_t now, const char *field, int64_t *out,
                             struct field_errors *errs)
{
  int y, m, d;
  char tail;
  if (!ymd || !*ymd) {
    field_error_add(errs, field, "required", "%s is required", field);
    return -1;
  }
  if (strlen(ymd) != 10 || sscanf(ymd, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || ymd[4] != '-' ||
      ymd[7] != '-' || y < 1970 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) {
    field_error_add(errs, field, "format", "%s must be a date YYYY-MM-DD", field);
    return -1;
  }
  int64_t days = time_days_from_civil(y, m, d);
  int yy, mm, dd;
  time_civil_from_days(days, &yy, &mm, &dd);
  if (yy != y || mm != m || dd != d) { /* 2026-02-30 */
    field_error_add(errs, field, "format", "%s is not a calendar date", field);
    return -1;
  }
  int64_t today = floor_days(now + time_berlin_offset(now));
  if (days < today || days > today + MARKET_MAX_VALID_DAYS) {
    field_error_add(errs, field, "range", "%s must be from today to %d days ahead", field,
                    MARKET_MAX_VALID_DAYS);
    return -1;
  }
  *out = market_berlin_day_end(days);
  return 0;
}

int market_text_check(const char *s, int max, const char *field, struct field_errors *errs)
{
  if (!s)
    return 0;
  size_t n = strlen(s);
  if (!utf8_valid(s, n)) {
    field_error_add(errs, field, "format", "%s must be valid UTF-8 text", field);
    return -1;
  }
  if (utf8_len(s, n) > (size_t)max) {
    field_error_add(errs, field, "length", "%s must have at most %d characters", field, max);
    return -1;
  }
  return 0;
}
