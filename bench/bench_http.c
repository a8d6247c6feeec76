/* bench_http.c — the HTTP layer alone: one route answering 300 bytes, for
 * wrk (bench/http_hello.sh). Peer to compare with: nginx `return 200` on the
 * same machine.
 *
 *   bench_http [listen] [threads] [--log]     (default 127.0.0.1:8089, 2 threads)
 *
 * Also serves /healthz, /metrics and /api/v1/echo/{x} so the e2e tests can use it
 * as a stand-in server. Stops on SIGINT/SIGTERM. */
#include "core/log.h"
#include "http/http.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static char body[300];

static int h_hello(struct http_req *req)
{
  return http_reply_arena(req, 200, "text/plain; charset=utf-8", body, sizeof body);
}

static int h_echo(struct http_req *req)
{
  const char *x = http_param(req, "x");
  return http_reply(req, 200, "text/plain; charset=utf-8", x, strlen(x));
}

static const struct route routes[] = {
    {"GET", "/hello", h_hello, ROLE_PUBLIC, 0, 0},
    {"GET", "/api/v1/echo/{x}", h_echo, ROLE_PUBLIC, 0, 0},
    {"GET", "/healthz", http_handle_healthz, ROLE_PUBLIC, ROUTE_NOLOG, 0},
    {"GET", "/metrics", http_handle_metrics, ROLE_PUBLIC, 0, 0},
};

int main(int argc, char **argv)
{
  const char *listen = argc > 1 ? argv[1] : "127.0.0.1:8089";
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  bool access_log = argc > 3 && strcmp(argv[3], "--log") == 0;
  memset(body, 'x', sizeof body);
  memcpy(body, "hello from cc24\n", 16);
  log_init("json", "info");
  http_access_log_enable(access_log);
  struct http_server_opts o = {
      .listen = listen,
      .threads = threads,
      .max_connections = 4096,
      .per_ip_connections = 0,
      .connection_timeout = 30,
      .max_body = 1 << 20,
      .routes = routes,
      .nroutes = sizeof routes / sizeof routes[0],
  };
  if (getenv("BENCH_PER_IP"))
    o.per_ip_connections = atoi(getenv("BENCH_PER_IP"));
  if (getenv("BENCH_TIMEOUT"))
    o.connection_timeout = atoi(getenv("BENCH_TIMEOUT"));
  struct err e = {0};
  struct http_server *s = http_server_start(&o, &e);
  if (!s) {
    fprintf(stderr, "bench_http: %s\n", e.msg);
    return 1;
  }
  printf("listening on port %d\n", http_server_port(s));
  fflush(stdout);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!stop)
    pause();
  http_server_stop(s, 5);
  return 0;
}
