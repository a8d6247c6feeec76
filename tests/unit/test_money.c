/* Unit tests for src/core/money: German formatting of cents, commercial rounding
 * (half away from zero) at its edges, negative and extreme amounts, and parsing of
 * euro amounts typed in forms. (test_core holds the everyday cases.) */
#include "core/money.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EUR " \xE2\x82\xAC"

struct fmt_case {
  int64_t cents;
  const char *full;  /* money_format */
  const char *euros; /* money_format_euros */
};

static const struct fmt_case fmt_cases[] = {
    {0, "0,00" EUR, "0" EUR},
    {1, "0,01" EUR, "0" EUR},
    {-1, "-0,01" EUR, "0" EUR}, /* rounds to zero euros: no "-0" */
    {49, "0,49" EUR, "0" EUR},
    {50, "0,50" EUR, "1" EUR},
    {-49, "-0,49" EUR, "0" EUR},
    {-50, "-0,50" EUR, "-1" EUR},
    {99, "0,99" EUR, "1" EUR},
    {100, "1,00" EUR, "1" EUR},
    {149, "1,49" EUR, "1" EUR},
    {150, "1,50" EUR, "2" EUR},
    {-150, "-1,50" EUR, "-2" EUR},
    {99949, "999,49" EUR, "999" EUR},
    {99950, "999,50" EUR, "1.000" EUR}, /* rounding carries into a new group */
    {100000, "1.000,00" EUR, "1.000" EUR},
    {-100000, "-1.000,00" EUR, "-1.000" EUR},
    {123456789, "1.234.567,89" EUR, "1.234.568" EUR},
    {99999999999999, "999.999.999.999,99" EUR, "1.000.000.000.000" EUR},
    {INT64_MAX, "92.233.720.368.547.758,07" EUR, "92.233.720.368.547.758" EUR},
    {INT64_MIN, "-92.233.720.368.547.758,08" EUR, "-92.233.720.368.547.758" EUR},
};

Test(money_format, table_of_amounts)
{
  for (size_t i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
    const struct fmt_case *c = &fmt_cases[i];
    char s[64];
    size_t n = money_format(c->cents, s, sizeof s);
    cr_assert_str_eq(s, c->full, "%lld", (long long)c->cents);
    cr_assert_eq(n, strlen(c->full), "%lld: returns the length", (long long)c->cents);
    n = money_format_euros(c->cents, s, sizeof s);
    cr_assert_str_eq(s, c->euros, "%lld", (long long)c->cents);
    cr_assert_eq(n, strlen(c->euros));
  }
}

Test(money_format, small_buffer_is_cut_and_terminated)
{
  char s[8];
  memset(s, 'Z', sizeof s);
  money_format(1234500, s, 5);
  cr_assert_str_eq(s, "12.3");
  cr_assert_eq(s[5], 'Z', "nothing written past n");
  money_format_euros(1234500, s, 3);
  cr_assert_str_eq(s, "12");
  money_format(1, s, 1);
  cr_assert_str_eq(s, "");
}

