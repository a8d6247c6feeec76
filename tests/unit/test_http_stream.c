/* test_http_stream.c — streaming request bodies (ROUTE_STREAM, http_stream_accept) and
 * file answers (http_reply_fd) on a real server: 127.0.0.1:0 with a small route table
 * whose upload handler writes each multipart file part to a temporary file and answers
 * the sizes and SHA-256 of what it received. Driven by libcurl (multipart, chunked,
 * Expect: 100-continue, concurrent) and by a raw socket client for what curl will not
 * do: cut a body off, lie about sizes, keep sending after an answer. Also measures the
 * peak RSS while 200 MB stream through. */
#include "core/arena.h"
#include "core/log.h"
#include "http/http.h"
#include "http/multipart.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* The server under test                                               */
/* ------------------------------------------------------------------ */

static struct http_server *srv;
static int port;
static char updir[64]; /* temp files of the upload handler */

static atomic_int n_accepted, n_end, n_abort, n_data_calls;
static atomic_int n_handler; /* upload handler calls */

#define HEX_LEN (crypto_hash_sha256_BYTES * 2 + 1)

struct tmpfile {
  char path[128];
  struct tmpfile *next;
};

/* One upload in progress (in req->a). */
struct upload {
  struct http_req *req;
  struct mp_parser *mp;
  uint64_t file_max; /* per file part, 413 past it */
  uint64_t body_bytes;
  /* the current part */
  bool in_file;
  int fd;
  crypto_hash_sha256_state sha;
  uint64_t part_bytes;
  const char *name, *filename, *ctype;
  struct tmpfile *cur;
  /* done parts and their files */
  json_t *parts;
  struct tmpfile *files;
  bool cleaned;
};

/* Close and unlink everything: abort, the end of a successful upload (a real handler
 * hands the files to the media store), and the arena hook as a second line. */
static void upload_cleanup(struct upload *u)
{
  if (u->cleaned)
    return;
  u->cleaned = true;
  if (u->fd >= 0)
    close(u->fd);
  u->fd = -1;
  for (struct tmpfile *f = u->files; f; f = f->next)
    unlink(f->path);
  json_decref(u->parts);
  u->parts = NULL;
}

static void upload_arena_hook(void *p)
{
  upload_cleanup(p);
}

static int up_begin(void *arg, const struct mp_part *p)
{
  struct upload *u = arg;
  struct arena *a = u->req->a;
  u->name = p->name;
  u->filename = p->filename;
  u->ctype = p->content_type;
  u->part_bytes = 0;
  crypto_hash_sha256_init(&u->sha);
  u->in_file = p->filename != NULL;
  if (!u->in_file)
    return 0;
  struct tmpfile *f = arena_zalloc(a, sizeof *f);
  snprintf(f->path, sizeof f->path, "%s/part-XXXXXX", updir);
  u->fd = mkstemp(f->path);
  if (u->fd < 0)
    return -1;
  f->next = u->files;
  u->files = f;
  u->cur = f;
  return 0;
}

static int up_data(void *arg, const char *d, size_t n)
{
  struct upload *u = arg;
  if (u->in_file && u->part_bytes + n > u->file_max) {
    http_problem(u->req, 413, CC24_E_BODY_TOO_LARGE,
                 arena_printf(u->req->a, "The file %s is larger than %llu bytes.", u->filename,
                              (unsigned long long)u->file_max),
                 "photos");
    return -1;
  }
  u->part_bytes += n;
  crypto_hash_sha256_update(&u->sha, (const unsigned char *)d, n);
  if (u->in_file) {
    while (n) {
      ssize_t w = write(u->fd, d, n);
      if (w <= 0)
        return -1;
      d += w;
      n -= (size_t)w;
    }
  }
  return 0;
}

static int up_end(void *arg)
{
  struct upload *u = arg;
  unsigned char h[crypto_hash_sha256_BYTES];
  char hex[HEX_LEN];
  crypto_hash_sha256_final(&u->sha, h);
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  json_int_t disk = -1;
  if (u->in_file) {
    struct stat st;
    if (fstat(u->fd, &st) == 0)
      disk = (json_int_t)st.st_size;
    close(u->fd);
    u->fd = -1;
  }
  json_array_append_new(u->parts,
                        json_pack("{s:s,s:s?,s:s,s:I,s:s,s:I}", "name", u->name, "filename",
                                  u->filename, "type", u->ctype, "size", (json_int_t)u->part_bytes,
                                  "sha256", hex, "disk", disk));
  return 0;
}

static const struct mp_callbacks UP_CB = {up_begin, up_data, up_end};

static int st_data(struct http_req *req, void *arg, const char *p, size_t n)
{
  struct upload *u = arg;
  atomic_fetch_add(&n_data_calls, 1);
  u->body_bytes += n;
  if (mp_feed(u->mp, p, n) == 0)
    return 0;
  /* the per-file 413 was set in up_data; anything else is a malformed body */
  if (strcmp(mp_error(u->mp), "stopped by the application") != 0)
    http_problem(req, 400, CC24_E_BAD_REQUEST,
                 arena_printf(req->a, "The multipart body is malformed: %s.", mp_error(u->mp)),
                 NULL);
  return -1;
}

static int st_end(struct http_req *req, void *arg)
{
  struct upload *u = arg;
  atomic_fetch_add(&n_end, 1);
  if (mp_finish(u->mp) < 0) {
    upload_cleanup(u);
    return http_problem(
        req, 400, CC24_E_BAD_REQUEST,
        arena_printf(req->a, "The multipart body is malformed: %s.", mp_error(u->mp)), NULL);
  }
  json_t *j = json_pack("{s:O,s:I}", "parts", u->parts, "bytes", (json_int_t)u->body_bytes);
  upload_cleanup(u);
  return http_reply_json(req, 200, j);
}

static void st_abort(struct http_req *req, void *arg)
{
  (void)req;
  atomic_fetch_add(&n_abort, 1);
  upload_cleanup(arg);
}

static const struct http_stream UP_STREAM = {st_data, st_end, st_abort};

static uint64_t query_u64(struct http_req *req, const char *name, uint64_t def)
{
  const char *v = http_query(req, name);
  return v ? strtoull(v, NULL, 10) : def;
}

