/* test_router.c — route matching: precedence independent of table order,
 * params, wildcards, method mismatch and Allow lists, path decoding. */
#include "core/arena.h"
#include "http/http.h"
#include "http/http_internal.h"

#include <criterion/criterion.h>
#include <string.h>

static int h_dummy(struct http_req *req)
{
  (void)req;
  return 0;
}

static const struct route table[] = {
    {"GET", "/", h_dummy, 0, 0, 0},
    {"GET", "/api/v1/vehicles/{id}", h_dummy, 0, 0, 0},
    {"DELETE", "/api/v1/vehicles/{id}", h_dummy, 0, 0, 0},
    {"GET", "/api/v1/vehicles/search", h_dummy, 0, 0, 0},
    {"POST", "/api/v1/vehicles", h_dummy, 0, 0, 0},
    {"GET", "/static/{*path}", h_dummy, 0, 0, 0},
    {"GET", "/a/{*rest}", h_dummy, 0, 0, 0},
    {"GET", "/a/{x}/b", h_dummy, 0, 0, 0},
    {"GET", "/a/{x}", h_dummy, 0, 0, 0},
    {"GET", "/t/{tenant}/v/{id}", h_dummy, 0, 0, 0},
    {"PUT", "/x", h_dummy, 0, 0, 0},
    {"HEAD", "/h", h_dummy, 0, 0, 0},
    {"GET", "/h", h_dummy, 0, 0, 0},
    {"PURGE", "/cache", h_dummy, 0, 0, 0},
};
#define NT (sizeof table / sizeof table[0])

static struct arena *a;
static struct http_req req;

static void setup(void)
{
  a = arena_new(0);
  memset(&req, 0, sizeof req);
  req.a = a;
}

static void teardown(void)
{
  arena_free(a);
}

TestSuite(router, .init = setup, .fini = teardown);

static const struct route *match(const struct route *t, size_t n, const char *m, const char *p,
                                 int *mm)
{
  int dummy;
  return http_route_match(t, n, m, p, &req, mm ? mm : &dummy);
}

