/* store_s3.c — the media store in an S3-compatible bucket, over libcurl.
 *
 * Signing is libcurl's own SigV4 (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"). What curl
 * 7.88.1 (Debian 12) does there, read in its lib/http_aws_sigv4.c, and what follows here:
 *  - It signs host, x-amz-date (which it adds) and every header we pass in
 *    CURLOPT_HTTPHEADER — also a "Name:" line meant to remove a header, which would then be
 *    signed but not sent; so we never pass one (curl's own Expect: 100-continue and
 *    Content-Length are sent unsigned, which S3 accepts). Headers are sorted by their whole
 *    "name:value" line, not by name; the few we send (content-type, x-amz-content-sha256)
 *    sort the same either way.
 *  - The payload hash is the value of an x-amz-content-sha256 header when we pass one;
 *    otherwise it hashes CURLOPT_POSTFIELDS (empty for an upload from a read callback) and
 *    sends no such header, which S3 refuses. So every request carries the header: the real
 *    SHA-256 when known (put_mem; put_file when the caller gives it: the server verifies the
 *    bytes), UNSIGNED-PAYLOAD for a streamed upload without it, the hash of the empty body
 *    for GET, HEAD and DELETE.
 *  - The canonical URI and query are the URL's path and query exactly as given. So keys are
 *    percent-encoded per segment here (valid keys need none: [a-z0-9._/-] is unreserved), and
 *    query strings are built already in canonical form: names sorted, values encoded as
 *    SigV4 encodes them (continuation tokens contain '/', '+' and '=').
 *
 * Connections: a pool of curl easy handles (each keeps its connection alive between
 * requests); a call takes one, or makes one when all are busy, and gives it back. */
#include "media/store_internal.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX        16
#define ATTEMPTS        4
#define FIRST_DELAY_MS  100
#define CONNECT_MS      5000
#define LOW_SPEED_BYTES 1024
#define LOW_SPEED_SECS  30
#define ERRBODY_MAX     (16 * 1024)
#define LIST_BODY_MAX   (16 * 1024 * 1024)
#define PUT_MAX         ((int64_t)5 << 30) /* S3's limit for one PUT */

static const char EMPTY_SHA256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct store_s3 {
  struct media_store base;
  char *endpoint; /* scheme://host[:port][/path], no trailing '/' */
  char *bucket;
  char *region;
  char *access_key;
  char *userpwd; /* "ACCESS:SECRET" */
  char *sigv4;   /* "aws:amz:REGION:s3" */
  pthread_mutex_t mu;
  CURL *pool[POOL_MAX];
  int npool;
};

static struct store_s3 *S(struct media_store *s)
{
  return (struct store_s3 *)s;
}

/* Process-wide: curl_global_init and sodium_init run once, on the first S3 open (libcurl
 * wants its global init before any thread uses it; it is never undone). */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init(void)
{
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && sodium_init() >= 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------------------ */
/* Handle pool                                                                            */
/* ------------------------------------------------------------------------------------ */

static CURL *pool_get(struct store_s3 *s)
{
  CURL *h = NULL;
  pthread_mutex_lock(&s->mu);
  if (s->npool > 0)
    h = s->pool[--s->npool];
  pthread_mutex_unlock(&s->mu);
  if (!h)
    h = curl_easy_init();
  if (!h) {
    fputs("cc24: out of memory (curl_easy_init)\n", stderr);
    abort();
  }
  return h;
}

static void pool_put(struct store_s3 *s, CURL *h)
{
  curl_easy_reset(h); /* keeps the live connection */
  pthread_mutex_lock(&s->mu);
  if (s->npool < POOL_MAX) {
    s->pool[s->npool++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&s->mu);
  if (h)
    curl_easy_cleanup(h);
}

/* ------------------------------------------------------------------------------------ */
/* Encoding                                                                               */
/* ------------------------------------------------------------------------------------ */

static bool unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

/* SigV4's URI encoding: everything but unreserved as %XX (upper case); '/' kept when
 * keep_slash (paths), encoded otherwise (query values). */
static void sigv4_encode(struct buf *b, const char *s, bool keep_slash)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (unreserved(*p) || (keep_slash && *p == '/')) {
      buf_putc(b, (char)*p);
    } else {
      buf_putc(b, '%');
      buf_putc(b, hex[*p >> 4]);
      buf_putc(b, hex[*p & 15]);
    }
  }
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decode s[0..n) onto the heap ('+' stays '+'). NULL on a bad escape or a NUL. */
static char *pct_decode(const char *s, size_t n)
{
  char *out = xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      int h = i + 2 < n ? hexval(s[i + 1]) : -1;
      int l = i + 2 < n ? hexval(s[i + 2]) : -1;
      if (h < 0 || l < 0 || (h == 0 && l == 0)) {
        free(out);
        return NULL;
      }
      out[o++] = (char)(h * 16 + l);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = 0;
  return out;
}

/* ------------------------------------------------------------------------------------ */
/* XML answers (expat)                                                                    */
/* ------------------------------------------------------------------------------------ */

#define XML_DEPTH_MAX 8

struct xml_state {
  char path[XML_DEPTH_MAX][32]; /* element names from the root (copied: expat may move its
                                   own copy while the element is open), cut at 31 bytes */
  int depth;                    /* may exceed XML_DEPTH_MAX (then path is not kept) */
  struct buf text;              /* heap: character data of the current element */
  /* error answers */
  char *code, *msg;
  size_t code_n, msg_n;
  /* list answers */
  struct arena *a;
  bool is_list;
  struct media_s3_entry cur;
  bool have_key, have_size, have_mtime;
  struct media_s3_entry *items;
  size_t count, cap;
  bool truncated;
  char *next_token;
  bool bad;
  char bad_what[64];
};

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
  (void)attrs;
  struct xml_state *x = ud;
  if (x->depth < XML_DEPTH_MAX)
    snprintf(x->path[x->depth], sizeof x->path[0], "%s", name);
  x->depth++;
  buf_reset(&x->text);
  if (x->depth == 1 && strcmp(name, "ListBucketResult") == 0)
    x->is_list = true;
  if (x->is_list && x->depth == 2 && strcmp(name, "Contents") == 0) {
    x->cur = (struct media_s3_entry){0};
    x->have_key = x->have_size = x->have_mtime = false;
  }
}