/* POST /upload?max=N&file_max=N — multipart files to temp files. */
static int h_upload(struct http_req *req)
{
  atomic_fetch_add(&n_handler, 1);
  if (!req->streaming || req->body_len != 0)
    return http_problem(req, 500, CC24_E_INTERNAL, "not streaming", NULL);
  const char *boundary = mp_boundary(req->a, http_header(req, "Content-Type"));
  if (!boundary)
    return http_problem(req, 415, CC24_E_UNSUPPORTED_MEDIA_TYPE, "Send multipart/form-data.", NULL);
  struct upload *u = arena_zalloc(req->a, sizeof *u);
  u->req = req;
  u->fd = -1;
  u->parts = json_array();
  u->file_max = query_u64(req, "file_max", UINT64_MAX);
  u->mp = mp_new(req->a, boundary, &UP_CB, u);
  arena_on_free(req->a, upload_arena_hook, u);
  atomic_fetch_add(&n_accepted, 1);
  return http_stream_accept(req, &UP_STREAM, u, query_u64(req, "max", 512u << 20));
}

/* POST /raw — any body: byte count and SHA-256. */
struct raw_state {
  uint64_t n;
  crypto_hash_sha256_state sha;
};

static int raw_data(struct http_req *req, void *arg, const char *p, size_t n)
{
  (void)req;
  struct raw_state *s = arg;
  s->n += n;
  crypto_hash_sha256_update(&s->sha, (const unsigned char *)p, n);
  return 0;
}

static int raw_end(struct http_req *req, void *arg)
{
  struct raw_state *s = arg;
  atomic_fetch_add(&n_end, 1);
  unsigned char h[crypto_hash_sha256_BYTES];
  char hex[HEX_LEN];
  crypto_hash_sha256_final(&s->sha, h);
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return http_reply_json(req, 200,
                         json_pack("{s:I,s:s}", "bytes", (json_int_t)s->n, "sha256", hex));
}

static void raw_abort(struct http_req *req, void *arg)
{
  (void)req;
  (void)arg;
  atomic_fetch_add(&n_abort, 1);
}

static int h_raw(struct http_req *req)
{
  struct raw_state *s = arena_zalloc(req->a, sizeof *s);
  crypto_hash_sha256_init(&s->sha);
  static const struct http_stream st = {raw_data, raw_end, raw_abort};
  atomic_fetch_add(&n_accepted, 1);
  return http_stream_accept(req, &st, s, query_u64(req, "max", 512u << 20));
}

/* POST /refuse/{what} — answers on the headers, never takes the body. */
static int h_refuse(struct http_req *req)
{
  atomic_fetch_add(&n_handler, 1);
  return http_problem(req, 404, CC24_E_NOT_FOUND,
                      arena_printf(req->a, "No vehicle %s.", http_param(req, "what")), NULL);
}

/* A streaming handler that forgets to answer or accept. */
static int h_lazy(struct http_req *req)
{
  (void)req;
  return 0;
}

/* GET /file — the test file through http_reply_fd. */
static char fd_path[128];