Test(router, literal_beats_param_in_both_orders)
{
  const struct route *r = match(table, NT, "GET", "/api/v1/vehicles/search", NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(r->pattern, "/api/v1/vehicles/search");
  cr_assert_eq(req.nparams, 0);

  struct route rev[NT];
  for (size_t i = 0; i < NT; i++)
    rev[i] = table[NT - 1 - i];
  r = match(rev, NT, "GET", "/api/v1/vehicles/search", NULL);
  cr_assert_str_eq(r->pattern, "/api/v1/vehicles/search");
  r = match(rev, NT, "GET", "/api/v1/vehicles/abc123", NULL);
  cr_assert_str_eq(r->pattern, "/api/v1/vehicles/{id}");
  cr_assert_str_eq(http_param(&req, "id"), "abc123");
}

Test(router, params)
{
  const struct route *r = match(table, NT, "GET", "/t/autohaus-meyer/v/k3j9", NULL);
  cr_assert_not_null(r);
  cr_assert_eq(req.nparams, 2);
  cr_assert_str_eq(http_param(&req, "tenant"), "autohaus-meyer");
  cr_assert_str_eq(http_param(&req, "id"), "k3j9");
  cr_assert_null(http_param(&req, "nope"));
}

Test(router, param_beats_wildcard_and_more_specific_wins)
{
  const struct route *r = match(table, NT, "GET", "/a/1", NULL);
  cr_assert_str_eq(r->pattern, "/a/{x}");
  r = match(table, NT, "GET", "/a/1/b", NULL);
  cr_assert_str_eq(r->pattern, "/a/{x}/b");
  r = match(table, NT, "GET", "/a/1/c", NULL);
  cr_assert_str_eq(r->pattern, "/a/{*rest}");
  cr_assert_str_eq(http_param(&req, "rest"), "1/c");
}

Test(router, wildcard_rest)
{
  const struct route *r = match(table, NT, "GET", "/static/css/app.css", NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(http_param(&req, "path"), "css/app.css");
  r = match(table, NT, "GET", "/static/../../etc/passwd", NULL);
  cr_assert_not_null(r); /* ".." is not special for the router; static.c only serves loaded files */
  cr_assert_str_eq(http_param(&req, "path"), "../../etc/passwd");
  int mm;
  cr_assert_null(match(table, NT, "GET", "/static/", &mm)); /* the rest must be non-empty */
  cr_assert_eq(mm, 0);
  cr_assert_null(match(table, NT, "GET", "/static", &mm));
}

Test(router, params_must_be_non_empty_and_trailing_slash_matters)
{
  int mm;
  cr_assert_null(match(table, NT, "GET", "/api/v1/vehicles/", &mm));
  cr_assert_null(match(table, NT, "PUT", "/x/", &mm));
  cr_assert_eq(mm, 0);
  cr_assert_not_null(match(table, NT, "PUT", "/x", &mm));
  cr_assert_null(match(table, NT, "GET", "/api//vehicles", &mm));
  cr_assert_not_null(match(table, NT, "GET", "/", &mm));
  cr_assert_null(match(table, NT, "GET", "", &mm));
  cr_assert_null(match(table, NT, "GET", "nope", &mm));
}

Test(router, method_mismatch_and_allow)
{
  int mm = 0;
  cr_assert_null(match(table, NT, "POST", "/api/v1/vehicles/abc", &mm));
  cr_assert_eq(mm, 1);
  const char *allow = http_route_allow(a, table, NT, "/api/v1/vehicles/abc");
  cr_assert_str_eq(allow, "GET, HEAD, DELETE, OPTIONS");
  cr_assert_str_eq(http_route_allow(a, table, NT, "/api/v1/vehicles"), "POST, OPTIONS");
  cr_assert_str_eq(http_route_allow(a, table, NT, "/cache"), "OPTIONS, PURGE");
  cr_assert_null(http_route_allow(a, table, NT, "/nowhere"));
  cr_assert_null(match(table, NT, "GET", "/nowhere", &mm));
  cr_assert_eq(mm, 0);
}

Test(router, head_served_by_get_and_explicit_head_preferred)
{
  const struct route *r = match(table, NT, "HEAD", "/api/v1/vehicles/search", NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(r->method, "GET");
  r = match(table, NT, "HEAD", "/h", NULL);
  cr_assert_str_eq(r->method, "HEAD");
  r = match(table, NT, "GET", "/h", NULL);
  cr_assert_str_eq(r->method, "GET");
  int mm;
  cr_assert_null(match(table, NT, "HEAD", "/x", &mm));
  cr_assert_eq(mm, 1);
}

Test(router, method_specific_route_not_shadowed)
{
  /* DELETE /api/v1/vehicles/search has no literal route: the param route answers it. */
  const struct route *r = match(table, NT, "DELETE", "/api/v1/vehicles/search", NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(r->pattern, "/api/v1/vehicles/{id}");
  cr_assert_str_eq(http_param(&req, "id"), "search");
}

Test(router, first_of_equals_wins)
{
  static const struct route t[] = {
      {"GET", "/p/{a}", h_dummy, 1, 0, 0},
      {"GET", "/p/{b}", h_dummy, 2, 0, 0},
  };
  const struct route *r = match(t, 2, "GET", "/p/q", NULL);
  cr_assert_eq(r->role, 1);
  cr_assert_str_eq(http_param(&req, "a"), "q");
}

Test(router, decoding)
{
  char *out;
  cr_assert_eq(http_path_decode(a, "/a%20b", 6, &out), 0);
  cr_assert_str_eq(out, "/a b");
  cr_assert_eq(http_path_decode(a, "/fahrzeuge/k%C3%B6ln", 20, &out), 0);
  cr_assert_str_eq(out, "/fahrzeuge/k\xc3\xb6ln");
  cr_assert_eq(http_path_decode(a, "/a+b", 4, &out), 0);
  cr_assert_str_eq(out, "/a+b"); /* '+' is only a space in queries */
  cr_assert_eq(http_path_decode(a, "/100%", 5, &out), 0);
  cr_assert_str_eq(out, "/100%");
  cr_assert_eq(http_path_decode(a, "/%zz%4", 6, &out), 0);
  cr_assert_str_eq(out, "/%zz%4");
  cr_assert_eq(http_path_decode(a, "/%2541", 6, &out), 0);
  cr_assert_str_eq(out, "/%41"); /* decoded once, not twice */
  cr_assert_eq(http_path_decode(a, "/a%2Fb", 6, &out), 0);
  cr_assert_str_eq(out, "/a/b");
}

Test(router, bad_encodings)
{
  char *out;
  cr_assert_eq(http_path_decode(a, "/a%00b", 6, &out), -1);
  cr_assert_eq(http_path_decode(a, "/%C3%28", 7, &out), -1);     /* invalid continuation */
  cr_assert_eq(http_path_decode(a, "/%C0%AF", 7, &out), -1);     /* overlong '/' */
  cr_assert_eq(http_path_decode(a, "/%ED%A0%80", 10, &out), -1); /* surrogate */
  cr_assert_eq(http_path_decode(a, "/\xff", 2, &out), -1);
  cr_assert_eq(http_path_decode(a, "a/b", 3, &out), -1);
  cr_assert_eq(http_path_decode(a, "", 0, &out), -1);
  cr_assert_eq(http_path_decode(a, "*", 1, &out), -1);
}

Test(router, decoded_path_matches_params)
{
  char *out;
  cr_assert_eq(http_path_decode(a, "/api/v1/vehicles/k%C3%B6", 24, &out), 0);
  const struct route *r = match(table, NT, "GET", out, NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(http_param(&req, "id"), "k\xc3\xb6");
}

Test(router, many_segments_and_long_paths)
{
  char path[4096];
  size_t n = 0;
  path[n++] = '/';
  path[n++] = 'a';
  for (int i = 0; i < 600; i++) {
    path[n++] = '/';
    path[n++] = 'z';
  }
  path[n] = 0;
  const struct route *r = match(table, NT, "GET", path, NULL);
  cr_assert_not_null(r);
  cr_assert_str_eq(r->pattern, "/a/{*rest}");
  cr_assert_eq(strlen(http_param(&req, "rest")), 1199);
}

Test(router, no_req_no_params)
{
  int mm;
  const struct route *r = http_route_match(table, NT, "GET", "/a/1", NULL, &mm);
  cr_assert_not_null(r);
  r = http_route_match(table, NT, "GET", "/a/1", NULL, NULL);
  cr_assert_not_null(r);
}
