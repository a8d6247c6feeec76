/* Every worked vector in tests/data/apr/vectors.json (copied from the project's shared
 * test data, so a clone is self-contained), through the engine and through the quote API's JSON
 * layer: net loan and monthly instalment to the cent, final instalment and total
 * payable within ±2 cents (exact expected), APR within 0.01 percentage points. The
 * log line says how many are exact to the cent and to 1e-4 / 1e-6 pp. */
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "finance/finance.h"
#include "finance/finance_json.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load_vectors(void)
{
  const char *root = getenv("CC24_SOURCE_ROOT");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/data/apr/vectors.json", root ? root : ".");
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  cr_assert_not_null(doc, "%s: %s", path, je.text);
  cr_assert(json_is_array(doc) && json_array_size(doc) > 0, "%s holds no vectors", path);
  return doc;
}

static int64_t I(json_t *v, const char *k)
{
  json_t *x = json_object_get(v, k);
  cr_assert(json_is_integer(x), "%s: %s missing", json_string_value(json_object_get(v, "id")), k);
  return json_integer_value(x);
}

Test(apr_vectors, every_vector_matches)
{
  json_t *doc = load_vectors();
  size_t i;
  json_t *v;
  int n = 0, exact_final = 0, exact_total = 0, apr_4dp = 0, apr_6dp = 0;
  double worst = 0;
  json_array_foreach(doc, i, v)
  {
    const char *id = json_string_value(json_object_get(v, "id"));
    const char *product = json_string_value(json_object_get(v, "product"));
    cr_assert(product && (!strcmp(product, "loan") || !strcmp(product, "balloon")), "%s", id);
    struct fin_input in = {
        .product = strcmp(product, "balloon") == 0 ? FIN_BALLOON : FIN_LOAN,
        .price_cents = I(v, "price_cents"),
        .down_payment_cents = I(v, "down_payment_cents"),
        .term_months = (int)I(v, "term_months"),
        .nominal_rate_percent = json_number_value(json_object_get(v, "nominal_rate_percent")),
        .balloon_cents = I(v, "balloon_cents"),
        .fees_cents = I(v, "fees_cents"),
        .financed_fees_cents = I(v, "financed_fees_cents"),
    };
    struct fin_quote q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&in, &q, &e), 0, "%s: %s", id, e.msg);
    cr_assert_eq(q.net_loan_cents, I(v, "net_loan_cents"), "%s", id);
    cr_assert_eq(q.monthly_installment_cents, I(v, "monthly_installment_cents"), "%s", id);
    int64_t fin = I(v, "final_installment_cents");
    cr_assert(llabs(q.final_installment_cents - fin) <= 2, "%s: final %lld vs %lld", id,
              (long long)q.final_installment_cents, (long long)fin);
    exact_final += q.final_installment_cents == fin;
    int64_t tot = I(v, "total_payable_cents");
    cr_assert(llabs(q.total_payable_cents - tot) <= 2, "%s: total %lld vs %lld", id,
              (long long)q.total_payable_cents, (long long)tot);
    exact_total += q.total_payable_cents == tot;
    double apr = json_number_value(json_object_get(v, "apr_percent"));
    double d = fabs(q.apr_percent - apr);
    cr_assert(d < 0.01, "%s: APR %.6f vs %.6f", id, q.apr_percent, apr);
    apr_4dp += d < 1e-4;
    apr_6dp += d < 0.5e-6; /* the vectors carry 6 decimals */
    worst = fmax(worst, d);
    n++;
  }
  cr_log_info("%d vectors: final instalment exact in %d, total payable exact in %d, APR within"
              " 1e-4 pp in %d and within 1e-6 pp in %d (worst %.1e pp)",
              n, exact_final, exact_total, apr_4dp, apr_6dp, worst);
  json_decref(doc);
}

/* The same vectors as request bodies of POST /api/v1/finance/quote (the expected
 * figures removed): the API answers the same figures. */
Test(apr_vectors, through_the_quote_api)
{
  json_t *doc = load_vectors();
  struct arena *a = arena_new(0);
  size_t i;
  json_t *v;
  json_array_foreach(doc, i, v)
  {
    const char *id = json_string_value(json_object_get(v, "id"));
    json_t *body = json_arena(a, json_deep_copy(v));
    static const char *const expected[] = {"id",
                                           "net_loan_cents",
                                           "monthly_installment_cents",
                                           "final_installment_cents",
                                           "total_payable_cents",
                                           "apr_percent"};
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++)
      json_object_del(body, expected[k]);
    struct field_errors errs;
    field_errors_init(&errs, a);
    struct err e = {0};
    json_t *out = NULL;
    cr_assert_eq(finance_json_quote(a, body, &out, &errs, &e), 0, "%s: %s", id,
                 errs.n ? errs.e[0].field : e.msg);
    json_arena(a, out);
    cr_assert_eq(json_integer_value(json_object_get(out, "monthly_installment_cents")),
                 I(v, "monthly_installment_cents"), "%s", id);
    cr_assert(llabs(json_integer_value(json_object_get(out, "total_payable_cents")) -
                    I(v, "total_payable_cents")) <= 2,
              "%s", id);
    double apr = json_real_value(json_object_get(out, "apr_percent"));
    cr_assert(fabs(apr - json_number_value(json_object_get(v, "apr_percent"))) < 0.01, "%s", id);
    char shown[32];
    fin_percent_display(json_number_value(json_object_get(v, "apr_percent")), shown, sizeof shown);
    cr_assert_str_eq(json_string_value(json_object_get(out, "apr_display")), shown, "%s", id);
  }
  arena_free(a);
  json_decref(doc);
}
