/* http_internal.h — what the files of src/http/ share and nobody else may use:
 * the private per-request state behind req->resp, the server object, and the
 * helpers one file offers another (path decoding, the Allow list, metrics
 * recording, static lookup). Not a contract: it changes with the code. */
#ifndef CC24_HTTP_INTERNAL_H
#define CC24_HTTP_INTERNAL_H

#include "http/http.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Daemon;
struct MHD_Connection;

/* Limits shared by the parsers. */
#define HTTP_MAX_PAIRS      256 /* query / form pairs */
#define HTTP_MAX_JSON_DEPTH 64
#define HTTP_GZIP_MIN       1024

struct http_hdr {
  const char *name;
  const char *value;
  struct http_hdr *next;
};

/* Private state of one request (req->resp): response under construction plus
 * request-side caches. Lives in req->a. */
struct http_resp {
  struct http_server *srv; /* NULL when the request was built outside a server (tests) */

  /* response */
  bool answered;
  int status;
  const char *vary; /* fields added by http_vary ("Cookie, ..."), NULL = none */
  const char *content_type;
  const char *body;
  size_t len;
  struct http_hdr *headers;
  struct http_hdr **tail;
  bool no_compress;   /* body is already encoded (static gzip variant) */
  bool close;         /* send Connection: close */
  bool in_error_page; /* recursion guard for the error_page hook */
  const char *allow;  /* Allow header for 405 / OPTIONS */

  /* request body */
  char *upload;
  size_t upload_len;
  size_t upload_cap;
  uint64_t content_length; /* UINT64_MAX when unknown (chunked) */
  bool too_large;
  size_t discarded;

  /* answer from a file (http_reply_fd): fd is ours to close while has_fd */
  bool has_fd;
  int fd;
  uint64_t fd_size;

  /* routing, done once on the headers (NULL / 0 when the path did not decode) */
  const struct route *route_hit;
  int mismatch; /* the path matched, but no route has this method */

  /* streaming body (ROUTE_STREAM, http_stream_accept) */
  struct http_stream stream;
  void *stream_arg;
  uint64_t stream_max;  /* max_bytes */
  uint64_t stream_seen; /* body bytes handed to stream.data */
  bool stream_accepted;
  bool stream_ended;   /* stream.end ran: abort never will */
  bool stream_aborted; /* stream.abort ran (or would have, when NULL) */
  bool stream_stopped; /* refused mid-body: answer written, the rest is discarded */

  /* lifecycle */
  bool started;    /* the access handler has seen the headers */
  bool dispatched; /* the handler ran (or the server answered) */
  bool queued;     /* handed to libmicrohttpd */
  bool bad_path;   /* raw path failed to decode */
  bool nolog;
  size_t bytes; /* body bytes queued */
  const char *raw_path;

  /* caches */
  bool query_parsed;
  int nquery;
  const char **qnames, **qvalues;
  bool form_parsed;
  int nform;
  const char **fnames, **fvalues;
  bool cookies_parsed;
  int ncookies;
  const char **cnames, **cvalues;
  bool json_parsed;
  json_t *json;
  struct err json_err;
};

struct http_server {
  struct http_server_opts o;
  struct MHD_Daemon *d;
  int port;
  atomic_int in_flight;
};

/* router.c */
/* Percent-decode a raw path exactly once into the arena. -1 for %00, a path not
 * starting with '/', or invalid UTF-8 after decoding. Malformed escapes stay literal. */
int http_path_decode(struct arena *a, const char *raw, size_t n, char **out);
/* "GET, HEAD, POST, OPTIONS" for every route whose pattern matches path; NULL when none. */
const char *http_route_allow(struct arena *a, const struct route *routes, size_t n,
                             const char *path);

/* request.c */
enum http_method http_method_parse(const char *m);
const char *http_method_name(enum http_method m);
/* True when the media type of ct (parameters ignored) equals type, case-insensitively. */
bool http_media_is(const char *ct, const char *type);
struct http_resp *http_resp_of(struct http_req *req);
/* Parse query / form eagerly (the server answers 400 on -1). */
int http_req_parse_query(struct http_req *req);
int http_req_parse_form(struct http_req *req);
/* True when the client accepts gzip (Accept-Encoding, q > 0). */
bool http_accepts_gzip(const char *accept_encoding);

/* reply.c */
/* Build the libmicrohttpd response for req and queue it. 0 or -1. */
int http_resp_queue(struct http_req *req, struct MHD_Connection *c);
/* Write the answer to the connection's socket now, outside libmicrohttpd, with
 * Connection: close, then shut the socket's write side (the one way to answer in
 * the middle of a request body, which libmicrohttpd 0.9.75 cannot do; the read
 * side stays open for draining). The caller must then never queue an answer for
 * this request and must drop the connection. Plain TCP only (the server never runs
 * TLS itself). Waits at most 1 s for the socket to take the bytes. 0 or -1. */
int http_resp_write_now(struct http_req *req, struct MHD_Connection *c);
/* Forget what a handler set (before an automatic 500); closes a file answer's fd. */
void http_resp_reset(struct http_req *req);
/* Answer with a body that outlives the request (static files): no copy, no gzip. */
int http_reply_static(struct http_req *req, int status, const char *content_type, const char *body,
                      size_t len, const char *encoding);
bool http_type_compressible(const char *content_type);
/* gzip src into the arena; NULL when it would not be smaller. */
char *http_gzip(struct arena *a, const char *src, size_t n, size_t *out_len);

/* metrics.c */
void http_metrics_record(const char *route, enum http_method m, int status, int64_t dur_us);
void http_metrics_in_flight(int delta);
void http_metrics_connections(int delta);

#endif