static void XMLCALL xml_text(void *ud, const XML_Char *s, int len)
{
  struct xml_state *x = ud;
  if (len > 0 && x->text.len < 64 * 1024)
    buf_append(&x->text, s, (size_t)len);
}

static void xml_bad(struct xml_state *x, const char *what)
{
  if (!x->bad)
    snprintf(x->bad_what, sizeof x->bad_what, "%s", what);
  x->bad = true;
}

static bool parse_i64(const char *s, int64_t *out)
{
  if (!*s)
    return false;
  int64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return true;
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
  struct xml_state *x = ud;
  const char *t = buf_cstr(&x->text);
  int d = x->depth;
  if (d == 2 && x->code && strcmp(x->path[0], "Error") == 0) {
    if (strcmp(name, "Code") == 0)
      snprintf(x->code, x->code_n, "%s", t);
    else if (strcmp(name, "Message") == 0)
      snprintf(x->msg, x->msg_n, "%s", t);
  }
  if (x->is_list && d == 2) {
    if (strcmp(name, "IsTruncated") == 0)
      x->truncated = strcmp(t, "true") == 0;
    else if (strcmp(name, "NextContinuationToken") == 0 && x->a)
      x->next_token = arena_strdup(x->a, t);
    else if (strcmp(name, "Contents") == 0 && x->a) {
      if (!x->have_key || !x->have_size || !x->have_mtime) {
        xml_bad(x, "a Contents without Key, Size or LastModified");
      } else {
        if (x->count == x->cap) {
          size_t ncap = x->cap ? x->cap * 2 : 64;
          x->items =
              arena_realloc(x->a, x->items, x->cap * sizeof *x->items, ncap * sizeof *x->items);
          x->cap = ncap;
        }
        x->items[x->count++] = x->cur;
      }
    }
  }
  if (x->is_list && d == 3 && x->a && strcmp(x->path[1], "Contents") == 0) {
    if (strcmp(name, "Key") == 0) {
      x->cur.key = arena_strdup(x->a, t);
      x->have_key = true;
    } else if (strcmp(name, "Size") == 0) {
      if (!parse_i64(t, &x->cur.size))
        xml_bad(x, "a Size that is not a number");
      x->have_size = true;
    } else if (strcmp(name, "LastModified") == 0) {
      if (time_parse_iso(t, &x->cur.mtime) != 0)
        xml_bad(x, "a LastModified that is not a date");
      x->have_mtime = true;
    }
  }
  buf_reset(&x->text);
  x->depth--;
}

