/* Unit tests for buyer accounts without a database: which recently published vehicles
 * an alert announces (the search index's semantics plus the time window), the
 * signed unsubscribe token, the validation of a query offered for saving, the alert
 * mail in German and English, and the role rule of the route table. */
#include "auth/auth.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "render/i18n.h"
#include "search/search.h"
#include "web/web.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load_i18n(void)
{
  ids_init();
  char dir[1024];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
}

TestSuite(buyer, .init = load_i18n);

static struct vehicle car(int64_t id, const char *make, const char *model, int fuel,
                          int64_t price_eur, int64_t published_at, int status)
{
  struct vehicle v;
  vehicle_init(&v);
  v.id = id;
  snprintf(v.public_id, sizeof v.public_id, "%016lld", (long long)id);
  v.dealer = "autohaus-test";
  v.make = make;
  v.model = model;
  v.variant = "Variante";
  v.price_cents = price_eur * 100;
  v.mileage_km = 30000;
  v.power_kw = 110;
  v.fuel = fuel;
  v.body = BODY_ESTATE;
  v.first_reg = 2021 * 12;
  v.status = status;
  v.published_at = published_at;
  return v;
}

/* ---- alert matching ---- */

static struct search_index *candidates(void)
{
  struct search_index *ix = search_new();
  struct vehicle vs[] = {
      car(1, "BMW", "320d", FUEL_DIESEL, 30000, 1000, STATUS_PUBLISHED), /* old */
      car(2, "BMW", "520d", FUEL_DIESEL, 45000, 2000, STATUS_PUBLISHED), /* new diesel */
      car(3, "BMW", "118i", FUEL_PETROL, 20000, 2100, STATUS_PUBLISHED), /* new petrol */
      car(4, "BMW", "X3", FUEL_DIESEL, 50000, 2200, STATUS_RESERVED),    /* not for sale */
      car(5, "Audi", "A4", FUEL_DIESEL, 35000, 2300, STATUS_PUBLISHED),  /* other make */
      car(6, "BMW", "330d", FUEL_DIESEL, 52000, 9000, STATUS_PUBLISHED), /* after the window */
      car(7, "BMW", "X5", FUEL_DIESEL, 80000, 2400, STATUS_DRAFT),       /* not public */
  };
  for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
    search_upsert(ix, &vs[i]);
  return ix;
}

Test(buyer, alert_matches_only_new_matching_published_vehicles)
{
  struct search_index *ix = candidates();
  struct arena *a = arena_new(0);
  struct search_hit hits[10];
  int n = buyer_alert_match(ix, a, "make=BMW&fuel=diesel", 1500, 5000, hits, 10);
  cr_expect_eq(n, 1, "only the new BMW diesel: %d", n);
  cr_expect_str_eq(hits[0].public_id, "0000000000000002");

  n = buyer_alert_match(ix, a, "make=BMW", 1500, 5000, hits, 10);
  cr_expect_eq(n, 2);
  cr_expect_str_eq(hits[0].public_id, "0000000000000003", "newest first");
  cr_expect_str_eq(hits[1].public_id, "0000000000000002");

  /* the window: (after, until] */
  cr_expect_eq(buyer_alert_match(ix, a, "make=BMW", 2000, 5000, hits, 10), 1, "after is exclusive");
  cr_expect_eq(buyer_alert_match(ix, a, "make=BMW", 0, 9000, hits, 10), 4, "until is inclusive");
  cr_expect_eq(buyer_alert_match(ix, a, "make=BMW", 9000, 20000, hits, 10), 0);
  /* price and the other filters are the search's own */
  cr_expect_eq(buyer_alert_match(ix, a, "make=BMW&price_max=25000", 0, 9000, hits, 10), 1);
  cr_expect_eq(buyer_alert_match(ix, a, "q=520", 0, 9000, hits, 10), 1);
  cr_expect_eq(buyer_alert_match(ix, a, "fuel=diesel&make=Audi,BMW", 1500, 5000, hits, 10), 2);
  /* max caps the list, not the count */
  cr_expect_eq(buyer_alert_match(ix, a, "make=BMW", 0, 9000, hits, 1), 4);
  cr_expect_str_eq(hits[0].public_id, "0000000000000006");
  /* an empty index, a query matching nothing */
  cr_expect_eq(buyer_alert_match(ix, a, "make=Trabant", 0, 9000, hits, 10), 0);
  struct search_index *empty = search_new();
  cr_expect_eq(buyer_alert_match(empty, a, "make=BMW", 0, 9000, hits, 10), 0);
  search_free(empty);
  arena_free(a);
  search_free(ix);
}

