/* The Börse model: commission rounding (half up at exactly half a cent, large
 * amounts exact), the negotiation state machine against an explicit table of
 * every (state, turn, actor, action), amounts, validity dates (Berlin days,
 * daylight saving) and texts. */
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "market/market.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* ---- commission ---- */

static const struct {
  int64_t net;
  int bp;
  int64_t want;
} commission_cases[] = {
    {100, 1358, 14},                                      /* 13.58 ct → 14 */
    {2500, 1358, 340},                                    /* 339.5 ct: exactly half → up */
    {2581, 1358, 350},                                    /* 350.4998 → down */
    {2419, 1358, 329},                                    /* 328.5002 → up */
    {1, 5000, 1},                                         /* 0.5 → 1 */
    {3, 5000, 2},                                         /* 1.5 → 2 */
    {5, 5000, 3},                                         /* 2.5 → 3, not banker's 2 */
    {1, 4999, 0},                                         /* 0.4999 → 0 */
    {2, 2500, 1},                                         /* 0.5 → 1 */
    {1, 0, 0},                                            /* no commission configured */
    {987654, 10000, 987654},                              /* 100 % */
    {1000000, 1358, 135800},                              /* 10,000 € → 1,358 € */
    {2150400, 1358, 292024},                              /* 292,024.32 ct */
    {123456789, 1358, 16765432},                          /* 16,765,431.9462 ct */
    {10000000000LL, 1358, 1358000000LL},                  /* the largest trade price */
    {9000000000000000000LL, 1358, 1222200000000000000LL}, /* needs 128-bit products */
    {9223372036854775807LL, 1, 922337203685478LL}, /* INT64_MAX × 1 bp: ...477.5807 → up */
};

Test(market, commission_rounds_half_up_in_cents)
{
  for (size_t i = 0; i < sizeof commission_cases / sizeof commission_cases[0]; i++)
    cr_expect_eq(market_commission(commission_cases[i].net, commission_cases[i].bp),
                 commission_cases[i].want, "net %lld at %d bp: got %lld, want %lld",
                 (long long)commission_cases[i].net, commission_cases[i].bp,
                 (long long)market_commission(commission_cases[i].net, commission_cases[i].bp),
                 (long long)commission_cases[i].want);
}

Test(market, commission_matches_an_independent_formula)
{
  /* floor((2·net·bp + 10000) / 20000) is round-half-up for non-negative amounts */
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 200000; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    int64_t net = (int64_t)(s % 10000000000ULL) + 1;
    int bp = (int)((s >> 40) % 10001);
    __int128 ref = ((__int128)net * bp * 2 + 10000) / 20000;
    cr_assert_eq(market_commission(net, bp), (int64_t)ref, "net %lld bp %d", (long long)net, bp);
  }
}

Test(market, the_default_rate_is_13_58_percent_and_configurable)
{
  config_defaults();
  cr_assert_eq(market_commission_bp(), MARKET_DEFAULT_COMMISSION_BP);
  cr_assert_eq(MARKET_DEFAULT_COMMISSION_BP, 1358);
  cr_assert_eq(config_set("market-commission-bp", "950"), 0);
  cr_assert_eq(market_commission_bp(), 950);
  cr_assert_neq(config_set("market-commission-bp", "10001"), 0, "more than 100 %% is refused");
  cr_assert_neq(config_set("market-commission-bp", "-1"), 0);
  cr_assert_neq(config_set("market-commission-bp", "13.58"), 0, "basis points are integers");
  config_defaults();
}

Test(market, vat_on_net_is_19_percent_rounded)
{
  cr_assert_eq(market_vat(10000), 1900);
  cr_assert_eq(market_vat(2150400), 408576);
  cr_assert_eq(market_vat(50), 10); /* 9.5 → 10 */
  cr_assert_eq(market_vat(1), 0);   /* 0.19 → 0 */
}

/* ---- the negotiation ---- */

enum { OK, CONFLICT, FORBIDDEN };

struct step_case {
  int status, turn, actor, action;
  int result;
  int status_out, turn_out;
};