static bool xml_run(struct xml_state *x, const char *xml, size_t n)
{
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (!p) {
    fputs("cc24: out of memory (XML_ParserCreate)\n", stderr);
    abort();
  }
  buf_init(&x->text, NULL);
  XML_SetUserData(p, x);
  XML_SetElementHandler(p, xml_start, xml_end);
  XML_SetCharacterDataHandler(p, xml_text);
  bool ok = true;
  /* XML_Parse takes an int length: feed large answers in pieces */
  while (ok && n > 0) {
    int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
    ok = XML_Parse(p, xml, chunk, 0) == XML_STATUS_OK;
    xml += chunk;
    n -= (size_t)chunk;
  }
  if (ok)
    ok = XML_Parse(p, "", 0, 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  buf_free(&x->text);
  return ok;
}

void media_s3_parse_error(const char *xml, size_t n, char *code, size_t code_n, char *msg,
                          size_t msg_n)
{
  code[0] = 0;
  msg[0] = 0;
  struct xml_state x = {.code = code, .code_n = code_n, .msg = msg, .msg_n = msg_n};
  (void)xml_run(&x, xml, n);
}

int media_s3_parse_list(struct arena *a, const char *xml, size_t n, struct media_s3_entry **out,
                        size_t *count, bool *truncated, char **next_token, struct err *e)
{
  struct xml_state x = {.a = a};
  *out = NULL;
  *count = 0;
  *truncated = false;
  *next_token = NULL;
  if (!xml_run(&x, xml, n))
    return err_set(e, CC24_E_STORE, "media store: S3 listing is not well-formed XML");
  if (!x.is_list)
    return err_set(e, CC24_E_STORE, "media store: S3 listing is not a ListBucketResult");
  if (x.bad)
    return err_set(e, CC24_E_STORE, "media store: S3 listing has %s", x.bad_what);
  *out = x.items;
  *count = x.count;
  *truncated = x.truncated;
  *next_token = x.next_token && *x.next_token ? x.next_token : NULL;
  return 0;
}

/* ------------------------------------------------------------------------------------ */
/* One request, with retries                                                              */
/* ------------------------------------------------------------------------------------ */

enum sink { SINK_NONE, SINK_FD, SINK_BUF };

struct call {
  /* request */
  const char *method; /* GET PUT HEAD DELETE */
  const char *key;    /* NULL: the bucket */
  const char *query;  /* canonical query string, NULL for none */
  const char *content_type;
  const char *payload_hash; /* NULL: the empty body's */
  int in_fd;
  const char *in_mem;
  int64_t in_size;
  /* response */
  enum sink sink;
  int out_fd;
  struct buf *out;        /* heap buf */
  size_t max;             /* SINK_BUF: refuse bodies larger than this */
  int64_t content_length; /* of the last answer, -1 when unknown */
  /* results of the last attempt */
  CURL *h;
  long status;
  int64_t in_off, out_off;
  bool too_large, in_failed, out_failed;
  int in_errno, out_errno;
  struct buf errbody; /* heap: body of an error answer, capped */
  char amz_code[64];  /* x-amz-error-code answer header, when the server sends one */
  char curl_msg[CURL_ERROR_SIZE];
};

static long current_status(struct call *c)
{
  long st = 0;
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
  return st;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
  struct call *c = ud;
  size_t n = size * nmemb;
  long st = current_status(c);
  if (st < 200 || st >= 300) {
    if (c->errbody.len < ERRBODY_MAX)
      buf_append(&c->errbody, p,
                 n < ERRBODY_MAX - c->errbody.len ? n : ERRBODY_MAX - c->errbody.len);
    return n;
  }
  switch (c->sink) {
  case SINK_NONE:
    return n;
  case SINK_FD: {
    size_t done = 0;
    while (done < n) {
      ssize_t w = pwrite(c->out_fd, p + done, n - done, (off_t)(c->out_off + (int64_t)done));
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        c->out_failed = true;
        c->out_errno = errno;
        return 0;
      }
      done += (size_t)w;
    }
    c->out_off += (int64_t)n;
    return n;
  }
  case SINK_BUF:
    if (n > c->max - c->out->len) {
      c->too_large = true;
      return 0;
    }
    buf_append(c->out, p, n);
    return n;
  }
  return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
  struct call *c = ud;
  size_t n = size * nmemb;
  static const char name[] = "x-amz-error-code:";
  if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
    const char *v = p + sizeof name - 1;
    size_t len = n - (sizeof name - 1);
    while (len && (*v == ' ' || *v == '\t'))
      v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
      len--;
    snprintf(c->amz_code, sizeof c->amz_code, "%.*s", (int)len, v);
  }
  /* a SINK_BUF answer announced larger than max stops before its body */
  if (c->sink == SINK_BUF && n == 2 && p[0] == '\r') {
    long st = current_status(c);
    curl_off_t cl = -1;
    curl_easy_getinfo(c->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (st >= 200 && st < 300 && cl > 0 && (uint64_t)cl > c->max) {
      c->too_large = true;
      return 0;
    }
  }
  return n;
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *ud)
{
  struct call *c = ud;
  size_t n = size * nmemb;
  int64_t left = c->in_size - c->in_off;
  if (left <= 0)
    return 0;
  if ((int64_t)n > left)
    n = (size_t)left;
  if (c->in_mem) {
    memcpy(p, c->in_mem + c->in_off, n);
    c->in_off += (int64_t)n;
    return n;
  }
  for (;;) {
    ssize_t r = pread(c->in_fd, p, n, (off_t)c->in_off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) { /* 0: the file shrank under us */
      c->in_failed = true;
      c->in_errno = r < 0 ? errno : EIO;
      return CURL_READFUNC_ABORT;
    }
    c->in_off += r;
    return (size_t)r;
  }
}