Test(buyer, alert_matching_pages_through_many_candidates)
{
  struct search_index *ix = search_new();
  for (int i = 1; i <= 250; i++) {
    struct vehicle v = car(i, "VW", "Golf", FUEL_PETROL, 10000 + i, 1000 + i, STATUS_PUBLISHED);
    search_upsert(ix, &v);
  }
  struct arena *a = arena_new(0);
  struct search_hit hits[5];
  cr_expect_eq(buyer_alert_match(ix, a, "make=VW", 1000, 2000, hits, 5), 250);
  cr_expect_eq(buyer_alert_match(ix, a, "make=VW", 1100, 2000, hits, 5), 150);
  cr_expect_str_eq(hits[0].public_id, "0000000000000250");
  arena_free(a);
  search_free(ix);
}

/* ---- the unsubscribe token ---- */

Test(buyer, unsubscribe_token_is_signed)
{
  unsigned char key[BUYER_KEY_BYTES], other[BUYER_KEY_BYTES];
  randombytes_buf(key, sizeof key);
  randombytes_buf(other, sizeof other);
  char id[ID_LEN + 1], tok[BUYER_TOKEN_MAX], out[ID_LEN + 1];
  id_new(id);
  buyer_unsub_token(key, id, tok);
  cr_expect_eq(strlen(tok), ID_LEN + 1 + 32);
  cr_expect(!strncmp(tok, id, ID_LEN) && tok[ID_LEN] == '.');
  cr_assert(buyer_unsub_check(key, tok, out));
  cr_expect_str_eq(out, id);

  /* the same id always signs the same; another key does not accept it */
  char again[BUYER_TOKEN_MAX];
  buyer_unsub_token(key, id, again);
  cr_expect_str_eq(again, tok);
  cr_expect_not(buyer_unsub_check(other, tok, out));

  /* every single changed character breaks it */
  for (size_t i = 0; i < strlen(tok); i++) {
    char t[BUYER_TOKEN_MAX];
    strcpy(t, tok);
    t[i] = t[i] == 'a' ? 'b' : 'a';
    cr_expect_not(buyer_unsub_check(key, t, out), "changed at %zu: %s", i, t);
  }
  /* another search's id with this MAC */
  char id2[ID_LEN + 1], forged[BUYER_TOKEN_MAX];
  id_new(id2);
  snprintf(forged, sizeof forged, "%s%s", id2, tok + ID_LEN);
  cr_expect_not(buyer_unsub_check(key, forged, out));
  /* malformed */
  const char *bad[] = {"",
                       "x",
                       "nope",
                       "0000000000000000.",
                       "0000000000000000",
                       "0000000000000000.zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                       "0000000000000000.0000000000000000000000000000000000"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect_not(buyer_unsub_check(key, bad[i], out), "%s", bad[i]);
  cr_expect_not(buyer_unsub_check(key, NULL, out));
  char longer[BUYER_TOKEN_MAX + 8];
  snprintf(longer, sizeof longer, "%s00", tok);
  cr_expect_not(buyer_unsub_check(key, longer, out));
}

/* ---- the query offered for saving ---- */

static int check(struct arena *a, const char *q, const char **canon, const char **code)
{
  struct field_errors errs;
  field_errors_init(&errs, a);
  int rc = buyer_search_check(a, q, "query", canon, NULL, &errs);
  *code = errs.n ? errs.e[0].code : NULL;
  if (rc < 0)
    cr_expect_str_eq(errs.e[0].field, "query");
  return rc;
}

Test(buyer, a_saved_query_is_validated_and_canonical)
{
  struct arena *a = arena_new(0);
  const char *canon = NULL, *code = NULL;
  cr_assert_eq(check(a, "fuel=diesel&make=BMW&page=3&lang=en", &canon, &code), 0);
  cr_expect_str_eq(canon, "make=BMW&fuel=diesel", "known order, page and language dropped");
  cr_assert_eq(check(a, "?make=BMW,Audi&make=BMW&price_max=30000&sort=price_asc", &canon, &code),
               0);
  cr_expect_str_eq(canon, "make=Audi%2CBMW&price_max=30000&sort=price_asc");
  cr_assert_eq(check(a, "q=Golf%20GTI", &canon, &code), 0);
  cr_expect_str_eq(canon, "q=golf%20gti");

  const struct {
    const char *q, *code;
  } bad[] = {
      {"", "required"},
      {"page=2", "required"},              /* no filter left */
      {"sort=price_asc", "required"},      /* ordering is no filter */
      {"colour=plaid", "enum"},            /* unknown value */
      {"frobnicate=1", "unknown"},         /* unknown parameter */
      {"price_max=-5", "range"},           /* negative */
      {"price_min=abc", "range"},          /* not a number */
      {"year_min=1800", "range"},          /* out of range */
      {"first_reg_min=2020-13", "format"}, /* no such month */
      {"size=100000", "range"},            /* huge page size */
      {"make=%C3%28", "format"},           /* invalid UTF-8 */
      {"<script>=1", "unknown"},           /* hostile names */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_expect_eq(check(a, bad[i].q, &canon, &code), -1, "%s", bad[i].q);
    cr_expect_str_eq(code ? code : "", bad[i].code, "%s: %s", bad[i].q, code);
  }
  /* too long */
  char *huge = arena_alloc(a, BUYER_QUERY_MAX + 64);
  strcpy(huge, "make=");
  memset(huge + 5, 'A', BUYER_QUERY_MAX);
  huge[BUYER_QUERY_MAX + 5] = 0;
  cr_expect_eq(check(a, huge, &canon, &code), -1);
  cr_expect_str_eq(code, "length");
  /* more values than the search takes */
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, "make=");
  for (int i = 0; i < 40; i++)
    buf_printf(&b, "%sM%d", i ? "," : "", i);
  cr_expect_eq(check(a, buf_cstr(&b), &canon, &code), -1);
  arena_free(a);
}