static int h_file(struct http_req *req)
{
  int fd = open(fd_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return http_problem(req, 500, CC24_E_IO, NULL, NULL);
  struct stat st;
  fstat(fd, &st);
  http_set_header(req, "Cache-Control", "public, max-age=31536000, immutable");
  return http_reply_fd(req, 200, "text/plain; charset=utf-8", fd, (uint64_t)st.st_size);
}

/* GET /file-twice — a second answer by file: refused, and the fd is closed. */
static atomic_int twice_fd_closed;

static int h_file_twice(struct http_req *req)
{
  http_reply(req, 200, "text/plain", "first", 5);
  int fd = open(fd_path, O_RDONLY | O_CLOEXEC);
  int rc = fd >= 0 ? http_reply_fd(req, 200, "text/plain", fd, 10) : 0;
  atomic_store(&twice_fd_closed, rc == -1 && fcntl(fd, F_GETFD) == -1 && errno == EBADF);
  return 0;
}

static int h_mem(struct http_req *req)
{
  static char body[100 * 1024];
  memset(body, 'm', sizeof body);
  return http_reply_arena(req, 200, "application/octet-stream", body, sizeof body);
}

static int before(struct http_req *req)
{
  if (req->route->role >= ROLE_STAFF && !http_header(req, "Authorization")) {
    http_problem(req, 401, CC24_E_UNAUTHORIZED, "Log in first.", NULL);
    return 1;
  }
  return 0;
}

static const struct route routes[] = {
    {"POST", "/upload", h_upload, ROLE_PUBLIC, ROUTE_STREAM, 0},
    {"POST", "/api/v1/upload", h_upload, ROLE_PUBLIC, ROUTE_STREAM, 0},
    {"POST", "/staff/upload", h_upload, ROLE_STAFF, ROUTE_STREAM, 0},
    {"POST", "/raw", h_raw, ROLE_PUBLIC, ROUTE_STREAM, 0},
    {"POST", "/api/v1/raw", h_raw, ROLE_PUBLIC, ROUTE_STREAM, 0},
    {"POST", "/refuse/{what}", h_refuse, ROLE_PUBLIC, ROUTE_STREAM | ROUTE_API, 0},
    {"POST", "/lazy", h_lazy, ROLE_PUBLIC, ROUTE_STREAM, 0},
    {"GET", "/file", h_file, ROLE_PUBLIC, 0, 0},
    {"GET", "/file-twice", h_file_twice, ROLE_PUBLIC, 0, 0},
    {"GET", "/mem", h_mem, ROLE_PUBLIC, 0, 0},
    {"POST", "/small", h_mem, ROLE_PUBLIC, 0, 0},
    {"GET", "/healthz", http_handle_healthz, ROLE_PUBLIC, ROUTE_NOLOG, 0},
};

static void setup(void)
{
  log_init("json", "error");
  http_access_log_enable(false);
  cr_assert_eq(sodium_init() >= 0, 1);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  snprintf(updir, sizeof updir, "/tmp/cc24-stream-XXXXXX");
  cr_assert_not_null(mkdtemp(updir));
  snprintf(fd_path, sizeof fd_path, "%s/../cc24-fd-%d", updir, (int)getpid());
  struct http_server_opts o = {
      .listen = "127.0.0.1:0",
      .threads = 4,
      .max_connections = 64,
      .connection_timeout = 10,
      .max_body = 4096, /* streaming routes ignore it */
      .routes = routes,
      .nroutes = sizeof routes / sizeof routes[0],
      .before = before,
  };
  struct err e = {0};
  srv = http_server_start(&o, &e);
  cr_assert_not_null(srv, "start: %s", e.msg);
  port = http_server_port(srv);
}

static void teardown(void)
{
  http_server_stop(srv, 2);
  srv = NULL;
  unlink(fd_path);
  rmdir(updir);
  curl_global_cleanup();
}

TestSuite(stream, .init = setup, .fini = teardown, .timeout = 180);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Wait until *v == want (the server works on its own threads). */
static bool wait_for(atomic_int *v, int want, int timeout_ms)
{
  int64_t end = now_ms() + timeout_ms;
  while (atomic_load(v) != want && now_ms() < end)
    sleep_ms(5);
  return atomic_load(v) == want;
}

static int files_left(void)
{
  DIR *d = opendir(updir);
  cr_assert_not_null(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static void fill_random(char *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (char)(seed >> 16);
  }
}

static void sha_hex(const void *p, size_t n, char hex[HEX_LEN])
{
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, p, n);
  sodium_bin2hex(hex, HEX_LEN, h, sizeof h);
}

static json_t *parse_json(const char *s, size_t n)
{
  json_error_t je;
  json_t *j = json_loadb(s, n, 0, &je);
  cr_assert_not_null(j, "not JSON: %s: %.300s", je.text, s);
  return j;
}

/* ---- a raw client ---- */

static int tcp_connect(void)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  cr_assert_geq(fd, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Send all of it unless the peer resets; returns the bytes sent. */
static size_t send_some(int fd, const void *p, size_t n)
{
  const char *s = p;
  size_t sent = 0;
  while (sent < n) {
    ssize_t w = send(fd, s + sent, n - sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    sent += (size_t)w;
  }
  return sent;
}

static void send_str(int fd, const char *s)
{
  cr_assert_eq(send_some(fd, s, strlen(s)), strlen(s));
}

struct resp {
  int status;
  char head[8192];
  char body[1 << 18];
  size_t body_len;
  bool closed; /* the server closed the connection after the answer */
};

static const char *hdr(const struct resp *r, const char *name)
{
  static _Thread_local char val[1024];
  size_t nl = strlen(name);
  for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
      const char *v = p + 3 + nl;
      while (*v == ' ')
        v++;
      size_t n = strcspn(v, "\r\n");
      snprintf(val, sizeof val, "%.*s", (int)n, v);
      return val;
    }
  }
  return NULL;
}

/* Read one answer within timeout_ms: 0, or -1 when none came. Interim 1xx answers
 * are skipped and counted in *interim (may be NULL). */
static int read_resp(int fd, struct resp *r, int timeout_ms, int *interim)
{
  memset(r, 0, sizeof *r);
  static _Thread_local char buf[sizeof r->head + sizeof r->body];
  size_t len = 0;
  int64_t end = now_ms() + timeout_ms;
  size_t hl = 0, want = SIZE_MAX;
  for (;;) {
    if (!hl) {
      buf[len] = 0;
      char *e = strstr(buf, "\r\n\r\n");
      if (e) {
        hl = (size_t)(e - buf) + 4;
        if (strncmp(buf, "HTTP/1.1 1", 10) == 0) {
          if (interim)
            (*interim)++;
          memmove(buf, buf + hl, len - hl);
          len -= hl;
          hl = 0;
          continue;
        }
        cr_assert_lt(hl, sizeof r->head);
        memcpy(r->head, buf, hl);
        r->head[hl] = 0;
        sscanf(r->head, "HTTP/1.1 %d", &r->status);
        const char *cl = hdr(r, "Content-Length");
        want = cl ? strtoul(cl, NULL, 10) : 0;
        cr_assert_lt(want, sizeof r->body);
      }
    }
    if (hl && len - hl >= want) {
      r->body_len = want;
      memcpy(r->body, buf + hl, want);
      break;
    }
    int left = (int)(end - now_ms());
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) <= 0)
      return -1;
    ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n <= 0)
      return -1;
    len += (size_t)n;
  }
  /* anything after it: EOF soon means the server closes */
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, 1000) == 1) {
    char tmp[256];
    ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
    r->closed = n == 0 || (n < 0 && errno == ECONNRESET);
  }
  return 0;
}

static void assert_problem(const struct resp *r, int status, const char *code, const char *detail)
{
  cr_assert_eq(r->status, status, "status %d, want %d: %.300s", r->status, status, r->body);
  cr_assert_str_eq(hdr(r, "Content-Type"), "application/problem+json");
  json_t *j = parse_json(r->body, r->body_len);
  cr_assert_str_eq(json_string_value(json_object_get(j, "code")), code);
  const char *d = json_string_value(json_object_get(j, "detail"));
  cr_assert(d && (!detail || strstr(d, detail)), "detail \"%s\" lacks \"%s\"", d, detail);
  json_decref(j);
}

/* A multipart body: nfiles files of the given sizes (random bytes), one text field. */
struct body {
  char *data;
  size_t len;
  int nfiles;
  size_t sizes[8];
  char sha[8][HEX_LEN];
};

#define BOUNDARY "------------------------d74496d66958873e"

static void make_body(struct body *b, int nfiles, const size_t *sizes)
{
  size_t cap = 4096;
  for (int i = 0; i < nfiles; i++)
    cap += sizes[i] + 512;
  b->data = malloc(cap);
  b->nfiles = nfiles;
  size_t o = 0;
  o += (size_t)snprintf(b->data + o, cap - o,
                        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"vehicle\"\r\n"
                        "\r\nWBA1234\r\n");
  for (int i = 0; i < nfiles; i++) {
    o += (size_t)snprintf(b->data + o, cap - o,
                          "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"photos\"; "
                          "filename=\"IMG_%04d.JPG\"\r\nContent-Type: image/jpeg\r\n\r\n",
                          i);
    fill_random(b->data + o, sizes[i], (uint32_t)i * 7919u + 1);
    sha_hex(b->data + o, sizes[i], b->sha[i]);
    b->sizes[i] = sizes[i];
    o += sizes[i];
    memcpy(b->data + o, "\r\n", 2);
    o += 2;
  }
  o += (size_t)snprintf(b->data + o, cap - o, "--" BOUNDARY "--\r\n");
  b->len = o;
}