/* curl rewinds the body when it must send it again (a reused connection that had died). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
  struct call *c = ud;
  if (origin != SEEK_SET || offset < 0 || offset > c->in_size)
    return CURL_SEEKFUNC_CANTSEEK;
  c->in_off = offset;
  return CURL_SEEKFUNC_OK;
}

static void call_url(struct store_s3 *s, const struct call *c, struct buf *url)
{
  buf_puts(url, s->endpoint);
  buf_putc(url, '/');
  sigv4_encode(url, s->bucket, false);
  if (c->key) {
    buf_putc(url, '/');
    sigv4_encode(url, c->key, true);
  }
  if (c->query && *c->query) {
    buf_putc(url, '?');
    buf_puts(url, c->query);
  }
}

static bool retryable_curl(CURLcode rc)
{
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_SEND_FAIL_REWIND:
    return true;
  default:
    return false;
  }
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* What an error answer means, as one CC24 error. */
static int answer_error(struct store_s3 *s, struct call *c, struct err *e)
{
  char code[64], msg[160];
  media_s3_parse_error(c->errbody.data ? c->errbody.data : "", c->errbody.len, code, sizeof code,
                       msg, sizeof msg);
  if (!code[0] && c->amz_code[0])
    snprintf(code, sizeof code, "%s", c->amz_code);
  const char *what = c->key ? c->key : s->bucket;
  long st = c->status;
  if (strcmp(code, "NoSuchKey") == 0 || (st == 404 && c->key && !code[0]))
    return err_set(e, CC24_E_NOT_FOUND, "media store: no object %s", c->key ? c->key : "");
  if (strcmp(code, "SignatureDoesNotMatch") == 0)
    return err_set(e, CC24_E_STORE,
                   "media store: S3 refused the request signature (SignatureDoesNotMatch): "
                   "the secret key is not the one of access key %s",
                   s->access_key);
  if (strcmp(code, "InvalidAccessKeyId") == 0)
    return err_set(e, CC24_E_STORE,
                   "media store: S3 does not know the access key %s (InvalidAccessKeyId)",
                   s->access_key);
  if (strcmp(code, "RequestTimeTooSkewed") == 0)
    return err_set(e, CC24_E_STORE,
                   "media store: S3 refused the request time (RequestTimeTooSkewed): this "
                   "machine's clock is more than 15 minutes off");
  if (strcmp(code, "NoSuchBucket") == 0 || (st == 404 && !c->key))
    return err_set(e, CC24_E_STORE, "media store: S3 bucket %s does not exist (NoSuchBucket)",
                   s->bucket);
  if (strcmp(code, "XAmzContentSHA256Mismatch") == 0 || strcmp(code, "BadDigest") == 0)
    return err_set(e, CC24_E_STORE,
                   "media store: S3 refused %s: the bytes do not match the SHA-256 given (%s)",
                   what, code);
  if (strcmp(code, "AccessDenied") == 0)
    return err_set(e, CC24_E_STORE,
                   "media store: S3 denied %s %s (AccessDenied): access key %s lacks the "
                   "permission",
                   c->method, what, s->access_key);
  if (st == 403 && !code[0])
    return err_set(e, CC24_E_STORE,
                   "media store: S3 answered 403 Forbidden to %s %s without a reason (HEAD has "
                   "no body): a wrong access key or secret key (SignatureDoesNotMatch, "
                   "InvalidAccessKeyId) or a missing permission",
                   c->method, what);
  return err_set(e, CC24_E_STORE, "media store: S3 %s %s: HTTP %ld %s%s%s", c->method, what, st,
                 code[0] ? code : "(no code)", msg[0] ? ": " : "", msg);
}