/* Every rule of the negotiation on an open offer, written out. */
static const struct step_case open_cases[] = {
    /* the seller must answer the buyer's offer */
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_SELLER, MARKET_ACT_ACCEPT, OK, MARKET_OFFER_ACCEPTED,
     MARKET_SELLER},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_SELLER, MARKET_ACT_REJECT, OK, MARKET_OFFER_REJECTED,
     MARKET_SELLER},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_SELLER, MARKET_ACT_COUNTER, OK, MARKET_OFFER_OPEN,
     MARKET_BUYER},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_SELLER, MARKET_ACT_WITHDRAW, FORBIDDEN, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_BUYER, MARKET_ACT_ACCEPT, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_BUYER, MARKET_ACT_REJECT, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_BUYER, MARKET_ACT_COUNTER, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_BUYER, MARKET_ACT_WITHDRAW, OK,
     MARKET_OFFER_WITHDRAWN, MARKET_SELLER},
    /* a counter-offer waits for the buyer */
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_BUYER, MARKET_ACT_ACCEPT, OK, MARKET_OFFER_ACCEPTED,
     MARKET_BUYER},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_BUYER, MARKET_ACT_REJECT, OK, MARKET_OFFER_REJECTED,
     MARKET_BUYER},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_BUYER, MARKET_ACT_COUNTER, OK, MARKET_OFFER_OPEN,
     MARKET_SELLER},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_BUYER, MARKET_ACT_WITHDRAW, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_SELLER, MARKET_ACT_ACCEPT, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_SELLER, MARKET_ACT_REJECT, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_SELLER, MARKET_ACT_COUNTER, CONFLICT, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_SELLER, MARKET_ACT_WITHDRAW, FORBIDDEN, 0, 0},
    /* the platform only closes */
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_PLATFORM, MARKET_ACT_CLOSE, OK, MARKET_OFFER_CLOSED,
     MARKET_SELLER},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_PLATFORM, MARKET_ACT_CLOSE, OK, MARKET_OFFER_CLOSED,
     MARKET_BUYER},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_SELLER, MARKET_ACT_CLOSE, FORBIDDEN, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_BUYER, MARKET_BUYER, MARKET_ACT_CLOSE, FORBIDDEN, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_PLATFORM, MARKET_ACT_ACCEPT, FORBIDDEN, 0, 0},
    {MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_PLATFORM, MARKET_ACT_WITHDRAW, FORBIDDEN, 0, 0},
};

static int run_step(int status, int turn, int actor, int action, int *so, int *to)
{
  struct err e = {0};
  if (market_offer_step(status, turn, actor, action, so, to, &e) == 0)
    return OK;
  return e.code == CC24_E_CONFLICT ? CONFLICT : e.code == CC24_E_FORBIDDEN ? FORBIDDEN : -1;
}

Test(market, every_step_on_an_open_offer_follows_the_rules)
{
  for (size_t i = 0; i < sizeof open_cases / sizeof open_cases[0]; i++) {
    const struct step_case *c = &open_cases[i];
    int so = -1, to = -1;
    int r = run_step(c->status, c->turn, c->actor, c->action, &so, &to);
    cr_expect_eq(r, c->result, "case %zu (%s turn, %s %s): result %d, want %d", i,
                 market_side_names[c->turn], market_side_names[c->actor],
                 market_action_names[c->action], r, c->result);
    if (r == OK && c->result == OK) {
      cr_expect_eq(so, c->status_out, "case %zu: status %d, want %d", i, so, c->status_out);
      cr_expect_eq(to, c->turn_out, "case %zu: turn %d, want %d", i, to, c->turn_out);
    }
  }
}

Test(market, an_ended_offer_allows_nothing)
{
  for (int st = 0; st < MARKET_OFFER__COUNT; st++) {
    if (st == MARKET_OFFER_OPEN)
      continue;
    for (int turn = MARKET_SELLER; turn <= MARKET_BUYER; turn++)
      for (int actor = 0; actor < MARKET_SIDE__COUNT; actor++)
        for (int act = MARKET_ACT_COUNTER; act < MARKET_ACT__COUNT; act++) {
          int so, to;
          cr_expect_eq(run_step(st, turn, actor, act, &so, &to), CONFLICT,
                       "%s offer: %s %s must be refused", market_offer_status_names[st],
                       market_side_names[actor], market_action_names[act]);
        }
  }
}

