/* Unit tests for src/core: arena, buffers, strings, money, time, ids, config. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- arena ---- */

static int freed;
static void count_free(void *p)
{
  freed += *(int *)p;
}

Test(arena, allocations_are_aligned_and_distinct)
{
  struct arena *a = arena_new(64);
  char *prev = NULL;
  for (int i = 0; i < 1000; i++) {
    char *p = arena_alloc(a, (size_t)(i % 37) + 1);
    cr_assert_eq((uintptr_t)p % 16, 0);
    cr_assert_neq(p, prev);
    memset(p, 0xAB, (size_t)(i % 37) + 1);
    prev = p;
  }
  cr_assert_geq(arena_used(a), 1000);
  arena_free(a);
}

Test(arena, large_blocks_and_hooks)
{
  struct arena *a = arena_new(0);
  char *big = arena_alloc(a, 1 << 22);
  memset(big, 1, 1 << 22);
  int one = 1, two = 2;
  freed = 0;
  arena_on_free(a, count_free, &one);
  arena_on_free(a, count_free, &two);
  arena_free(a);
  cr_assert_eq(freed, 3);
}

Test(arena, strings_and_realloc)
{
  struct arena *a = arena_new(32);
  cr_assert_str_eq(arena_strdup(a, "Kombi"), "Kombi");
  cr_assert_str_eq(arena_strndup(a, "Limousine", 4), "Limo");
  cr_assert_str_eq(arena_printf(a, "%d km", 12345), "12345 km");
  char *s = arena_printf(a, "%0300d", 7);
  cr_assert_eq(strlen(s), 300);
  cr_assert_null(arena_strdup(a, NULL));
  char *p = arena_alloc(a, 10);
  memcpy(p, "0123456789", 10);
  p = arena_realloc(a, p, 10, 5000);
  cr_assert_eq(memcmp(p, "0123456789", 10), 0);
  int *z = arena_calloc(a, 100, sizeof(int));
  for (int i = 0; i < 100; i++)
    cr_assert_eq(z[i], 0);
  arena_free(a);
}

/* ---- buf ---- */

Test(buf, append_and_printf_grow)
{
  struct arena *a = arena_new(0);
  struct buf b;
  buf_init(&b, a);
  cr_assert_str_eq(buf_cstr(&b), "");
  for (int i = 0; i < 1000; i++)
    buf_printf(&b, "%d,", i);
  cr_assert_eq(b.len, strlen(b.data));
  cr_assert(strstr(b.data, ",999,") != NULL);
  buf_reset(&b);
  buf_put_i64(&b, -9223372036854775807LL - 1);
  cr_assert_str_eq(buf_cstr(&b), "-9223372036854775808");
  arena_free(a);

  struct buf h;
  buf_init(&h, NULL);
  buf_puts(&h, "heap");
  size_t n;
  char *d = buf_detach(&h, &n);
  cr_assert_eq(n, 4);
  cr_assert_str_eq(d, "heap");
  free(d);
}