/* Run c against the bucket, retrying transient failures. 0 when the answer is 2xx (or 404
 * and allow_404: then c->status tells), -1 + e otherwise. */
static int perform(struct store_s3 *s, struct call *c, bool allow_404, struct err *e)
{
  struct buf url;
  buf_init(&url, NULL);
  call_url(s, c, &url);
  char hash_hdr[128];
  snprintf(hash_hdr, sizeof hash_hdr, "x-amz-content-sha256: %s",
           c->payload_hash ? c->payload_hash : EMPTY_SHA256);
  struct curl_slist *hdrs = curl_slist_append(NULL, hash_hdr);
  struct buf ct;
  buf_init(&ct, NULL);
  if (c->content_type && *c->content_type && !strpbrk(c->content_type, "\r\n")) {
    buf_printf(&ct, "Content-Type: %s", c->content_type);
    hdrs = curl_slist_append(hdrs, buf_cstr(&ct));
  }
  if (!hdrs) {
    fputs("cc24: out of memory (curl_slist_append)\n", stderr);
    abort();
  }
  buf_init(&c->errbody, NULL);
  int64_t t0 = time_mono_ms();
  int64_t delay = FIRST_DELAY_MS;
  int rc = -1;
  char last[256] = "";
  for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
    c->status = 0;
    c->in_off = c->out_off = 0;
    c->too_large = c->in_failed = c->out_failed = false;
    c->amz_code[0] = 0;
    c->curl_msg[0] = 0;
    buf_reset(&c->errbody);
    if (c->sink == SINK_BUF)
      buf_reset(c->out);
    if (c->sink == SINK_FD && ftruncate(c->out_fd, 0) != 0) {
      rc = err_set(e, CC24_E_IO, "media store: cannot truncate the download file: %s",
                   strerror(errno));
      break;
    }
    CURL *h = c->h = pool_get(s);
    curl_easy_setopt(h, CURLOPT_URL, buf_cstr(&url));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERPWD, s->userpwd);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_SECS);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_msg);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    if (strcmp(c->method, "HEAD") == 0) {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(c->method, "PUT") == 0) {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, c);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, c);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->in_size);
    } else if (strcmp(c->method, "GET") != 0) {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }
    CURLcode cr = curl_easy_perform(h);
    c->status = current_status(c);
    curl_off_t cl = -1;
    curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    c->content_length = (int64_t)cl;
    c->h = NULL;
    pool_put(s, h);

    bool retry;
    if (cr == CURLE_OK) {
      if ((c->status >= 200 && c->status < 300) || (allow_404 && c->status == 404)) {
        rc = 0;
        break;
      }
      char code[64], msg[8];
      media_s3_parse_error(c->errbody.data ? c->errbody.data : "", c->errbody.len, code,
                           sizeof code, msg, sizeof msg);
      retry = c->status >= 500 || c->status == 429 || strcmp(code, "SlowDown") == 0 ||
              strcmp(c->amz_code, "SlowDown") == 0;
      if (!retry) {
        rc = answer_error(s, c, e);
        break;
      }
      snprintf(last, sizeof last, "HTTP %ld%s%s", c->status, code[0] ? " " : "", code);
    } else {
      if (c->too_large) {
        rc = err_set(e, CC24_E_BODY_TOO_LARGE, "media store: object %s is larger than %zu bytes",
                     c->key ? c->key : "", c->max);
        break;
      }
      if (c->in_failed) {
        rc = err_set(e, CC24_E_IO, "media store: cannot read the upload for %s: %s", c->key,
                     strerror(c->in_errno));
        break;
      }
      if (c->out_failed) {
        rc = err_set(e, CC24_E_IO, "media store: cannot write the download of %s: %s", c->key,
                     strerror(c->out_errno));
        break;
      }
      retry = retryable_curl(cr);
      snprintf(last, sizeof last, "%s", c->curl_msg[0] ? c->curl_msg : curl_easy_strerror(cr));
      if (!retry) {
        rc = err_set(e, CC24_E_STORE, "media store: S3 %s %s: %s", c->method,
                     c->key ? c->key : s->bucket, last);
        break;
      }
    }
    if (attempt == ATTEMPTS) {
      rc = err_set(e, CC24_E_STORE_UNAVAILABLE,
                   "media store: S3 %s %s failed %d times in %lld ms, last: %s", c->method,
                   c->key ? c->key : s->bucket, ATTEMPTS, (long long)(time_mono_ms() - t0), last);
      break;
    }
    /* full jitter around the nominal delay: 50..150 % of it */
    int64_t wait = delay / 2 + (int64_t)randombytes_uniform((uint32_t)delay + 1);
    log_warn("media store: S3 %s %s: %s; attempt %d of %d in %lld ms", c->method,
             c->key ? c->key : s->bucket, last, attempt + 1, ATTEMPTS, (long long)wait);
    sleep_ms(wait);
    delay *= 4;
  }
  curl_slist_free_all(hdrs);
  buf_free(&ct);
  buf_free(&url);
  buf_free(&c->errbody);
  return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Operations                                                                             */