static void check_upload_json(const char *s, size_t n, const struct body *b)
{
  json_t *j = parse_json(s, n);
  json_t *parts = json_object_get(j, "parts");
  cr_assert_eq(json_array_size(parts), (size_t)b->nfiles + 1, "%.300s", s);
  json_t *v = json_array_get(parts, 0);
  cr_assert_str_eq(json_string_value(json_object_get(v, "name")), "vehicle");
  cr_assert(json_is_null(json_object_get(v, "filename")));
  cr_assert_eq(json_integer_value(json_object_get(v, "size")), 7);
  for (int i = 0; i < b->nfiles; i++) {
    json_t *p = json_array_get(parts, (size_t)i + 1);
    char fname[32];
    snprintf(fname, sizeof fname, "IMG_%04d.JPG", i);
    cr_assert_str_eq(json_string_value(json_object_get(p, "filename")), fname);
    cr_assert_str_eq(json_string_value(json_object_get(p, "type")), "image/jpeg");
    cr_assert_eq(json_integer_value(json_object_get(p, "size")), (json_int_t)b->sizes[i]);
    cr_assert_eq(json_integer_value(json_object_get(p, "disk")), (json_int_t)b->sizes[i],
                 "the temp file holds every byte");
    cr_assert_str_eq(json_string_value(json_object_get(p, "sha256")), b->sha[i]);
  }
  cr_assert_eq(json_integer_value(json_object_get(j, "bytes")), (json_int_t)b->len);
  json_decref(j);
}

/* ---- libcurl ---- */

struct sink {
  char data[65536];
  size_t len;
  int interim; /* "HTTP/1.1 100" lines seen */
};

static size_t sink_write(char *p, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  size_t k = size * n;
  if (k > sizeof s->data - 1 - s->len)
    k = sizeof s->data - 1 - s->len;
  memcpy(s->data + s->len, p, k);
  s->len += k;
  s->data[s->len] = 0;
  return size * n;
}

static size_t sink_header(char *p, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  if (size * n >= 12 && strncmp(p, "HTTP/1.1 100", 12) == 0)
    s->interim++;
  return size * n;
}

/* A body from memory, handed out in pieces (so curl cannot know the size: chunked). */
struct reader {
  const char *p;
  size_t len, off;
};

static size_t reader_cb(char *buf, size_t size, size_t n, void *arg)
{
  struct reader *r = arg;
  size_t k = size * n;
  if (k > 10000)
    k = 10000;
  if (k > r->len - r->off)
    k = r->len - r->off;
  memcpy(buf, r->p + r->off, k);
  r->off += k;
  return k;
}

static const char *url(const char *path)
{
  static _Thread_local char url_buf[256];
  snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d%s", port, path);
  return url_buf;
}

static CURL *curl_for(const char *path, struct sink *s)
{
  CURL *c = curl_easy_init();
  char u[256];
  snprintf(u, sizeof u, "http://127.0.0.1:%d%s", port, path);
  curl_easy_setopt(c, CURLOPT_URL, u);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  return c;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

Test(stream, curl_multipart_upload_of_a_few_mb)
{
  static const size_t sizes[] = {1 << 20, 3 << 20, 10};
  struct body b;
  make_body(&b, 3, sizes);
  /* the same files through curl's own multipart encoder */
  struct sink s = {0};
  CURL *c = curl_for("/upload", &s);
  curl_mime *mime = curl_mime_init(c);
  curl_mimepart *part = curl_mime_addpart(mime);
  curl_mime_name(part, "vehicle");
  curl_mime_data(part, "WBA1234", CURL_ZERO_TERMINATED);
  const char *p = b.data;
  for (int i = 0; i < 3; i++) {
    p = strstr(p, "\r\n\r\n") + 4;
    if (i == 0) /* skip the field's block */
      p = strstr(p, "\r\n\r\n") + 4;
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "photos");
    char fname[32];
    snprintf(fname, sizeof fname, "IMG_%04d.JPG", i);
    curl_mime_filename(part, fname);
    curl_mime_type(part, "image/jpeg");
    curl_mime_data(part, p, sizes[i]);
    p += sizes[i];
  }
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  cr_assert_eq(code, 200, "%ld: %s", code, s.data);
  json_t *j = parse_json(s.data, s.len);
  json_t *parts = json_object_get(j, "parts");
  cr_assert_eq(json_array_size(parts), 4);
  for (int i = 0; i < 3; i++) {
    json_t *v = json_array_get(parts, (size_t)i + 1);
    cr_assert_eq(json_integer_value(json_object_get(v, "size")), (json_int_t)sizes[i]);
    cr_assert_str_eq(json_string_value(json_object_get(v, "sha256")), b.sha[i]);
  }
  json_decref(j);
  curl_mime_free(mime);
  curl_easy_cleanup(c);
  cr_assert_eq(atomic_load(&n_end), 1);
  cr_assert_eq(atomic_load(&n_abort), 0);
  cr_assert_gt(atomic_load(&n_data_calls), 10, "the body came in pieces");
  cr_assert_eq(files_left(), 0);
  free(b.data);
}

Test(stream, curl_chunked_and_expect_100_continue)
{
  static const size_t sizes[] = {2 << 20, 777777};
  struct body b;
  make_body(&b, 2, sizes);
  for (int expect = 0; expect <= 1; expect++) {
    struct sink s = {0};
    CURL *c = curl_for("/upload", &s);
    struct reader rd = {b.data, b.len, 0};
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, expect ? "Expect: 100-continue" : "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, reader_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 20000L);
    int64_t t0 = now_ms();
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    cr_assert_eq(code, 200, "%ld: %s", code, s.data);
    check_upload_json(s.data, s.len, &b);
    cr_assert_eq(s.interim, expect, "100 Continue seen %d times", s.interim);
    cr_assert_lt(now_ms() - t0, 10000, "curl waited for a 100 that did not come");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
  }
  cr_assert_eq(atomic_load(&n_end), 2);
  cr_assert_eq(atomic_load(&n_abort), 0);
  cr_assert_eq(files_left(), 0);
  free(b.data);
}

Test(stream, keep_alive_after_a_streamed_body)
{
  static const size_t sizes[] = {100000};
  struct body b;
  make_body(&b, 1, sizes);
  int fd = tcp_connect();
  for (int i = 0; i < 3; i++) {
    char head[256];
    snprintf(head, sizeof head,
             "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; "
             "boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
             b.len);
    send_str(fd, head);
    cr_assert_eq(send_some(fd, b.data, b.len), b.len);
    struct resp r;
    cr_assert_eq(read_resp(fd, &r, 10000, NULL), 0, "request %d", i);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_null(hdr(&r, "Connection"));
    cr_assert(!r.closed);
    check_upload_json(r.body, r.body_len, &b);
  }
  /* and a plain GET on the same connection */
  send_str(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0);
  cr_assert_eq(r.status, 200);
  close(fd);
  cr_assert_eq(atomic_load(&n_end), 3);
  free(b.data);
}