Test(buf, html_escaping)
{
  struct buf b;
  buf_init(&b, NULL);
  const char *s = "<script>alert(\"x\" & 'y')</script>";
  buf_append_html(&b, s, strlen(s));
  cr_assert_str_eq(buf_cstr(&b),
                   "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  buf_free(&b);
}

Test(buf, json_strings)
{
  struct buf b;
  buf_init(&b, NULL);
  const char s[] = "Gr\xC3\xBC\x65 \"\\\n\x01</b>\xFF";
  buf_append_json_str(&b, s, sizeof s - 1);
  cr_assert_str_eq(buf_cstr(&b), "\"Gr\xC3\xBC\x65 \\\"\\\\\\n\\u0001\\u003c/b>\xEF\xBF\xBD\"");
  buf_free(&b);
}

Test(buf, url_encoding)
{
  struct buf b;
  buf_init(&b, NULL);
  buf_append_urlenc(&b, "Mercedes-Benz C 220 d&ü", strlen("Mercedes-Benz C 220 d&ü"));
  cr_assert_str_eq(buf_cstr(&b), "Mercedes-Benz%20C%20220%20d%26%C3%BC");
  buf_free(&b);
}

/* ---- strings ---- */

Test(str, utf8_validation)
{
  cr_assert(utf8_valid("Käfer", strlen("Käfer")));
  cr_assert_not(utf8_valid("\xC0\xAF", 2), "overlong");
  cr_assert_not(utf8_valid("\xED\xA0\x80", 3), "surrogate");
  cr_assert_not(utf8_valid("\xF4\x90\x80\x80", 4), "above U+10FFFF");
  cr_assert_not(utf8_valid("a\0b", 3), "NUL");
  cr_assert_not(utf8_valid("\xE2\x82", 2), "truncated");
  cr_assert(utf8_valid("\xF0\x9F\x9A\x97", 4), "emoji");
  cr_assert_eq(utf8_len("Größe", strlen("Größe")), 5);
}

Test(str, integers_strictly)
{
  int64_t v;
  cr_assert(str_to_i64("12345", &v) && v == 12345);
  cr_assert(str_to_i64("-7", &v) && v == -7);
  cr_assert_not(str_to_i64("", &v));
  cr_assert_not(str_to_i64("12a", &v));
  cr_assert_not(str_to_i64(" 12", &v));
  cr_assert_not(str_to_i64("99999999999999999999", &v));
  cr_assert_not(str_to_i64("1.5", &v));
}

Test(str, folding_and_search_text)
{
  struct arena *a = arena_new(0);
  cr_assert_str_eq(str_fold(a, "Käfer Größe ÉLAN"), "kaefer groesse elan");
  cr_assert_str_eq(str_fold(a, "Škoda Łódź Citroën Œuvre"), "skoda lodz citroen oeuvre");
  cr_assert_str_eq(str_search_text(a, "Mercedes-Benz C 220 d T-Modell  AMG-Line"),
                   "mercedes benz c 220 d t modell amg line");
  cr_assert_str_eq(str_search_text(a, "  --  "), "");
  cr_assert_str_eq(str_slug(a, "VW Golf 1.5 eTSI Life"), "vw-golf-1-5-etsi-life");
  cr_assert_str_eq(str_trim(a, " \t BMW \n"), "BMW");
  cr_assert(str_ieq("bmw", "BMW"));
  cr_assert_not(str_ieq("bmw", "BMWX"));
  arena_free(a);
}

Test(str, tel_uri)
{
  struct arena *a = arena_new(0);
  cr_assert_str_eq(str_tel_uri(a, "+49 30 20242400"), "tel:+493020242400");
  cr_assert_str_eq(str_tel_uri(a, "+49 (0)30 2024-2400"), "tel:+493020242400");
  cr_assert_str_eq(str_tel_uri(a, "089 / 123 45-6"), "tel:089123456");
  cr_assert_str_eq(str_tel_uri(a, "(030) 123"), "tel:030123", "(0 without +) is a local number");
  cr_assert_str_eq(str_tel_uri(a, "+ 49 170 1+2"), "tel:+4917012", "one + only, at the start");
  cr_assert_str_eq(str_tel_uri(a, "keine"), "");
  cr_assert_str_eq(str_tel_uri(a, ""), "");
  cr_assert_str_eq(str_tel_uri(a, NULL), "");
  arena_free(a);
}

/* ---- money ---- */

Test(money, german_format)
{
  char s[64];
  money_format(1234500, s, sizeof s);
  cr_assert_str_eq(s, "12.345,00 \xE2\x82\xAC");
  money_format(5, s, sizeof s);
  cr_assert_str_eq(s, "0,05 \xE2\x82\xAC");
  money_format(-123456789, s, sizeof s);
  cr_assert_str_eq(s, "-1.234.567,89 \xE2\x82\xAC");
  money_format(100000000000, s, sizeof s);
  cr_assert_str_eq(s, "1.000.000.000,00 \xE2\x82\xAC");
  money_format_euros(2999050, s, sizeof s);
  cr_assert_str_eq(s, "29.991 \xE2\x82\xAC");
}

Test(money, commercial_rounding)
{
  cr_assert_eq(money_div_round(5, 10), 1);
  cr_assert_eq(money_div_round(4, 10), 0);
  cr_assert_eq(money_div_round(-5, 10), -1, "half away from zero");
  cr_assert_eq(money_div_round(-4, 10), 0);
  cr_assert_eq(money_div_round(15, -10), -2);
  /* commission: 13.58 % of 12,345.67 € = 1,676.54 € (1676.542...) */
  cr_assert_eq(money_apply_bp(1234567, 1358), 167654);
  /* 13.58 % of 0.50 € = 6.79 ct → 7 ct */
  cr_assert_eq(money_apply_bp(50, 1358), 7);
  cr_assert_eq(money_apply_bp(-50, 1358), -7);
  /* exact half: 1 ct × 5000 bp = 0.5 ct → 1 ct */
  cr_assert_eq(money_apply_bp(1, 5000), 1);
  /* VAT in 119.00 € gross at 19 % = 19.00 € */
  cr_assert_eq(money_vat_from_gross(11900, 1900), 1900);
  /* §25a: margin 1,000 € → VAT 159.66 € (1000 × 19/119 = 159.663...) */
  cr_assert_eq(money_vat_from_gross(100000, 1900), 15966);
}

Test(money, parsing_euros)
{
  int64_t c;
  cr_assert(money_parse_euros("12345", &c) == 0 && c == 1234500);
  cr_assert(money_parse_euros("12.345,67", &c) == 0 && c == 1234567);
  cr_assert(money_parse_euros("12345.5", &c) == 0 && c == 1234550);
  cr_assert(money_parse_euros("12.345", &c) == 0 && c == 1234500, "thousands dot");
  cr_assert(money_parse_euros("9,99 €", &c) == 0 && c == 999);
  cr_assert_eq(money_parse_euros("abc", &c), -1);
  cr_assert_eq(money_parse_euros("1,234", &c), -1, "three decimals");
  cr_assert_eq(money_parse_euros("", &c), -1);
  cr_assert_eq(money_parse_euros(".777723777772355", &c), -1,
               "found by fuzzing: too large to format back");
  cr_assert(money_parse_euros("999.999.999.999,99", &c) == 0 && c == 99999999999999);
}

/* ---- time ---- */

Test(time, civil_round_trip)
{
  for (int64_t d = -800000; d < 800000; d += 997) {
    int y, m, dd;
    time_civil_from_days(d, &y, &m, &dd);
    cr_assert_eq(time_days_from_civil(y, m, dd), d);
  }
  cr_assert_eq(time_days_from_civil(1970, 1, 1), 0);
  cr_assert_eq(time_days_from_civil(2000, 3, 1), 11017);
}

Test(time, berlin_offset_follows_eu_rule)
{
  /* 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC */
  int64_t start = time_days_from_civil(2026, 3, 29) * 86400 + 3600;
  int64_t end = time_days_from_civil(2026, 10, 25) * 86400 + 3600;
  cr_assert_eq(time_berlin_offset(start - 1), 3600);
  cr_assert_eq(time_berlin_offset(start), 7200);
  cr_assert_eq(time_berlin_offset(end - 1), 7200);
  cr_assert_eq(time_berlin_offset(end), 3600);
  char s[40];
  time_berlin_datetime(time_days_from_civil(2026, 7, 1) * 86400 + 10 * 3600, s, sizeof s);
  cr_assert_str_eq(s, "01.07.2026 12:00");
  time_berlin_datetime(time_days_from_civil(2026, 12, 31) * 86400 + 23 * 3600 + 30 * 60, s,
                       sizeof s);
  cr_assert_str_eq(s, "01.01.2027 00:30", "New Year in Berlin while still 2026 in UTC");
  time_iso_utc(0, s, sizeof s);
  cr_assert_str_eq(s, "1970-01-01T00:00:00Z");
}

Test(time, year_month_parsing)
{
  cr_assert_eq(time_parse_ym("2021-03"), 2021 * 12 + 2);
  cr_assert_eq(time_parse_ym("2021-13"), -1);
  cr_assert_eq(time_parse_ym("2021-00"), -1);
  cr_assert_eq(time_parse_ym("21-03"), -1);
  cr_assert_eq(time_parse_ym("2021-3x"), -1);
  cr_assert_eq(time_parse_ym("1899-12"), -1);
  cr_assert_eq(time_parse_ym(NULL), -1);

  int64_t t = 0;
  cr_assert_eq(time_parse_iso("2026-11-24T06:00:00Z", &t), 0);
  cr_assert_eq(t, 1795500000);
  char iso[32];
  time_iso_utc(t, iso, sizeof iso);
  cr_assert_str_eq(iso, "2026-11-24T06:00:00Z", "round trip");
  int64_t u;
  cr_assert_eq(time_parse_iso("2026-11-24T07:00:00+01:00", &u), 0);
  cr_assert_eq(u, t, "offsets are applied");
  cr_assert_eq(time_parse_iso("2026-11-24T06:00:00.123Z", &u), 0);
  cr_assert_eq(u, t, "fractions are dropped");
  cr_assert_eq(time_parse_iso("2026-11-24", &u), 0);
  cr_assert_eq(u, t - 6 * 3600);
  cr_assert_eq(time_parse_iso("1970-01-01T00:00:00Z", &u), 0);
  cr_assert_eq(u, 0);
  cr_assert_eq(time_parse_iso("2024-02-29", &u), 0, "leap day");
  cr_assert_eq(time_parse_iso("2023-02-29", &u), -1, "no leap day in 2023");
  cr_assert_eq(time_parse_iso("2026-11-24T06:00:00", &u), -1, "no zone: ambiguous");
  cr_assert_eq(time_parse_iso("2026-11-24T24:00:00Z", &u), -1);
  cr_assert_eq(time_parse_iso("2026-13-01", &u), -1);
  cr_assert_eq(time_parse_iso("2026-11-24Tgarbage", &u), -1);
  cr_assert_eq(time_parse_iso("2026-11-24T06:00:00Zjunk", &u), -1);
  cr_assert_eq(time_parse_iso("", &u), -1);
  /* found by fuzz_time: a cut-off seconds field once read past the end */
  cr_assert_eq(time_parse_iso("2026-11-24T07:00:", &u), -1);
  cr_assert_eq(time_parse_iso("2026-11-24T07:00:5", &u), -1);
  cr_assert_eq(time_parse_iso("2026-11-24T07:00:5Z", &u), -1);
  cr_assert_eq(time_parse_iso(NULL, &u), -1);
}

/* ---- ids ---- */

Test(ids, public_ids_are_random_and_valid)
{
  cr_assert_eq(ids_init(), 0);
  char a[ID_LEN + 1], b[ID_LEN + 1];
  id_new(a);
  id_new(b);
  cr_assert(id_valid(a));
  cr_assert(id_valid(b));
  cr_assert_str_neq(a, b);
  cr_assert_not(id_valid("short"));
  cr_assert_not(id_valid("ABCDEFGHJKMNPQRS"), "upper case is not ours");
  cr_assert_not(id_valid("0123456789abcdei"), "i is not in the alphabet");
  char t[64];
  id_token(t, sizeof t, 32);
  cr_assert_eq(strlen(t), 43);
  char h[65];
  id_sha256_hex("abc", 3, h);
  cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- config ---- */

Test(config, layers_defaults_env_flags)
{
  setenv("CC24_WORKERS", "5", 1);
  setenv("CC24_LISTEN", "127.0.0.1:9999", 1);
  char *argv[] = {"cc24", "serve", "--listen=127.0.0.1:7777", "--dev", "--vehicles", "10", NULL};
  int rest[8], nrest = 0;
  cr_assert_eq(config_load(6, argv, 2, rest, &nrest, "serve"), 0);
  cr_assert_eq(cfg.workers, 5, "environment beats default");
  cr_assert_str_eq(cfg.listen, "127.0.0.1:7777", "flag beats environment");
  cr_assert(cfg.dev);
  cr_assert_str_eq(cfg.database_url, "sqlite:data/cc24.db");
  cr_assert_eq(nrest, 2, "non-settings are left to the command");
  unsetenv("CC24_WORKERS");
  unsetenv("CC24_LISTEN");
}

Test(config, file_layer_and_errors)
{
  char path[] = "/tmp/cc24-conf-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  const char *ini =
      "# comment\n[server]\nworkers = 3\ndatabase_url = \"postgres://x@127.0.0.1/db\"\n";
  cr_assert_eq(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
  close(fd);
  setenv("CC24_CONFIG", path, 1);
  char *argv[] = {"cc24", "serve", NULL};
  int rest[4], nrest;
  cr_assert_eq(config_load(2, argv, 2, rest, &nrest, "serve"), 0);
  cr_assert_eq(cfg.workers, 3);
  cr_assert_str_eq(cfg.database_url, "postgres://x@127.0.0.1/db");
  char *bad[] = {"cc24", "serve", "--workers=many", NULL};
  cr_assert_eq(config_load(3, bad, 2, rest, &nrest, "serve"), -1);
  char *range[] = {"cc24", "serve", "--workers=1000", NULL};
  cr_assert_eq(config_load(3, range, 2, rest, &nrest, "serve"), -1);
  unsetenv("CC24_CONFIG");
  unlink(path);
  cr_assert_eq(config_set("log-level", "debug"), 0);
  cr_assert_str_eq(cfg.log_level, "debug");
  cr_assert_eq(config_set("no-such-setting", "1"), -1);
}

Test(money, grouped_whole_numbers)
{
  char s[48];
  num_format_grouped(0, "de", s, sizeof s);
  cr_assert_str_eq(s, "0");
  num_format_grouped(999, "de", s, sizeof s);
  cr_assert_str_eq(s, "999");
  num_format_grouped(1000, "de", s, sizeof s);
  cr_assert_str_eq(s, "1.000");
  num_format_grouped(1234567, "en", s, sizeof s);
  cr_assert_str_eq(s, "1,234,567");
  num_format_grouped(-45000, NULL, s, sizeof s);
  cr_assert_str_eq(s, "-45.000", "German by default");
  num_format_grouped(-9223372036854775807LL - 1, "de", s, sizeof s);
  cr_assert_str_eq(s, "-9.223.372.036.854.775.808");
}
