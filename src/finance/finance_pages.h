/* finance_pages.h — financing pages: the public calculator (/finanzierung) and
 * the dealer's financing conditions in the dashboard. */
#ifndef CC24_FINANCE_FINANCE_PAGES_H
#define CC24_FINANCE_FINANCE_PAGES_H

#include "http/http.h"

int finance_page_calculator(struct http_req *req);
int finance_page_conditions(struct http_req *req);
int finance_page_conditions_post(struct http_req *req);

#endif
