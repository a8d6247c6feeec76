/* routes.h — the one route table of cc24 (routes.c). */
#ifndef CC24_ROUTES_H
#define CC24_ROUTES_H

#include "http/http.h"

#include <stddef.h>

extern const struct route cc24_routes[];
extern const size_t cc24_nroutes;

#endif