Test(money_round, div_round_half_away_from_zero)
{
  static const int64_t cases[][3] = {
      /* num, den, expected */
      {0, 7, 0},
      {7, 7, 1},
      {1, 3, 0},
      {2, 3, 1},
      {-1, 3, 0},
      {-2, 3, -1},
      {9, 4, 2},
      {10, 4, 3},
      {11, 4, 3},
      {-9, 4, -2},
      {-10, 4, -3},
      {-11, 4, -3},
      {10, -4, -3},
      {-10, -4, 3},
      {999, 1000, 1},
      {499, 1000, 0},
      {500, 1000, 1},
      {-500, 1000, -1},
      {INT64_MAX, 1, INT64_MAX},
      {INT64_MAX, 100, 92233720368547758},
      {INT64_MIN, 100, -92233720368547758},
      {INT64_MIN + 1, INT64_MAX, -1},
      {1000000000000000, 3, 333333333333333},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_assert_eq(money_div_round(cases[i][0], cases[i][1]), cases[i][2], "%lld / %lld",
                 (long long)cases[i][0], (long long)cases[i][1]);
}

Test(money_round, apply_bp_edges)
{
  cr_assert_eq(money_apply_bp(0, 1358), 0);
  cr_assert_eq(money_apply_bp(12345, 0), 0);
  cr_assert_eq(money_apply_bp(12345, 10000), 12345, "100 %%");
  cr_assert_eq(money_apply_bp(3, 5000), 2, "1.5 ct → 2 ct");
  cr_assert_eq(money_apply_bp(-3, 5000), -2);
  cr_assert_eq(money_apply_bp(-1, 5000), -1, "-0.5 ct → -1 ct");
  cr_assert_eq(money_apply_bp(1, 4999), 0, "0.4999 ct → 0");
  cr_assert_eq(money_apply_bp(1, 15000), 2, "150 %% of a cent");
  cr_assert_eq(money_apply_bp(100, -1000), -10, "a negative rate (discount)");
  /* 128-bit intermediate: no overflow at the extremes */
  cr_assert_eq(money_apply_bp(INT64_MAX, 10000), INT64_MAX);
  cr_assert_eq(money_apply_bp(INT64_MIN, 10000), INT64_MIN);
  cr_assert_eq(money_apply_bp(INT64_MAX, 5000), 4611686018427387904LL);
  cr_assert_eq(money_apply_bp(INT64_MAX, 1358), 1252533922604878555LL);
}

Test(money_round, vat_from_gross_edges)
{
  cr_assert_eq(money_vat_from_gross(0, 1900), 0);
  cr_assert_eq(money_vat_from_gross(11900, 0), 0, "no VAT at 0 %%");
  cr_assert_eq(money_vat_from_gross(-11900, 1900), -1900, "refunds");
  cr_assert_eq(money_vat_from_gross(10700, 700), 700, "reduced rate");
  cr_assert_eq(money_vat_from_gross(100, 1900), 16, "15.97 ct");
  cr_assert_eq(money_vat_from_gross(4, 1900), 1, "0.64 ct");
  cr_assert_eq(money_vat_from_gross(3, 1900), 0, "0.48 ct");
  cr_assert_eq(money_vat_from_gross(-4, 1900), -1);
  cr_assert_eq(money_vat_from_gross(1190000000000000LL, 1900), 190000000000000LL);
  cr_assert_eq(money_vat_from_gross(1000000000000000LL, 1900), 159663865546218LL);
  /* net + VAT gives the gross back for every amount of a cent range */
  for (int64_t g = 0; g < 5000; g++) {
    int64_t vat = money_vat_from_gross(g, 1900);
    int64_t net = g - vat;
    cr_assert_leq(llabs(money_apply_bp(net, 1900) - vat), 1, "gross %lld", (long long)g);
  }
}

struct parse_case {
  const char *in;
  int rc;
  int64_t cents;
};

static const struct parse_case parse_cases[] = {
    {"0", 0, 0},
    {"0,00", 0, 0},
    {"0,01", 0, 1},
    {"0,1", 0, 10},
    {"12.5", 0, 1250},
    {"12.50", 0, 1250},
    {"12.500", 0, 1250000}, /* three digits after a dot: a thousands separator */
    {"1.234,56", 0, 123456},
    {"  1.234,56  ", 0, 123456},
    {"1 234,56", 0, 123456},
    {"12\xE2\x82\xAC", 0, 1200},
    {"12 \xE2\x82\xAC", 0, 1200},
    {"999999999999", 0, 99999999999900},
    {"999.999.999.999,99", 0, 99999999999999},
    /* refused */
    {NULL, -1, 0},
    {"", -1, 0},
    {"   ", -1, 0},
    {",", -1, 0},
    {".", -1, 0},
    {"-5", -1, 0}, /* no negative prices */
    {"+5", -1, 0},
    {"1e5", -1, 0},
    {"EUR 12", -1, 0},
    {"12,345", -1, 0},   /* three decimals */
    {"1,234,56", -1, 0}, /* two commas */
    {"1,234.56", -1, 0}, /* English grouping is not misread as 1,23 € */
    {"1000000000000", -1, 0},
    {"1.000.000.000.000", -1, 0},
    {"12345678901234567890123456789012345678901234567890", -1, 0},
};

Test(money_parse, table_of_inputs)
{
  for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const struct parse_case *c = &parse_cases[i];
    int64_t cents = 4242;
    int rc = money_parse_euros(c->in, &cents);
    cr_assert_eq(rc, c->rc, "\"%s\"", c->in ? c->in : "(null)");
    if (rc == 0)
      cr_assert_eq(cents, c->cents, "\"%s\" → %lld", c->in, (long long)cents);
    else
      cr_assert_eq(cents, 4242, "\"%s\": output untouched on error", c->in ? c->in : "(null)");
  }
}

Test(money_parse, what_is_formatted_parses_back)
{
  static const int64_t amounts[] = {0, 1, 99, 100, 123456, 2499000, 99999999999999};
  for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
    char s[64];
    money_format(amounts[i], s, sizeof s);
    int64_t back = -1;
    cr_assert_eq(money_parse_euros(s, &back), 0, "%s", s);
    cr_assert_eq(back, amounts[i], "%s", s);
  }
}

Test(num_format, grouping_by_locale)
{
  char s[48];
  cr_assert_eq(num_format_grouped(-1234, "en", s, sizeof s), 6);
  cr_assert_str_eq(s, "-1,234");
  num_format_grouped(1234, "fr", s, sizeof s);
  cr_assert_str_eq(s, "1.234", "unknown locales group like German");
  num_format_grouped(INT64_MAX, "en", s, sizeof s);
  cr_assert_str_eq(s, "9,223,372,036,854,775,807");
  num_format_grouped(100000, "de", s, sizeof s);
  cr_assert_str_eq(s, "100.000");
  num_format_grouped(-999, "de", s, sizeof s);
  cr_assert_str_eq(s, "-999");
}
