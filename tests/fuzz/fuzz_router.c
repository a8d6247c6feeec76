/* fuzz_router.c — path decoding and route matching on arbitrary request
 * targets. The first byte picks the method; the rest is the raw path. Checks
 * that a match fills sane params and that a method mismatch is only reported
 * when no route matched. */
#include "core/arena.h"
#include "core/str.h"
#include "http/http.h"
#include "http/http_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int h(struct http_req *req)
{
  (void)req;
  return 0;
}

static const struct route routes[] = {
    {"GET", "/", h, 0, 0, 0},
    {"GET", "/api/v1/vehicles", h, 0, 0, 0},
    {"POST", "/api/v1/vehicles", h, 0, 0, 0},
    {"GET", "/api/v1/vehicles/search", h, 0, 0, 0},
    {"GET", "/api/v1/vehicles/{id}", h, 0, 0, 0},
    {"PATCH", "/api/v1/vehicles/{id}", h, 0, 0, 0},
    {"DELETE", "/api/v1/vehicles/{id}", h, 0, 0, 0},
    {"GET", "/api/v1/vehicles/{id}/photos/{n}", h, 0, 0, 0},
    {"GET", "/h/{tenant}/fahrzeuge/{slug}", h, 0, 0, 0},
    {"GET", "/static/{*path}", h, 0, 0, 0},
    {"GET", "/media/{*key}", h, 0, 0, 0},
    {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", h, 0, 0, 0},
    {"OPTIONS", "/api/v1/preflight", h, 0, 0, 0},
};

static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                      "PATCH", "DELETE", "OPTIONS", "BREW"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const char *method = methods[data[0] % 8];
  struct arena *a = arena_new(0);
  char *path;
  if (http_path_decode(a, (const char *)data + 1, size - 1, &path) == 0) {
    if (!utf8_valid(path, strlen(path)) || path[0] != '/')
      abort();
    struct http_req req;
    memset(&req, 0, sizeof req);
    req.a = a;
    int mm = -1;
    const struct route *r =
        http_route_match(routes, sizeof routes / sizeof routes[0], method, path, &req, &mm);
    if (r) {
      if (mm != 0 || req.nparams > HTTP_MAX_PARAMS)
        abort();
      for (int i = 0; i < req.nparams; i++)
        if (!req.param_values[i][0] || !strstr(path, req.param_values[i]))
          abort();
    } else if (mm == 1 && !http_route_allow(a, routes, sizeof routes / sizeof routes[0], path)) {
      abort();
    }
  }
  arena_free(a);
  return 0;
}
