/* Financing engine throughput on one core: complete quotes (instalments, totals and
 * the APR by Newton's method) for a mix of products — instalment loans, balloon
 * financings and leasing — from random inputs with a fixed seed. The engine writes
 * into caller-provided structs, so the timed loop allocates nothing.
 * Prints "finance: N quotes/s". */
#include "core/err.h"
#include "core/timeutil.h"
#include "finance/finance.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 100000, PASSES = 10 };

struct job {
  int kind; /* 0 loan, 1 balloon, 2 leasing */
  struct fin_input in;
  struct fin_lease_input lease;
};

static uint64_t state = 24;
static uint64_t rnd(void)
{
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 2685821657736338717ULL;
}

int main(void)
{
  static struct job jobs[N];
  for (int i = 0; i < N; i++) {
    struct job *j = &jobs[i];
    int r = (int)(rnd() % 100);
    j->kind = r < 60 ? 0 : r < 85 ? 1 : 2;
    int64_t price = 500000 + (int64_t)(rnd() % 8000000);
    if (j->kind == 2) {
      j->lease = (struct fin_lease_input){
          .price_cents = price,
          .special_payment_cents = price / 10,
          .term_months = 24 + (int)(rnd() % 37),
          .km_per_year = 10000 + (int)(rnd() % 20000),
          .residual_value_cents = price / 2,
          .transfer_costs_cents = 99000,
          .nominal_rate_percent = (double)(rnd() % 900) / 100.0,
      };
      continue;
    }
    j->in = (struct fin_input){
        .product = j->kind == 1 ? FIN_BALLOON : FIN_LOAN,
        .price_cents = price,
        .down_payment_cents = price / 10,
        .term_months = 12 + (int)(rnd() % 85),
        .nominal_rate_percent = (double)(rnd() % 1200) / 100.0,
        .balloon_cents = j->kind == 1 ? price / 3 : 0,
        .fees_cents = rnd() % 2 ? 9900 : 0,
        .financed_fees_cents = rnd() % 4 ? 0 : 15000,
    };
  }
  struct fin_quote q;
  struct fin_lease_quote lq;
  struct err e;
  double sum = 0;
  long failed = 0;
  int64_t t0 = time_mono_us();
  for (int p = 0; p < PASSES; p++)
    for (int i = 0; i < N; i++) {
      if (jobs[i].kind == 2) {
        if (fin_lease_quote(&jobs[i].lease, &lq, NULL, &e) == 0)
          sum += lq.leasing_factor;
        else
          failed++;
      } else if (fin_quote(&jobs[i].in, &q, &e) == 0) {
        sum += q.apr_percent;
      } else {
        failed++;
      }
    }
  int64_t dt = time_mono_us() - t0;
  double total = (double)N * PASSES;
  printf("finance: %.0f quotes/s (%.3f us per quote incl. APR; 60 %% loan, 25 %% balloon,"
         " 15 %% leasing; %ld refused; checksum %.3f)\n",
         total / ((double)dt / 1e6), (double)dt / total, failed, sum / total);
  return 0;
}