/* ------------------------------------------------------------------------------------ */

static int s3_put_common(struct store_s3 *s, const char *key, int fd, const char *mem, int64_t size,
                         const char *content_type, const char *hash, struct err *e)
{
  if (size > PUT_MAX)
    return err_set(e, CC24_E_BODY_TOO_LARGE,
                   "media store: %s has %lld bytes, more than one S3 PUT takes (5 GiB)", key,
                   (long long)size);
  struct call c = {.method = "PUT",
                   .key = key,
                   .content_type = content_type,
                   .payload_hash = hash,
                   .in_fd = fd,
                   .in_mem = mem,
                   .in_size = size};
  return perform(s, &c, false, e);
}

static int s3_put_file(struct media_store *ms, const char *key, const char *path,
                       const char *content_type, const char *sha256_hex, struct err *e)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(e, CC24_E_IO, "media store: cannot open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(e, CC24_E_IO, "media store: %s is not a regular file", path);
  }
  int rc = s3_put_common(S(ms), key, fd, NULL, (int64_t)st.st_size, content_type,
                         sha256_hex ? sha256_hex : "UNSIGNED-PAYLOAD", e);
  close(fd);
  return rc;
}

static int s3_put_mem(struct media_store *ms, const char *key, const void *data, size_t n,
                      const char *content_type, struct err *e)
{
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, data, n);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return s3_put_common(S(ms), key, -1, n ? data : "", (int64_t)n, content_type, hex, e);
}

static int s3_get_file(struct media_store *ms, const char *key, const char *dest_path,
                       struct err *e)
{
  char *tmp;
  int fd = media_store_tmp_beside(dest_path, &tmp, e);
  if (fd < 0)
    return -1;
  struct call c = {.method = "GET", .key = key, .sink = SINK_FD, .out_fd = fd};
  int rc = perform(S(ms), &c, false, e);
  if (close(fd) != 0 && rc == 0)
    rc = err_set(e, CC24_E_IO, "media store: cannot write %s: %s", tmp, strerror(errno));
  if (rc == 0 && rename(tmp, dest_path) != 0)
    rc = err_set(e, CC24_E_IO, "media store: cannot rename to %s: %s", dest_path, strerror(errno));
  if (rc < 0)
    unlink(tmp);
  free(tmp);
  return rc;
}

static int s3_get_mem(struct media_store *ms, struct arena *a, const char *key, size_t max,
                      void **data, size_t *n, struct err *e)
{
  struct buf b;
  buf_init(&b, NULL);
  struct call c = {.method = "GET", .key = key, .sink = SINK_BUF, .out = &b, .max = max};
  int rc = perform(S(ms), &c, false, e);
  if (rc == 0) {
    *data = arena_memdup(a, b.data ? b.data : "", b.len);
    *n = b.len;
  }
  buf_free(&b);
  return rc;
}

static int s3_stat(struct media_store *ms, const char *key, int64_t *size, struct err *e)
{
  struct call c = {.method = "HEAD", .key = key};
  if (perform(S(ms), &c, true, e) < 0)
    return -1;
  if (c.status == 404)
    return 0;
  if (c.content_length < 0)
    return err_set(e, CC24_E_STORE, "media store: S3 HEAD %s answered without Content-Length", key);
  *size = c.content_length;
  return 1;
}

static int s3_delete(struct media_store *ms, const char *key, struct err *e)
{
  struct call c = {.method = "DELETE", .key = key};
  struct err me = {0};
  if (perform(S(ms), &c, false, &me) < 0) {
    if (me.code == CC24_E_NOT_FOUND)
      return 0;
    if (e)
      *e = me;
    return -1;
  }
  return 0;
}