Test(buyer, a_search_name_is_one_short_line)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  const char *out = NULL;
  cr_expect_eq(buyer_search_name_check(a, "  Mein BMW  ", "name", &out, &errs), 0);
  cr_expect_str_eq(out, "Mein BMW");
  cr_expect_eq(buyer_search_name_check(a, "Ä", "name", &out, &errs), 0);
  char many[BUYER_SEARCH_NAME_MAX * 2 + 4] = "";
  for (int i = 0; i < BUYER_SEARCH_NAME_MAX; i++)
    strcat(many, "ü"); /* 80 characters, 160 bytes: fine */
  cr_expect_eq(buyer_search_name_check(a, many, "name", &out, &errs), 0);
  strcat(many, "x");
  cr_expect_eq(buyer_search_name_check(a, many, "name", &out, &errs), -1);
  cr_expect_eq(buyer_search_name_check(a, "   ", "name", &out, &errs), -1);
  cr_expect_eq(buyer_search_name_check(a, NULL, "name", &out, &errs), -1);
  cr_expect_eq(buyer_search_name_check(a, "zwei\nZeilen", "name", &out, &errs), -1);
  cr_expect_eq(buyer_search_name_check(a, "\xc3\x28", "name", &out, &errs), -1);
  cr_expect_str_eq(errs.e[0].field, "name");
  arena_free(a);
}