Test(stream, body_cut_off_mid_stream)
{
  static const size_t sizes[] = {4 << 20, 4 << 20};
  struct body b;
  make_body(&b, 2, sizes);
  int fd = tcp_connect();
  char head[256];
  snprintf(head, sizeof head,
           "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; "
           "boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
           b.len);
  send_str(fd, head);
  /* into the second file, then gone */
  size_t cut = (size_t)(5 << 20);
  cr_assert_eq(send_some(fd, b.data, cut), cut);
  int64_t t0 = now_ms();
  while (files_left() < 2 && now_ms() - t0 < 5000)
    sleep_ms(5);
  cr_assert_eq(files_left(), 2, "both temp files exist while the body streams");
  close(fd);
  cr_assert(wait_for(&n_abort, 1, 1000), "abort ran %d times", atomic_load(&n_abort));
  sleep_ms(200);
  cr_assert_eq(atomic_load(&n_abort), 1, "abort runs exactly once");
  cr_assert_eq(atomic_load(&n_end), 0);
  cr_assert_eq(files_left(), 0, "abort removed the temp files");
  /* the server is fine */
  fd = tcp_connect();
  send_str(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0);
  cr_assert_eq(r.status, 200);
  close(fd);
  free(b.data);
}

Test(stream, server_stop_aborts_a_stream_in_flight)
{
  static const size_t sizes[] = {2 << 20};
  struct body b;
  make_body(&b, 1, sizes);
  int fd = tcp_connect();
  char head[256];
  snprintf(head, sizeof head,
           "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; "
           "boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
           b.len);
  send_str(fd, head);
  send_some(fd, b.data, 1 << 20);
  int64_t t0 = now_ms();
  while (files_left() < 1 && now_ms() - t0 < 5000)
    sleep_ms(5);
  cr_assert_eq(files_left(), 1);
  http_server_stop(srv, 0);
  srv = NULL;
  cr_assert_eq(atomic_load(&n_abort), 1, "abort ran during the stop");
  cr_assert_eq(atomic_load(&n_end), 0);
  cr_assert_eq(files_left(), 0);
  close(fd);
  free(b.data);
}

Test(stream, chunked_body_cut_off_is_aborted_by_the_timeout_at_the_latest)
{
  /* a server with a 2 s idle timeout (libmicrohttpd may only notice the FIN then) */
  http_server_stop(srv, 0);
  struct http_server_opts o = {
      .listen = "127.0.0.1:0",
      .threads = 2,
      .connection_timeout = 2,
      .routes = routes,
      .nroutes = sizeof routes / sizeof routes[0],
  };
  struct err e = {0};
  srv = http_server_start(&o, &e);
  cr_assert_not_null(srv, "%s", e.msg);
  port = http_server_port(srv);
  int fd = tcp_connect();
  send_str(fd, "POST /raw HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  char chunk[1100];
  int hl = snprintf(chunk, sizeof chunk, "400\r\n");
  memset(chunk + hl, 'z', 1024);
  memcpy(chunk + hl + 1024, "\r\n", 2);
  for (int i = 0; i < 100; i++)
    send_some(fd, chunk, (size_t)hl + 1026);
  close(fd);
  int64_t t0 = now_ms();
  cr_assert(wait_for(&n_abort, 1, 4000), "abort ran %d times", atomic_load(&n_abort));
  fprintf(stderr, "chunked cut-off noticed after %lld ms\n", (long long)(now_ms() - t0));
  sleep_ms(100);
  cr_assert_eq(atomic_load(&n_abort), 1);
  cr_assert_eq(atomic_load(&n_end), 0);
}

Test(stream, content_length_over_the_limit_is_413_without_reading)
{
  for (int expect = 0; expect <= 1; expect++) {
    int fd = tcp_connect();
    char head[300];
    snprintf(head, sizeof head,
             "POST /api/v1/upload?max=1000000 HTTP/1.1\r\nHost: t\r\nContent-Type: "
             "multipart/form-data; boundary=" BOUNDARY "\r\nContent-Length: 5000000\r\n%s\r\n",
             expect ? "Expect: 100-continue\r\n" : "");
    send_str(fd, head);
    struct resp r;
    int interim = 0;
    int64_t t0 = now_ms();
    cr_assert_eq(read_resp(fd, &r, 5000, &interim), 0);
    cr_assert_lt(now_ms() - t0, 2000, "answered without waiting for the body");
    cr_assert_eq(interim, 0, "no 100 Continue before a refusal");
    assert_problem(&r, 413, "CC24_E_BODY_TOO_LARGE", "larger than 1000000 bytes");
    cr_assert_str_eq(hdr(&r, "Connection"), "close");
    cr_assert(r.closed);
    close(fd);
    cr_assert(wait_for(&n_abort, expect + 1, 2000), "abort for the refused stream");
  }
  sleep_ms(100);
  cr_assert_eq(atomic_load(&n_abort), 2);
  cr_assert_eq(atomic_load(&n_data_calls), 0, "no body byte was handed over");
  cr_assert_eq(atomic_load(&n_end), 0);
}

/* A chunked body of n bytes past the limit: sends until the server stops taking it. */
static size_t send_chunked(int fd, size_t total, size_t chunk)
{
  char *buf = malloc(chunk + 32);
  size_t sent = 0;
  while (sent < total) {
    int hl = snprintf(buf, 32, "%zx\r\n", chunk);
    memset(buf + hl, 'c', chunk);
    memcpy(buf + hl + chunk, "\r\n", 2);
    if (send_some(fd, buf, (size_t)hl + chunk + 2) != (size_t)hl + chunk + 2)
      break;
    sent += chunk;
  }
  if (sent >= total)
    send_some(fd, "0\r\n\r\n", 5);
  free(buf);
  return sent;
}

Test(stream, chunked_body_over_the_limit_is_413_then_close)
{
  /* a little over the limit: the client sends it all, then reads */
  int fd = tcp_connect();
  send_str(fd,
           "POST /api/v1/raw?max=100000 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  cr_assert_eq(send_chunked(fd, 300000, 10000), 300000);
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0);
  assert_problem(&r, 413, "CC24_E_BODY_TOO_LARGE", "larger than 100000 bytes");
  cr_assert_str_eq(hdr(&r, "Connection"), "close");
  cr_assert(r.closed, "the connection closes after the 413");
  close(fd);
  cr_assert(wait_for(&n_abort, 1, 2000));

  /* far over it (past the 1 MiB the server drains): the client keeps sending until
   * the server drops it, and still finds the 413 when it finally reads */
  fd = tcp_connect();
  send_str(fd,
           "POST /api/v1/raw?max=100000 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  size_t sent = send_chunked(fd, 64u << 20, 16384);
  cr_assert_lt(sent, 64u << 20, "the server dropped the connection");
  cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0, "the 413 is still readable");
  assert_problem(&r, 413, "CC24_E_BODY_TOO_LARGE", NULL);
  close(fd);
  cr_assert(wait_for(&n_abort, 2, 2000));
  sleep_ms(100);
  cr_assert_eq(atomic_load(&n_abort), 2, "abort ran once per request");
  cr_assert_eq(atomic_load(&n_end), 0);
}

Test(stream, per_file_limit_answered_mid_body_raw_client)
{
  static const size_t sizes[] = {100000, 3 << 20, 100000};
  struct body b;
  make_body(&b, 3, sizes);
  for (int read_early = 0; read_early <= 1; read_early++) {
    int fd = tcp_connect();
    char head[300];
    snprintf(head, sizeof head,
             "POST /api/v1/upload?file_max=1000000 HTTP/1.1\r\nHost: t\r\nContent-Type: "
             "multipart/form-data; boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
             b.len);
    send_str(fd, head);
    struct resp r;
    if (read_early) {
      /* send a little past the limit, then read: the answer is already there, long
       * before the body is complete */
      send_some(fd, b.data, 1500000);
      cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0);
    } else {
      /* a client that sends everything first (3.2 MB: more than the server drains) */
      send_some(fd, b.data, b.len);
      cr_assert_eq(read_resp(fd, &r, 5000, NULL), 0);
    }
    assert_problem(&r, 413, "CC24_E_BODY_TOO_LARGE", "IMG_0001.JPG is larger than 1000000");
    json_t *j = parse_json(r.body, r.body_len);
    cr_assert_str_eq(json_string_value(
                         json_object_get(json_array_get(json_object_get(j, "errors"), 0), "field")),
                     "photos");
    json_decref(j);
    cr_assert_str_eq(hdr(&r, "Connection"), "close");
    cr_assert_not_null(hdr(&r, "X-Request-Id"));
    cr_assert_str_eq(hdr(&r, "X-Content-Type-Options"), "nosniff");
    cr_assert_not_null(hdr(&r, "Date"));
    close(fd);
    cr_assert(wait_for(&n_abort, read_early + 1, 3000));
  }
  sleep_ms(100);
  cr_assert_eq(atomic_load(&n_abort), 2);
  cr_assert_eq(atomic_load(&n_end), 0);
  cr_assert_eq(files_left(), 0);
  free(b.data);
}