Test(market, a_negotiation_alternates_until_someone_accepts)
{
  int status = MARKET_OFFER_OPEN, turn = MARKET_SELLER;
  /* seller counters, buyer counters, seller counters, buyer accepts */
  int actors[] = {MARKET_SELLER, MARKET_BUYER, MARKET_SELLER};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(run_step(status, turn, actors[i], MARKET_ACT_COUNTER, &status, &turn), OK);
  cr_assert_eq(turn, MARKET_BUYER);
  cr_assert_eq(run_step(status, turn, MARKET_SELLER, MARKET_ACT_ACCEPT, &status, &turn), CONFLICT,
               "the seller cannot accept its own counter-offer");
  cr_assert_eq(run_step(status, turn, MARKET_BUYER, MARKET_ACT_ACCEPT, &status, &turn), OK);
  cr_assert_eq(status, MARKET_OFFER_ACCEPTED);
  cr_assert_eq(run_step(status, turn, MARKET_BUYER, MARKET_ACT_ACCEPT, &status, &turn), CONFLICT,
               "accepting twice");
}

Test(market, the_offer_itself_is_not_a_step)
{
  int so, to;
  struct err e = {0};
  cr_assert_eq(market_offer_step(MARKET_OFFER_OPEN, MARKET_SELLER, MARKET_BUYER, MARKET_ACT_OFFER,
                                 &so, &to, &e),
               -1);
  cr_assert_eq(e.code, CC24_E_BAD_REQUEST);
}

Test(market, names_round_trip)
{
  for (int i = 0; i < MARKET_OFFER__COUNT; i++)
    cr_assert_eq(market_name_parse(market_offer_status_names, MARKET_OFFER__COUNT,
                                   market_offer_status_names[i]),
                 i);
  cr_assert_eq(market_name_parse(market_action_names, MARKET_ACT__COUNT, "accept"),
               MARKET_ACT_ACCEPT);
  cr_assert_eq(market_name_parse(market_action_names, MARKET_ACT__COUNT, "ACCEPT"), -1);
  cr_assert_eq(market_name_parse(market_action_names, MARKET_ACT__COUNT, NULL), -1);
}

Test(market, an_active_listing_expires_by_the_clock)
{
  cr_assert_eq(market_listing_effective(MARKET_LISTING_ACTIVE, 1000, 1000), MARKET_LISTING_ACTIVE);
  cr_assert_eq(market_listing_effective(MARKET_LISTING_ACTIVE, 1000, 1001), MARKET_LISTING_EXPIRED);
  cr_assert_eq(market_listing_effective(MARKET_LISTING_SOLD, 1000, 5000), MARKET_LISTING_SOLD);
  cr_assert_eq(market_listing_effective(MARKET_LISTING_WITHDRAWN, 1000, 5000),
               MARKET_LISTING_WITHDRAWN);
}

/* ---- input ---- */

static int amount(const char *s, int64_t *out, const char **code)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  int rc = market_amount_parse(s, "amount", out, &errs);
  static char c[32];
  snprintf(c, sizeof c, "%s", errs.n ? errs.e[0].code : "");
  *code = c;
  if (rc < 0)
    cr_assert_eq(errs.n, 1);
  cr_assert(errs.n == 0 || !strcmp(errs.e[0].field, "amount"));
  arena_free(a);
  return rc;
}

