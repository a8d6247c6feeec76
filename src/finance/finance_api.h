/* finance_api.h — JSON API of the financing engine:
 *   POST /api/v1/finance/quote  a quote with APR and the representative example
 *   POST /api/v1/finance/apr    the APR of any schedule of flows
 *   POST /api/v1/finance/check  does a stated example match its own figures?
 * The handlers only move bodies in and answers out; the JSON contracts and the work
 * live in finance_json.h (testable without a server). */
#ifndef CC24_FINANCE_API_H
#define CC24_FINANCE_API_H

#include "http/http.h"

int finance_api_quote(struct http_req *req);
int finance_api_apr(struct http_req *req);
int finance_api_check(struct http_req *req);
/* POST /api/v1/finance/solve — the Sollzins or the instalment for a target APR. */
int finance_api_solve(struct http_req *req);
/* GET/PUT /api/v1/finance/conditions — the caller's bank partner conditions (versioned). */
int finance_api_conditions_get(struct http_req *req);
int finance_api_conditions_put(struct http_req *req);
/* GET /api/v1/vehicles/{id}/finance-example — the dealer's example for a public vehicle. */
int finance_api_vehicle_example(struct http_req *req);

struct arena;
struct err;
struct fin_conditions;
/* The example for price_cents under c as JSON (new reference), NULL + e when none fits. */
json_t *finance_example_json(struct arena *a, const struct fin_conditions *c, int64_t price_cents,
                             int64_t version, struct err *e);

#endif
