/* Every worked vector in shared/testdata/apr/vectors.json: net loan, monthly
 * instalment to the cent, final instalment (±2 cents allowed, exact expected),
 * total payable, APR within 0.01 percentage points. */
#include "core/err.h"
#include "finance/finance.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(apr_vectors, every_vector_matches)
{
  const char *shared = getenv("CC24_SHARED");
  char path[4096];
  snprintf(path, sizeof path, "%s/testdata/apr/vectors.json", shared ? shared : "../shared");
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  cr_assert_not_null(doc, "%s: %s", path, je.text);
  size_t i;
  json_t *v;
  int exact_final = 0, apr_4dp = 0, n = 0;
  json_array_foreach(doc, i, v)
  {
    struct fin_input in = {0};
    const char *product = json_string_value(json_object_get(v, "product"));
    in.product = strcmp(product, "balloon") == 0 ? FIN_BALLOON : FIN_LOAN;
    in.price_cents = json_integer_value(json_object_get(v, "price_cents"));
    in.down_payment_cents = json_integer_value(json_object_get(v, "down_payment_cents"));
    in.term_months = (int)json_integer_value(json_object_get(v, "term_months"));
    in.nominal_rate_percent = json_number_value(json_object_get(v, "nominal_rate_percent"));
    in.balloon_cents = json_integer_value(json_object_get(v, "balloon_cents"));
    in.fees_cents = json_integer_value(json_object_get(v, "fees_cents"));
    in.financed_fees_cents = json_integer_value(json_object_get(v, "financed_fees_cents"));
    const char *id = json_string_value(json_object_get(v, "id"));
    struct fin_quote q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&in, &q, &e), 0, "%s: %s", id, e.msg);
    cr_assert_eq(q.net_loan_cents, json_integer_value(json_object_get(v, "net_loan_cents")), "%s",
                 id);
    cr_assert_eq(q.monthly_installment_cents,
                 json_integer_value(json_object_get(v, "monthly_installment_cents")), "%s", id);
    int64_t fin = json_integer_value(json_object_get(v, "final_installment_cents"));
    cr_assert(llabs(q.final_installment_cents - fin) <= 2, "%s: final %lld vs %lld", id,
              (long long)q.final_installment_cents, (long long)fin);
    exact_final += q.final_installment_cents == fin;
    int64_t tot = json_integer_value(json_object_get(v, "total_payable_cents"));
    cr_assert(llabs(q.total_payable_cents - tot) <= 2, "%s: total %lld vs %lld", id,
              (long long)q.total_payable_cents, (long long)tot);
    double apr = json_number_value(json_object_get(v, "apr_percent"));
    cr_assert(fabs(q.apr_percent - apr) < 0.01, "%s: APR %.6f vs %.6f", id, q.apr_percent, apr);
    apr_4dp += fabs(q.apr_percent - apr) < 0.0001;
    n++;
  }
  cr_log_info("%d vectors: final instalment exact in %d, APR within 1e-4 pp in %d", n, exact_final,
              apr_4dp);
  cr_assert_gt(n, 0);
  json_decref(doc);
}
