/* sms_stub.h — a scripted HTTP/1.1 server on 127.0.0.1 for the SMS tests: it answers
 * each connection with the next (status, body) of its script, records every request
 * (method, path, headers, body) and closes the connection. Header-only (static
 * inline) because each test binary is built from one .c file. */
#ifndef CC24_TESTS_SMS_STUB_H
#define CC24_TESTS_SMS_STUB_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define STUB_MAX 8

struct stub_reply {
  int status;
  const char *body;
};

struct stub_request {
  char method[16];
  char path[256];
  char content_type[128];
  char authorization[256];
  char body[8192];
};

struct sms_stub {
  int fd;
  int port;
  pthread_t thread;
  int nscript;
  struct stub_reply script[STUB_MAX];
  int nreq; /* requests answered so far */
  struct stub_request req[STUB_MAX];
  char url[64];
};

/* The value of header name in the request head h (case-insensitive), into out. */
static inline void stub_header(const char *h, const char *name, char *out, size_t n)
{
  out[0] = 0;
  size_t nl = strlen(name);
  for (const char *p = strstr(h, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
    if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
      const char *v = p + 3 + nl;
      while (*v == ' ')
        v++;
      const char *end = strstr(v, "\r\n");
      size_t len = end ? (size_t)(end - v) : strlen(v);
      if (len >= n)
        len = n - 1;
      memcpy(out, v, len);
      out[len] = 0;
      return;
    }
  }
}

static inline void *stub_main(void *arg)
{
  struct sms_stub *s = arg;
  while (s->nreq < s->nscript) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      return NULL;
    char buf[16384];
    size_t n = 0;
    char *head_end = NULL;
    while (n < sizeof buf - 1 && !head_end) {
      ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
      if (r <= 0)
        break;
      n += (size_t)r;
      buf[n] = 0;
      head_end = strstr(buf, "\r\n\r\n");
    }
    if (!head_end) {
      close(c);
      continue;
    }
    struct stub_request *q = &s->req[s->nreq];
    memset(q, 0, sizeof *q);
    sscanf(buf, "%15s %255s", q->method, q->path);
    char cl[32];
    stub_header(buf, "Content-Length", cl, sizeof cl);
    stub_header(buf, "Content-Type", q->content_type, sizeof q->content_type);
    stub_header(buf, "Authorization", q->authorization, sizeof q->authorization);
    size_t want = (size_t)atol(cl), have = n - (size_t)(head_end + 4 - buf);
    while (have < want && n < sizeof buf - 1) {
      ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
      if (r <= 0)
        break;
      n += (size_t)r;
      have += (size_t)r;
    }
    buf[n] = 0;
    snprintf(q->body, sizeof q->body, "%s", head_end + 4);
    const struct stub_reply *rp = &s->script[s->nreq];
    char out[4096];
    int len = snprintf(out, sizeof out,
                       "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                       rp->status, strlen(rp->body), rp->body);
    s->nreq++; /* before the answer: the client looks once it has it */
    if (write(c, out, (size_t)len) != len)
      perror("stub write");
    close(c);
  }
  return NULL;
}

/* Listen on a free loopback port and answer with script (n replies) in a thread. */
static inline void stub_start(struct sms_stub *s, const struct stub_reply *script, int n)
{
  memset(s, 0, sizeof *s);
  s->nscript = n;
  if (n > 0)
    memcpy(s->script, script, sizeof *script * (size_t)n);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s->fd, 8) < 0 ||
      getsockname(s->fd, (struct sockaddr *)&sa, &sl) < 0) {
    perror("stub");
    abort();
  }
  s->port = ntohs(sa.sin_port);
  snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
  pthread_create(&s->thread, NULL, stub_main, s);
}

/* Stop: the thread ends once the script is used up or the socket closes. */
static inline void stub_stop(struct sms_stub *s)
{
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->thread, NULL);
}

#endif
