/* Financing engine throughput: quotes per second (loan and balloon, random
 * inputs from a fixed seed) on one core. */
#include "core/err.h"
#include "core/timeutil.h"
#include "finance/finance.h"

#include <stdio.h>
#include <stdlib.h>

int main(void)
{
  enum { N = 200000 };
  static struct fin_input in[N];
  srand(24);
  for (int i = 0; i < N; i++) {
    in[i].product = i % 3 == 0 ? FIN_BALLOON : FIN_LOAN;
    in[i].price_cents = 500000 + rand() % 8000000;
    in[i].down_payment_cents = in[i].price_cents / 10;
    in[i].term_months = 12 + rand() % 85;
    in[i].nominal_rate_percent = (rand() % 1200) / 100.0;
    in[i].balloon_cents = in[i].product == FIN_BALLOON ? in[i].price_cents / 3 : 0;
    in[i].fees_cents = rand() % 2 ? 9900 : 0;
  }
  struct fin_quote q;
  struct err e;
  double sum = 0;
  int64_t t0 = time_mono_us();
  for (int i = 0; i < N; i++)
    if (fin_quote(&in[i], &q, &e) == 0)
      sum += q.apr_percent;
  int64_t dt = time_mono_us() - t0;
  printf("finance: %.0f quotes/s (%.2f us per quote incl. APR; checksum %.3f)\n", N / (dt / 1e6),
         (double)dt / N, sum / N);
  return 0;
}