Test(stream, per_file_limit_answered_mid_body_curl)
{
  static const size_t sizes[] = {100000, 8 << 20, 100000};
  struct body b;
  make_body(&b, 3, sizes);
  for (int chunked = 0; chunked <= 1; chunked++) {
    struct sink s = {0};
    CURL *c = curl_for("/api/v1/upload?file_max=1000000", &s);
    struct reader rd = {b.data, b.len, 0};
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
    if (chunked)
      h = curl_slist_append(h, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    if (!chunked)
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b.len);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, reader_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    cr_assert_eq(rc, CURLE_OK, "curl: %s", curl_easy_strerror(rc));
    cr_assert_eq(code, 413, "%ld: %s", code, s.data);
    cr_assert(strstr(s.data, "IMG_0001.JPG is larger"), "%s", s.data);
    cr_assert_lt(rd.off, b.len, "curl stopped sending when it saw the answer");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    cr_assert(wait_for(&n_abort, chunked + 1, 3000));
  }
  cr_assert_eq(atomic_load(&n_end), 0);
  cr_assert_eq(files_left(), 0);
  free(b.data);
}

Test(stream, handler_refusing_early_answers_before_the_body)
{
  for (int expect = 0; expect <= 1; expect++) {
    int fd = tcp_connect();
    char head[300];
    snprintf(head, sizeof head,
             "POST /refuse/wbz99 HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n%s\r\n",
             expect ? "Expect: 100-continue\r\n" : "");
    send_str(fd, head);
    struct resp r;
    int interim = 0;
    cr_assert_eq(read_resp(fd, &r, 3000, &interim), 0, "answered before any body byte");
    cr_assert_eq(interim, 0);
    assert_problem(&r, 404, "CC24_E_NOT_FOUND", "No vehicle wbz99.");
    cr_assert(r.closed);
    close(fd);
  }
  cr_assert_eq(atomic_load(&n_handler), 2);
  /* with curl: the body is never sent */
  char big[200000];
  memset(big, 'x', sizeof big);
  struct sink s = {0};
  CURL *c = curl_for("/refuse/abc", &s);
  struct curl_slist *h = curl_slist_append(NULL, "Expect: 100-continue");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, big);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)sizeof big);
  curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 20000L);
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  long code = 0;
  curl_off_t up = -1;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
  cr_assert_eq(code, 404);
  cr_assert_eq(up, 0, "curl sent %ld body bytes", (long)up);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
}