Test(market, amounts_are_positive_cents_up_to_100_million_euros)
{
  static const struct {
    const char *in;
    int64_t cents; /* -1: refused */
    const char *code;
  } cases[] = {
      {"12500", 1250000, ""},
      {"12.500", 1250000, ""},
      {"12.345,67", 1234567, ""},
      {"12345,5", 1234550, ""},
      {"0,01", 1, ""},
      {"100.000.000", 10000000000LL, ""},
      {"100000000,01", -1, "range"},
      {"999999999999", -1, "range"},
      {"9999999999999", -1, "format"}, /* 13 integer digits */
      {"0", -1, "range"},
      {"0,00", -1, "range"},
      {"-5", -1, "range"},
      {"-0,01", -1, "range"},
      {"", -1, "required"},
      {NULL, -1, "required"},
      {"zwölf", -1, "format"},
      {"1e5", -1, "format"},
      {"12,345", -1, "format"}, /* three decimals */
      {"12 500", 1250000, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t got;
    const char *code;
    int rc = amount(cases[i].in, &got, &code);
    if (cases[i].cents < 0) {
      cr_expect_eq(rc, -1, "%s must be refused", cases[i].in ? cases[i].in : "(null)");
      cr_expect_str_eq(code, cases[i].code, "%s: code %s", cases[i].in ? cases[i].in : "(null)",
                       code);
    } else {
      cr_expect_eq(rc, 0, "%s must parse (%s)", cases[i].in, code);
      cr_expect_eq(got, cases[i].cents, "%s: %lld", cases[i].in, (long long)got);
    }
  }
}

static int64_t utc(int y, int m, int d, int hh, int mm, int ss)
{
  return time_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

static int valid_until(const char *s, int64_t now, int64_t *out)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  int rc = market_valid_until_parse(s, now, "valid_until", out, &errs);
  if (rc < 0)
    cr_assert_str_eq(errs.e[0].field, "valid_until");
  arena_free(a);
  return rc;
}

Test(market, validity_is_a_berlin_day_from_today_to_90_days)
{
  int64_t now = utc(2026, 3, 10, 12, 0, 0), out;
  cr_assert_eq(valid_until("2026-03-10", now, &out), 0, "today is fine");
  cr_assert_eq(out, utc(2026, 3, 10, 22, 59, 59), "the end of the Berlin day (CET)");
  cr_assert_eq(valid_until("2026-03-09", now, &out), -1, "yesterday");
  cr_assert_eq(valid_until("2026-06-08", now, &out), 0, "90 days ahead");
  cr_assert_eq(valid_until("2026-06-09", now, &out), -1, "91 days ahead");
  cr_assert_eq(valid_until("2026-02-30", now, &out), -1);
  cr_assert_eq(valid_until("2026-3-20", now, &out), -1);
  cr_assert_eq(valid_until("20.03.2026", now, &out), -1);
  cr_assert_eq(valid_until("2026-03-20x", now, &out), -1);
  cr_assert_eq(valid_until("", now, &out), -1);
  cr_assert_eq(valid_until(NULL, now, &out), -1);
  /* the day the clocks go forward ends at 22:00 UTC, the day they go back at 23:00 UTC */
  cr_assert_eq(valid_until("2026-03-29", now, &out), 0);
  cr_assert_eq(out, utc(2026, 3, 29, 21, 59, 59));
  cr_assert_eq(valid_until("2026-05-01", now, &out), 0);
  cr_assert_eq(out, utc(2026, 5, 1, 21, 59, 59), "CEST");
  now = utc(2026, 10, 20, 12, 0, 0);
  cr_assert_eq(valid_until("2026-10-25", now, &out), 0);
  cr_assert_eq(out, utc(2026, 10, 25, 22, 59, 59));
  /* just after midnight in Berlin it is already the next day there */
  now = utc(2026, 7, 1, 22, 30, 0); /* 00:30 on 2 July in Berlin */
  cr_assert_eq(valid_until("2026-07-01", now, &out), -1, "yesterday in Berlin");
  cr_assert_eq(valid_until("2026-07-02", now, &out), 0);
}

Test(market, berlin_dates_round_trip)
{
  char ymd[11];
  market_berlin_ymd(utc(2026, 7, 1, 22, 30, 0), ymd);
  cr_assert_str_eq(ymd, "2026-07-02");
  market_berlin_ymd(utc(2026, 12, 31, 22, 59, 59), ymd);
  cr_assert_str_eq(ymd, "2026-12-31");
  market_berlin_ymd(utc(2026, 12, 31, 23, 0, 0), ymd);
  cr_assert_str_eq(ymd, "2027-01-01");
  for (int64_t day = time_days_from_civil(2025, 1, 1); day < time_days_from_civil(2028, 1, 1);
       day++) {
    int64_t end = market_berlin_day_end(day);
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    char want[11];
    snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
    market_berlin_ymd(end, ymd);
    cr_assert_str_eq(ymd, want, "the last second belongs to the day");
    market_berlin_ymd(end + 1, ymd);
    cr_assert_str_neq(ymd, want, "the next second does not");
  }
}

Test(market, texts_are_utf8_and_bounded)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  char buf[4096];
  size_t o = 0;
  for (int i = 0; i < 1000; i++)
    o += (size_t)snprintf(buf + o, sizeof buf - o, "ä");
  cr_assert_eq(market_text_check(buf, MARKET_MESSAGE_MAX, "message", &errs), 0,
               "1000 code points (2000 bytes) are fine");
  snprintf(buf + o, sizeof buf - o, "x");
  cr_assert_eq(market_text_check(buf, MARKET_MESSAGE_MAX, "message", &errs), -1);
  cr_assert_str_eq(errs.e[0].code, "length");
  cr_assert_eq(market_text_check("\xff\xfe", 10, "note", &errs), -1);
  cr_assert_str_eq(errs.e[1].field, "note");
  cr_assert_eq(market_text_check(NULL, 10, "note", &errs), 0);
  arena_free(a);
}