static int s3_list(struct media_store *ms, const char *prefix, media_store_list_fn fn, void *arg,
                   struct err *e)
{
  struct store_s3 *s = S(ms);
  char *token = NULL; /* heap */
  int rc = 0;
  for (;;) {
    struct buf q, body;
    buf_init(&q, NULL);
    buf_init(&body, NULL);
    if (token) {
      buf_puts(&q, "continuation-token=");
      sigv4_encode(&q, token, false);
      buf_putc(&q, '&');
    }
    buf_puts(&q, "list-type=2&max-keys=1000");
    if (*prefix) {
      buf_puts(&q, "&prefix=");
      sigv4_encode(&q, prefix, false);
    }
    struct call c = {.method = "GET",
                     .query = buf_cstr(&q),
                     .sink = SINK_BUF,
                     .out = &body,
                     .max = LIST_BODY_MAX};
    rc = perform(s, &c, false, e);
    buf_free(&q);
    free(token);
    token = NULL;
    if (rc < 0) {
      buf_free(&body);
      break;
    }
    struct arena *a = arena_new(64 * 1024);
    struct media_s3_entry *items;
    size_t count;
    bool truncated;
    char *next;
    rc = media_s3_parse_list(a, body.data ? body.data : "", body.len, &items, &count, &truncated,
                             &next, e);
    buf_free(&body);
    for (size_t i = 0; rc == 0 && i < count; i++) {
      if (!items[i].key || strncmp(items[i].key, prefix, strlen(prefix)) != 0)
        continue;
      int r = fn(items[i].key, items[i].size, items[i].mtime, arg);
      if (r > 0)
        rc = 1;
      else if (r < 0)
        rc = e && e->code
                 ? -1
                 : err_set(e, CC24_E_STORE, "media store: listing stopped by its callback");
    }
    if (rc == 0 && truncated) {
      if (!next)
        rc = err_set(e, CC24_E_STORE,
                     "media store: S3 listing is truncated but has no NextContinuationToken");
      else
        token = xstrdup(next);
    }
    arena_free(a);
    if (rc != 0 || !token)
      break;
  }
  free(token);
  return rc < 0 ? -1 : 0;
}

static int s3_check(struct media_store *ms, struct err *e)
{
  struct call c = {.method = "HEAD"};
  return perform(S(ms), &c, false, e);
}

static void s3_close(struct media_store *ms)
{
  struct store_s3 *s = S(ms);
  for (int i = 0; i < s->npool; i++)
    curl_easy_cleanup(s->pool[i]);
  pthread_mutex_destroy(&s->mu);
  free(s->endpoint);
  free(s->bucket);
  free(s->region);
  free(s->access_key);
  if (s->userpwd)
    sodium_memzero(s->userpwd, strlen(s->userpwd));
  free(s->userpwd);
  free(s->sigv4);
  free(s);
}

static const struct media_store_ops s3_ops = {
    .kind = "s3",
    .close = s3_close,
    .check = s3_check,
    .put_file = s3_put_file,
    .put_mem = s3_put_mem,
    .get_file = s3_get_file,
    .get_mem = s3_get_mem,
    .stat = s3_stat,
    .del = s3_delete,
    .list = s3_list,
    .local_path = NULL,
};

/* ------------------------------------------------------------------------------------ */
/* URL                                                                                    */
/* ------------------------------------------------------------------------------------ */

static bool bucket_ok(const char *b)
{
  size_t n = strlen(b);
  if (n < 3 || n > 63)
    return false;
  for (const char *p = b; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
          *p == '_'))
      return false;
  return true;
}