/* ---- the mail ---- */

Test(buyer, alert_mail_in_german_and_english)
{
  struct arena *a = arena_new(0);
  struct search_hit h[2];
  memset(h, 0, sizeof h);
  for (int i = 0; i < 2; i++) {
    snprintf(h[i].public_id, sizeof h[i].public_id, "%016d", 7 + i);
    h[i].make = "BMW";
    h[i].model = i ? "530d" : "320d";
    h[i].variant = "Touring";
    h[i].price_cents = 2990000;
    h[i].mileage_km = 48500;
    h[i].first_reg = 2020 * 12 + 2;
    h[i].fuel = FUEL_DIESEL;
  }
  const char *subject, *body;
  buyer_alert_mail(a, "de", "Anna", "BMW Diesel", "make=BMW&fuel=diesel", 5, h, 2,
                   "https://cc24.example", "https://cc24.example/suchalarm/abbestellen?t=T",
                   &subject, &body);
  cr_expect_str_eq(subject, "5 neue Fahrzeuge für Ihre Suche „BMW Diesel“");
  cr_expect(strstr(body, "Hallo Anna,"), "%s", body);
  cr_expect(strstr(body, "• BMW 320d Touring – 29.900 €"), "%s", body);
  cr_expect(strstr(body, "EZ 03/2020 · 48.500 km · Diesel"), "%s", body);
  cr_expect(strstr(body, "https://cc24.example/fahrzeuge/bmw-320d-touring-0000000000000007"), "%s",
            body);
  cr_expect(strstr(body, "… und 3 weitere."), "%s", body);
  cr_expect(strstr(body, "https://cc24.example/fahrzeuge?make=BMW&fuel=diesel\n"), "%s", body);
  cr_expect(strstr(body, "https://cc24.example/suchalarm/abbestellen?t=T"), "%s", body);
  cr_expect(strstr(body, "E-Mail-Alarm eingeschaltet"), "why the mail came: %s", body);

  buyer_alert_mail(a, "en", "", "Any BMW", "make=BMW", 1, h, 1, "https://cc24.example",
                   "https://cc24.example/u", &subject, &body);
  cr_expect_str_eq(subject, "A new vehicle for your search “Any BMW”");
  cr_expect(strstr(body, "Hello,\n"), "%s", body);
  cr_expect(strstr(body, "03/2020 · 48.500 km · Diesel"), "%s", body);
  cr_expect(strstr(body, "https://cc24.example/fahrzeuge?make=BMW&lang=en"), "%s", body);
  cr_expect(strstr(body, "Unsubscribe"), "%s", body);
  cr_expect_null(strstr(body, " weitere"), "no German in the English mail");
  arena_free(a);
}

/* ---- roles ---- */

Test(buyer, the_buyer_role_stands_apart_from_the_dealer_roles)
{
  const int roles[] = {ROLE_BUYER, ROLE_PUBLIC, ROLE_STAFF, ROLE_OWNER, ROLE_ADMIN};
  /* have × need: 1 allowed */
  const int want[5][5] = {
      /*            need: buyer public staff owner admin */
      /* buyer  */ {1, 1, 0, 0, 0},
      /* public */ {0, 1, 0, 0, 0},
      /* staff  */ {0, 1, 1, 0, 0},
      /* owner  */ {0, 1, 1, 1, 0},
      /* admin  */ {0, 1, 1, 1, 1},
  };
  for (int h = 0; h < 5; h++)
    for (int n = 0; n < 5; n++)
      cr_expect_eq(web_role_allows(roles[h], roles[n]), want[h][n], "have %d need %d", roles[h],
                   roles[n]);
  cr_expect_eq(web_role_of(AUTH_ROLE_BUYER), ROLE_BUYER);
  cr_expect_eq(web_role_of(0), ROLE_PUBLIC, "an unknown role opens nothing");
  cr_expect_eq(web_role_of(99), ROLE_PUBLIC);
}