Test(stream, before_hook_and_content_type_checks_run_on_the_headers)
{
  int fd = tcp_connect();
  send_str(fd, "POST /staff/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 9000000\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 401);
  close(fd);
  cr_assert_eq(atomic_load(&n_handler), 0, "the before hook answered: no handler");

  fd = tcp_connect();
  send_str(fd, "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nContent-Type: image/jpeg\r\n"
               "Content-Length: 9000000\r\n\r\n");
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  assert_problem(&r, 415, "CC24_E_UNSUPPORTED_MEDIA_TYPE", NULL);
  close(fd);

  /* a bad query string is refused before the handler too */
  fd = tcp_connect();
  send_str(fd, "POST /upload?x=%00 HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 400);
  close(fd);
  cr_assert_eq(atomic_load(&n_handler), 1);
  cr_assert_eq(atomic_load(&n_accepted), 0);
}

Test(stream, multipart_body_without_closing_boundary)
{
  static const char body[] = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"photos\"; "
                             "filename=\"a.jpg\"\r\n\r\nJFIF...\r\n";
  int fd = tcp_connect();
  char head[300];
  snprintf(head, sizeof head,
           "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; "
           "boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
           sizeof body - 1);
  send_str(fd, head);
  send_str(fd, body);
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  assert_problem(&r, 400, "CC24_E_BAD_REQUEST", "ended before the closing boundary");
  close(fd);
  cr_assert_eq(atomic_load(&n_end), 1);
  cr_assert_eq(atomic_load(&n_abort), 0);
  cr_assert_eq(files_left(), 0);

  /* malformed in the middle: the parser's error is the detail, sent at once */
  static const char bad[] = "--" BOUNDARY "\r\nContent-Disposition: attachment\r\n\r\nx\r\n";
  fd = tcp_connect();
  snprintf(head, sizeof head,
           "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; "
           "boundary=" BOUNDARY "\r\nContent-Length: 100000\r\n\r\n");
  send_str(fd, head);
  send_str(fd, bad);
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0, "answered before the body is complete");
  assert_problem(&r, 400, "CC24_E_BAD_REQUEST", "part 1: the Content-Disposition is not form-data");
  cr_assert(r.closed);
  close(fd);
  cr_assert(wait_for(&n_abort, 1, 2000));
}

Test(stream, two_hundred_small_parts)
{
  size_t cap = 200 * 300 + 100, o = 0;
  char *body = malloc(cap);
  for (int i = 0; i < 200; i++)
    o += (size_t)snprintf(body + o, cap - o,
                          "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"photos\"; "
                          "filename=\"p%03d.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n%0*d\r\n",
                          i, i + 1, i);
  o += (size_t)snprintf(body + o, cap - o, "--" BOUNDARY "--\r\n");
  struct sink s = {0};
  CURL *c = curl_for("/upload", &s);
  struct curl_slist *h =
      curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)o);
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  cr_assert_eq(code, 200, "%s", s.data);
  json_t *j = parse_json(s.data, s.len);
  json_t *parts = json_object_get(j, "parts");
  cr_assert_eq(json_array_size(parts), 200);
  for (int i = 0; i < 200; i++) {
    json_t *p = json_array_get(parts, (size_t)i);
    char want[16];
    snprintf(want, sizeof want, "p%03d.jpg", i);
    cr_assert_str_eq(json_string_value(json_object_get(p, "filename")), want);
    cr_assert_eq(json_integer_value(json_object_get(p, "size")), i + 1);
    cr_assert_eq(json_integer_value(json_object_get(p, "disk")), i + 1);
  }
  json_decref(j);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  cr_assert_eq(files_left(), 0);
  free(body);
}

struct job {
  const struct body *b;
  int ok;
};

static void *upload_thread(void *arg)
{
  struct job *jb = arg;
  struct sink *s = calloc(1, sizeof *s);
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url("/upload"));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  struct reader rd = {jb->b->data, jb->b->len, 0};
  struct curl_slist *h =
      curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)jb->b->len);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, reader_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &rd);
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code == 200) {
    json_error_t je;
    json_t *j = json_loadb(s->data, s->len, 0, &je);
    json_t *parts = json_object_get(j, "parts");
    jb->ok = json_array_size(parts) == (size_t)jb->b->nfiles + 1;
    for (int i = 0; jb->ok && i < jb->b->nfiles; i++)
      jb->ok =
          strcmp(json_string_value(json_object_get(json_array_get(parts, (size_t)i + 1), "sha256")),
                 jb->b->sha[i]) == 0;
    json_decref(j);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  free(s);
  return NULL;
}

Test(stream, four_concurrent_uploads)
{
  struct body b[4];
  pthread_t t[4];
  struct job jobs[4];
  for (int i = 0; i < 4; i++) {
    size_t sizes[] = {(size_t)(3 << 20) + (size_t)i * 1000, 500000};
    make_body(&b[i], 2, sizes);
    jobs[i] = (struct job){&b[i], 0};
  }
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, upload_thread, &jobs[i]);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  for (int i = 0; i < 4; i++) {
    cr_assert(jobs[i].ok, "upload %d", i);
    free(b[i].data);
  }
  cr_assert_eq(atomic_load(&n_end), 4);
  cr_assert_eq(atomic_load(&n_abort), 0);
  cr_assert_eq(files_left(), 0);
}

Test(stream, empty_body_goes_straight_to_end)
{
  int fd = tcp_connect();
  send_str(fd, "POST /raw HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 200);
  json_t *j = parse_json(r.body, r.body_len);
  cr_assert_eq(json_integer_value(json_object_get(j, "bytes")), 0);
  json_decref(j);
  close(fd);
  cr_assert_eq(atomic_load(&n_end), 1);
}

Test(stream, a_handler_that_neither_answers_nor_accepts_gets_500)
{
  int fd = tcp_connect();
  send_str(fd, "POST /lazy HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 500);
  close(fd);
}

Test(stream, normal_routes_still_obey_max_body)
{
  int fd = tcp_connect();
  /* a client that waits for 100 Continue gets the 413 on the headers */
  send_str(fd, "POST /small HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
               "Content-Length: 5000\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 413);
  close(fd);
  /* one that sends at once gets it after its body */
  fd = tcp_connect();
  char body[5000];
  memset(body, 'x', sizeof body);
  send_str(fd, "POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
  cr_assert_eq(send(fd, body, sizeof body, MSG_NOSIGNAL), (ssize_t)sizeof body);
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 413);
  close(fd);
}

/* The process's resident set in KiB (VmRSS), or its peak (VmHWM). */
static long status_kib(const char *key)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, kl) == 0)
      v = strtol(line + kl + 1, NULL, 10);
  if (f)
    fclose(f);
  return v;
}

/* A 200 MB file part generated on the fly, so the client holds no copy either. */
struct gen {
  uint64_t total, off;
  char head[256];
  size_t hl;
  uint32_t seed;
};

#define GEN_TAIL "\r\n--" BOUNDARY "--\r\n"

static size_t gen_cb(char *buf, size_t size, size_t n, void *arg)
{
  struct gen *g = arg;
  size_t k = size * n, o = 0;
  uint64_t tail = sizeof GEN_TAIL - 1, all = g->hl + g->total + tail;
  while (o < k && g->off < all) {
    if (g->off < g->hl) {
      buf[o++] = g->head[g->off++];
    } else if (g->off < g->hl + g->total) {
      size_t m = k - o;
      if (m > g->hl + g->total - g->off)
        m = (size_t)(g->hl + g->total - g->off);
      for (size_t i = 0; i < m; i++) {
        g->seed = g->seed * 1103515245u + 12345u;
        buf[o + i] = (char)(g->seed >> 16);
      }
      o += m;
      g->off += m;
    } else {
      buf[o++] = GEN_TAIL[g->off - g->hl - g->total];
      g->off++;
    }
  }
  return o;
}

