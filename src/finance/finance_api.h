/* finance_api.h — JSON API of the financing engine:
 *   POST /api/v1/finance/quote  a quote with APR and the representative example
 *   POST /api/v1/finance/apr    the APR of any schedule of flows
 *   POST /api/v1/finance/check  does a stated example match its own figures? */
#ifndef CC24_FINANCE_API_H
#define CC24_FINANCE_API_H

#include "http/http.h"

int finance_api_quote(struct http_req *req);
int finance_api_apr(struct http_req *req);
int finance_api_check(struct http_req *req);

#endif