static bool region_ok(const char *r)
{
  size_t n = strlen(r);
  if (n == 0 || n > 64)
    return false;
  for (const char *p = r; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return false;
  return true;
}

static bool endpoint_ok(const char *u)
{
  const char *host;
  if (strncmp(u, "http://", 7) == 0)
    host = u + 7;
  else if (strncmp(u, "https://", 8) == 0)
    host = u + 8;
  else
    return false;
  if (!*host || *host == '/' || strpbrk(u, "?# \t\r\n@"))
    return false;
  for (const unsigned char *p = (const unsigned char *)u; *p; p++)
    if (*p < 0x21 || *p > 0x7e)
      return false;
  return true;
}

static const char *env_nonempty(const char *name)
{
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

struct media_store *media_store_s3_open(const char *rest, struct err *e)
{
  if (pthread_once(&global_once, global_init) != 0 || global_rc != 0) {
    err_set(e, CC24_E_INTERNAL, "media store: libcurl initialisation failed");
    return NULL;
  }
  char *bucket = NULL, *endpoint = NULL, *region = NULL, *ak = NULL, *sk = NULL;
  const char *q = strchr(rest, '?');
  size_t blen = q ? (size_t)(q - rest) : strlen(rest);
  bucket = xmalloc(blen + 1);
  memcpy(bucket, rest, blen);
  bucket[blen] = 0;
  if (!bucket_ok(bucket)) {
    err_set(e, CC24_E_CONFIG,
            "media store: bad S3 bucket name \"%.70s\" (3..63 of a-z 0-9 . - _; s3://BUCKET?...)",
            bucket);
    goto fail;
  }
  for (const char *p = q ? q + 1 : NULL; p && *p;) {
    const char *amp = strchr(p, '&');
    size_t len = amp ? (size_t)(amp - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    if (!eq) {
      err_set(e, CC24_E_CONFIG, "media store: S3 URL parameter without a value: %.*s",
              (int)(len > 40 ? 40 : len), p);
      goto fail;
    }
    size_t nlen = (size_t)(eq - p);
    char *v = pct_decode(eq + 1, len - nlen - 1);
    if (!v) {
      err_set(e, CC24_E_CONFIG, "media store: bad percent-encoding in S3 URL parameter %.*s",
              (int)(nlen > 40 ? 40 : nlen), p);
      goto fail;
    }
    char **slot = NULL;
    if (nlen == 8 && strncmp(p, "endpoint", 8) == 0)
      slot = &endpoint;
    else if (nlen == 6 && strncmp(p, "region", 6) == 0)
      slot = &region;
    else if (nlen == 10 && strncmp(p, "access_key", 10) == 0)
      slot = &ak;
    else if (nlen == 10 && strncmp(p, "secret_key", 10) == 0)
      slot = &sk;
    if (!slot || *slot) {
      err_set(e, CC24_E_CONFIG, "media store: %s S3 URL parameter %.*s",
              slot ? "repeated" : "unknown", (int)(nlen > 40 ? 40 : nlen), p);
      free(v);
      goto fail;
    }
    *slot = v;
    p += len;
    if (*p == '&')
      p++;
  }
  if (!region)
    region = xstrdup("us-east-1");
  if (!region_ok(region)) {
    err_set(e, CC24_E_CONFIG, "media store: bad S3 region \"%.40s\"", region);
    goto fail;
  }
  if (!endpoint) {
    size_t n = strlen(region) + 32;
    endpoint = xmalloc(n);
    snprintf(endpoint, n, "https://s3.%s.amazonaws.com", region);
  }
  size_t elen = strlen(endpoint);
  while (elen > 0 && endpoint[elen - 1] == '/')
    endpoint[--elen] = 0;
  if (!endpoint_ok(endpoint)) {
    err_set(e, CC24_E_CONFIG, "media store: bad S3 endpoint \"%.60s\" (http:// or https:// URL)",
            endpoint);
    goto fail;
  }
  if (!ak && !sk) {
    const char *eak = env_nonempty("CC24_S3_ACCESS_KEY"), *esk = env_nonempty("CC24_S3_SECRET_KEY");
    if (!eak && !esk) {
      eak = env_nonempty("AWS_ACCESS_KEY_ID");
      esk = env_nonempty("AWS_SECRET_ACCESS_KEY");
    }
    ak = eak ? xstrdup(eak) : NULL;
    sk = esk ? xstrdup(esk) : NULL;
  }
  if (!ak || !*ak || !sk || !*sk) {
    err_set(e, CC24_E_CONFIG,
            "media store: S3 credentials missing: access_key= and secret_key= in the URL, or "
            "CC24_S3_ACCESS_KEY/CC24_S3_SECRET_KEY, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    goto fail;
  }
  if (strchr(ak, ':') || strpbrk(ak, "\r\n") || strpbrk(sk, "\r\n")) {
    err_set(e, CC24_E_CONFIG, "media store: the S3 access key must not contain ':'");
    goto fail;
  }
  struct store_s3 *s = xcalloc(1, sizeof *s);
  s->base.ops = &s3_ops;
  s->endpoint = endpoint;
  s->bucket = bucket;
  s->region = region;
  s->access_key = ak;
  size_t n = strlen(ak) + strlen(sk) + 2;
  s->userpwd = xmalloc(n);
  snprintf(s->userpwd, n, "%s:%s", ak, sk);
  sodium_memzero(sk, strlen(sk));
  free(sk);
  n = strlen(region) + 16;
  s->sigv4 = xmalloc(n);
  snprintf(s->sigv4, n, "aws:amz:%s:s3", region);
  pthread_mutex_init(&s->mu, NULL);
  return &s->base;
fail:
  free(bucket);
  free(endpoint);
  free(region);
  free(ak);
  if (sk)
    sodium_memzero(sk, strlen(sk));
  free(sk);
  return NULL;
}
