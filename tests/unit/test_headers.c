/* Security headers on every answer of a real server: CSP without 'unsafe-inline',
 * frame-ancestors 'none' (ROUTE_EMBED: any site), X-Frame-Options, nosniff,
 * Referrer-Policy, COOP, Permissions-Policy, HSTS only over TLS (or behind a
 * trusted proxy that says so), and the proxy's X-Forwarded-For only when trusted. */
#include "core/arena.h"
#include "core/log.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int h_ip(struct http_req *req)
{
  return http_reply(req, 200, "text/plain", req->client_ip, strlen(req->client_ip));
}

static int h_own(struct http_req *req)
{
  http_set_header(req, "Content-Security-Policy", "default-src 'none'");
  return http_reply(req, 200, "text/plain", "own", 3);
}

static const struct route routes[] = {
    {"GET", "/plain", h_ip, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/embed/widget", h_ip, ROLE_PUBLIC, ROUTE_EMBED, RL_NONE},
    {"GET", "/own", h_own, ROLE_PUBLIC, 0, RL_NONE},
};

static struct http_server *start(bool tls, bool trust)
{
  log_init("json", "error");
  http_access_log_enable(false);
  struct http_server_opts o = {
      .listen = "127.0.0.1:0",
      .threads = 2,
      .max_connections = 64,
      .per_ip_connections = 64,
      .connection_timeout = 5,
      .max_body = 4096,
      .routes = routes,
      .nroutes = sizeof routes / sizeof routes[0],
      .tls = tls,
      .trust_proxy = trust,
  };
  struct err e = {0};
  struct http_server *s = http_server_start(&o, &e);
  cr_assert_not_null(s, "%s", e.msg);
  return s;
}

/* One request; the whole response (headers and body) into out. */
static void get(struct http_server *s, const char *path, const char *extra, char *out, size_t n)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)http_server_port(s))};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  char req[1024];
  int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
                     path, extra ? extra : "");
  cr_assert_eq(write(fd, req, (size_t)len), len);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < n && (r = read(fd, out + got, n - 1 - got)) > 0)
    got += (size_t)r;
  out[got] = 0;
  close(fd);
}

/* The value of header name in a raw response, or NULL. */
static const char *header(const char *resp, const char *name, char *val, size_t n)
{
  size_t nl = strlen(name);
  for (const char *p = strstr(resp, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
      const char *v = p + 3 + nl;
      while (*v == ' ')
        v++;
      size_t vl = strcspn(v, "\r");
      snprintf(val, n, "%.*s", (int)vl, v);
      return val;
    }
  }
  return NULL;
}

static const char *body(const char *resp)
{
  const char *b = strstr(resp, "\r\n\r\n");
  return b ? b + 4 : "";
}

static void expect_common(const char *resp)
{
  char v[512];
  cr_expect_not_null(header(resp, "X-Content-Type-Options", v, sizeof v));
  cr_expect_str_eq(v, "nosniff");
  cr_expect_not_null(header(resp, "Referrer-Policy", v, sizeof v));
  cr_expect_str_eq(v, "strict-origin-when-cross-origin");
  cr_expect_not_null(header(resp, "Cross-Origin-Opener-Policy", v, sizeof v));
  cr_expect_not_null(header(resp, "Permissions-Policy", v, sizeof v));
  cr_expect(strstr(v, "camera=()") != NULL);
  cr_assert_not_null(header(resp, "Content-Security-Policy", v, sizeof v));
  cr_expect(strstr(v, "unsafe-inline") == NULL, "no unsafe-inline: %s", v);
  cr_expect(strstr(v, "unsafe-eval") == NULL);
}

Test(headers, every_answer_is_protected_and_embeds_may_be_framed)
{
  struct http_server *s = start(false, false);
  char resp[8192], v[512];
  const char *paths[] = {"/plain", "/nowhere", "/static/x.css"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    get(s, paths[i], NULL, resp, sizeof resp);
    expect_common(resp);
    cr_expect_not_null(header(resp, "X-Frame-Options", v, sizeof v), "%s", paths[i]);
    cr_expect_str_eq(v, "DENY");
    header(resp, "Content-Security-Policy", v, sizeof v);
    cr_expect(strstr(v, "frame-ancestors 'none'") != NULL, "%s: %s", paths[i], v);
    cr_expect(strstr(v, "script-src 'self'") != NULL);
    cr_expect(strstr(v, "style-src 'self'") != NULL);
    cr_expect_null(header(resp, "Strict-Transport-Security", v, sizeof v), "no HSTS over http");
  }
  get(s, "/embed/widget", NULL, resp, sizeof resp);
  expect_common(resp);
  cr_expect_null(header(resp, "X-Frame-Options", v, sizeof v), "an embed may be framed");
  header(resp, "Content-Security-Policy", v, sizeof v);
  cr_expect(strstr(v, "frame-ancestors *") != NULL, "%s", v);
  get(s, "/own", NULL, resp, sizeof resp);
  header(resp, "Content-Security-Policy", v, sizeof v);
  cr_expect_str_eq(v, "default-src 'none'", "a handler's own policy is kept");
  /* without trust, the proxy headers are ignored */
  get(s, "/plain", "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n", resp,
      sizeof resp);
  cr_expect_str_eq(body(resp), "127.0.0.1");
  cr_expect_null(header(resp, "Strict-Transport-Security", v, sizeof v));
  http_server_stop(s, 0);
}

Test(headers, hsts_over_tls_and_behind_a_trusted_proxy)
{
  struct http_server *s = start(true, false);
  char resp[8192], v[512];
  get(s, "/plain", NULL, resp, sizeof resp);
  cr_assert_not_null(header(resp, "Strict-Transport-Security", v, sizeof v));
  cr_expect(strstr(v, "max-age=31536000") != NULL);
  get(s, "/nowhere", NULL, resp, sizeof resp);
  cr_expect_not_null(header(resp, "Strict-Transport-Security", v, sizeof v), "errors too");
  http_server_stop(s, 0);

  s = start(false, true);
  get(s, "/plain", "X-Forwarded-Proto: https\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n",
      resp, sizeof resp);
  cr_expect_not_null(header(resp, "Strict-Transport-Security", v, sizeof v));
  cr_expect_str_eq(body(resp), "203.0.113.9", "the address our proxy saw (last hop)");
  get(s, "/plain", "X-Forwarded-Proto: http\r\nX-Forwarded-For: <script>\r\n", resp, sizeof resp);
  cr_expect_null(header(resp, "Strict-Transport-Security", v, sizeof v));
  cr_expect_str_eq(body(resp), "127.0.0.1", "junk in X-Forwarded-For is ignored");
  http_server_stop(s, 0);
}