static atomic_bool sampling;
static atomic_long peak_rss;

static void *rss_sampler(void *arg)
{
  (void)arg;
  while (atomic_load(&sampling)) {
    long v = status_kib("VmRSS:");
    if (v > atomic_load(&peak_rss))
      atomic_store(&peak_rss, v);
    sleep_ms(5);
  }
  return NULL;
}

Test(stream, rss_stays_flat_while_200_mb_stream_through, .timeout = 300)
{
  struct gen g = {.total = 200u << 20, .seed = 42};
  g.hl = (size_t)snprintf(g.head, sizeof g.head,
                          "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"photos\"; "
                          "filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
  uint64_t len = g.hl + g.total + sizeof GEN_TAIL - 1;
  /* warm up: one small upload so that thread stacks and pools exist */
  {
    static const size_t sizes[] = {100000};
    struct body b;
    make_body(&b, 1, sizes);
    struct job jb = {&b, 0};
    upload_thread(&jb);
    cr_assert(jb.ok);
    free(b.data);
  }
  long base = status_kib("VmRSS:");
  atomic_store(&peak_rss, base);
  atomic_store(&sampling, true);
  pthread_t t;
  pthread_create(&t, NULL, rss_sampler, NULL);
  struct sink s = {0};
  CURL *c = curl_for("/upload", &s);
  struct curl_slist *h =
      curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &g);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 240L);
  int64_t t0 = now_ms();
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  int64_t ms = now_ms() - t0;
  atomic_store(&sampling, false);
  pthread_join(t, NULL);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  cr_assert_eq(code, 200, "%s", s.data);
  json_t *j = parse_json(s.data, s.len);
  json_t *p = json_array_get(json_object_get(j, "parts"), 0);
  cr_assert_eq(json_integer_value(json_object_get(p, "size")), (json_int_t)g.total);
  cr_assert_eq(json_integer_value(json_object_get(p, "disk")), (json_int_t)g.total);
  json_decref(j);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  long peak = atomic_load(&peak_rss);
  fprintf(stderr,
          "rss: %ld KiB before, peak %ld KiB (+%ld KiB) while 200 MiB streamed in %lld ms "
          "(%.0f MiB/s, %d data calls)\n",
          base, peak, peak - base, (long long)ms, 200.0 * 1000.0 / (double)(ms ? ms : 1),
          atomic_load(&n_data_calls));
  cr_assert_lt(peak - base, 16 * 1024, "RSS grew by %ld KiB", peak - base);
  cr_assert_eq(files_left(), 0);
}

/* ---- http_reply_fd ---- */

static int open_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d))
    n++;
  if (d)
    closedir(d);
  return n;
}

Test(stream, reply_fd_sends_the_file_and_closes_it)
{
  char *data = malloc(100 * 1024);
  fill_random(data, 100 * 1024, 9);
  memcpy(data, "text ", 5);
  FILE *f = fopen(fd_path, "wb");
  fwrite(data, 1, 100 * 1024, f);
  fclose(f);
  int before_fds = open_fds();
  int fd = tcp_connect();
  for (int i = 0; i < 3; i++) {
    send_str(fd, "GET /file HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
    struct resp r;
    cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body_len, 100 * 1024);
    cr_assert(memcmp(r.body, data, r.body_len) == 0);
    cr_assert_null(hdr(&r, "Content-Encoding"), "never gzipped");
    cr_assert_str_eq(hdr(&r, "Content-Type"), "text/plain; charset=utf-8");
    cr_assert_str_eq(hdr(&r, "Cache-Control"), "public, max-age=31536000, immutable");
    cr_assert_str_eq(hdr(&r, "X-Content-Type-Options"), "nosniff");
    cr_assert_not_null(hdr(&r, "Content-Security-Policy"));
    cr_assert_not_null(hdr(&r, "X-Request-Id"));
    cr_assert(!r.closed, "keep-alive");
  }
  /* HEAD: the length, no body (the next answer on the connection is intact) */
  send_str(fd, "HEAD /file HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  char buf[4096];
  size_t len = 0;
  int64_t end = now_ms() + 3000;
  while (!strstr(buf, "{\"status\":\"ok\"}") && now_ms() < end) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) == 1) {
      ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
      if (n <= 0)
        break;
      len += (size_t)n;
    }
    buf[len] = 0;
  }
  cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
  cr_assert(strstr(buf, "Content-Length: 102400\r\n"), "%s", buf);
  const char *second = strstr(buf + 12, "HTTP/1.1 200");
  cr_assert_not_null(second, "the HEAD answer had no body: the next one follows: %s", buf);
  cr_assert(strstr(second, "{\"status\":\"ok\"}"));
  close(fd);
  /* every fd the handler opened is closed again */
  int64_t t0 = now_ms();
  while (open_fds() > before_fds && now_ms() - t0 < 2000)
    sleep_ms(10);
  cr_assert_leq(open_fds(), before_fds, "%d fds open, %d before", open_fds(), before_fds);

  /* a second answer by file is refused and its fd closed */
  fd = tcp_connect();
  send_str(fd, "GET /file-twice HTTP/1.1\r\nHost: t\r\n\r\n");
  struct resp r;
  cr_assert_eq(read_resp(fd, &r, 3000, NULL), 0);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.body_len, 5);
  cr_assert(atomic_load(&twice_fd_closed));
  close(fd);
  free(data);
}

Test(stream, reply_fd_fd_is_closed_when_the_client_is_gone)
{
  /* a file bigger than the socket buffers, and a client that never reads */
  FILE *f = fopen(fd_path, "wb");
  char *chunk = calloc(1, 1 << 20);
  for (int i = 0; i < 32; i++)
    fwrite(chunk, 1, 1 << 20, f);
  fclose(f);
  free(chunk);
  int before_fds = open_fds();
  int fd = tcp_connect();
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  send_str(fd, "GET /file HTTP/1.1\r\nHost: t\r\n\r\n");
  sleep_ms(200);
  close(fd);
  int64_t t0 = now_ms();
  while (open_fds() > before_fds && now_ms() - t0 < 5000)
    sleep_ms(10);
  cr_assert_leq(open_fds(), before_fds, "the file's fd leaked");
}
