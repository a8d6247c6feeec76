/* sms.c — the message text, the form on the wire, and the gateway client (libcurl,
 * jansson). One easy handle per send: messages are few (test-drive confirmations),
 * so a connection pool would only add state. */
#include "sms/sms.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/str.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CONNECT_MS    5000
#define RESPONSE_MAX  (64 * 1024) /* a longer answer is cut; no gateway answer is that long */
#define SENDER_ID_MAX 11          /* alphanumeric sender IDs: at most 11 characters */

int sms_body_check(const char *body, struct err *e)
{
  if (!body)
    body = "";
  size_t n = strlen(body);
  bool blank = true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)body[i];
    /* C0 controls and DEL, and C1 controls (U+0080-U+009F, UTF-8 C2 80-C2 9F): a
     * phone shows them as garbage or not at all, and a \r could forge line breaks */
    if ((c < 0x20 && c != '\n') || c == 0x7f ||
        (c == 0xc2 && i + 1 < n && (unsigned char)body[i + 1] >= 0x80 &&
         (unsigned char)body[i + 1] <= 0x9f))
      return err_set_field(e, CC24_E_VALIDATION, "body",
                           "control characters other than newline are not allowed in an SMS");
    if (c != ' ' && c != '\n')
      blank = false;
  }
  if (blank)
    return err_set_field(e, CC24_E_VALIDATION, "body", "the SMS text is empty");
  if (!utf8_valid(body, n))
    return err_set_field(e, CC24_E_INVALID_UTF8, "body", "the SMS text is not valid UTF-8");
  size_t chars = utf8_len(body, n);
  if (chars > SMS_BODY_MAX)
    return err_set_field(e, CC24_E_VALIDATION, "body",
                         "the SMS text has %zu characters, at most %d are allowed", chars,
                         SMS_BODY_MAX);
  return 0;
}

void sms_form_encode(struct buf *b, const char *to, const char *from, const char *body)
{
  buf_puts(b, "To=");
  buf_append_urlenc(b, to, strlen(to));
  buf_puts(b, "&From=");
  buf_append_urlenc(b, from, strlen(from));
  buf_puts(b, "&Body=");
  buf_append_urlenc(b, body, strlen(body));
}

/* ---- configuration ----------------------------------------------------------------- */

/* from as the gateway wants it: a number in E.164, or an alphanumeric sender ID
 * (1-11 of A-Z a-z 0-9 and space, at least one letter) as given. 0 or -1. */
static int sender(const char *from, char out[SENDER_ID_MAX + SMS_E164_SIZE], struct err *e)
{
  if (!from || !*from)
    return err_set_field(e, CC24_E_CONFIG, "sms-from", "sms-from is not set");
  if (sms_phone_e164(from, out, NULL) == 0)
    return 0;
  size_t n = strlen(from);
  bool letter = false, ok = n >= 1 && n <= SENDER_ID_MAX;
  for (size_t i = 0; ok && i < n; i++) {
    unsigned char c = (unsigned char)from[i];
    bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    letter |= alpha;
    ok = alpha || (c >= '0' && c <= '9') || c == ' ';
  }
  if (!ok || !letter)
    return err_set_field(e, CC24_E_CONFIG, "sms-from",
                         "sms-from must be a phone number or an alphanumeric sender ID of 1-11"
                         " letters, digits and spaces");
  memcpy(out, from, n + 1);
  return 0;
}

int sms_gateway_check(const struct sms_gateway *g, struct err *e)
{
  const char *u = g->base_url ? g->base_url : "";
  if (!str_starts(u, "http://") && !str_starts(u, "https://"))
    return err_set_field(e, CC24_E_CONFIG, "sms-url",
                         "sms-url must start with http:// or https://");
  for (const char *p = u; *p; p++)
    /* no credentials in the URL (they would end up in error messages), no spaces,
     * no query or fragment (the path is appended) */
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '@' || *p == '?' ||
        *p == '#')
      return err_set_field(e, CC24_E_CONFIG, "sms-url",
                           "sms-url must be a plain http(s) URL without credentials or query");
  const char *sid = g->account_sid ? g->account_sid : "";
  size_t sl = strlen(sid);
  bool sid_ok = sl >= 1 && sl <= 64;
  for (size_t i = 0; sid_ok && i < sl; i++) {
    unsigned char c = (unsigned char)sid[i];
    sid_ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
  }
  if (!sid_ok)
    return err_set_field(e, CC24_E_CONFIG, "sms-account-sid",
                         "sms-account-sid must be 1-64 letters and digits");
  const char *tok = g->auth_token ? g->auth_token : "";
  if (!*tok)
    return err_set_field(e, CC24_E_CONFIG, "sms-auth-token", "sms-auth-token is not set");
  for (const char *p = tok; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return err_set_field(e, CC24_E_CONFIG, "sms-auth-token",
                           "sms-auth-token contains control characters");
  char from[SENDER_ID_MAX + SMS_E164_SIZE];
  return sender(g->from, from, e);
}

int sms_gateway_from_config(struct sms_gateway *g, struct err *e)
{
  *g = (struct sms_gateway){.base_url = cfg.sms_url,
                            .account_sid = cfg.sms_account_sid,
                            .auth_token = cfg.sms_auth_token,
                            .from = cfg.sms_from};
  if (!cfg.sms_url || !*cfg.sms_url)
    return 1;
  return sms_gateway_check(g, e) < 0 ? -1 : 0;
}

/* ---- the request ------------------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init(void)
{
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
  struct buf *b = ud;
  size_t len = size * n;
  if (b->len < RESPONSE_MAX)
    buf_append(b, data, len < RESPONSE_MAX - b->len ? len : RESPONSE_MAX - b->len);
  return len;
}

/* s, cut to fit and with control characters as spaces: the gateway's words go into
 * error messages, logs and the jobs table. */
static void clean_copy(char *out, size_t outsz, const char *s)
{
  size_t n = 0;
  for (; s && *s && n + 1 < outsz; s++)
    out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
  out[n] = 0;
}

/* The answer: 2xx with {"sid","status"}, or an error {"code","message","status"}. */
static int answer(long st, const struct buf *body, struct sms_result *r, struct err *e)
{
  json_error_t je;
  json_t *j = body->len ? json_loadb(body->data, body->len, 0, &je) : NULL;
  if (j && !json_is_object(j)) {
    json_decref(j);
    j = NULL;
  }
  int rc;
  if (st >= 200 && st < 300) {
    const char *sid = json_string_value(json_object_get(j, "sid"));
    const char *status = json_string_value(json_object_get(j, "status"));
    if (!sid || !*sid) {
      /* accepted, perhaps sent: retrying could send it twice */
      rc = SMS_PERMANENT;
      err_set(e, CC24_E_INTERNAL, "the gateway answered %ld without a message sid", st);
    } else {
      clean_copy(r->sid, sizeof r->sid, sid);
      clean_copy(r->status, sizeof r->status, status ? status : "");
      rc = SMS_SENT;
    }
  } else {
    json_t *code = json_object_get(j, "code");
    r->code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
    char msg[160];
    clean_copy(msg, sizeof msg, json_string_value(json_object_get(j, "message")));
    bool retry = st == 429 || st >= 500;
    rc = retry ? SMS_RETRY : SMS_PERMANENT;
    int ec = st == 401 || st == 403 ? CC24_E_UNAUTHORIZED
             : st == 429            ? CC24_E_RATE_LIMITED
             : st >= 500            ? CC24_E_IO
                                    : CC24_E_BAD_REQUEST;
    if (r->code)
      err_set(e, ec, "the SMS gateway answered %ld (code %d): %s", st, r->code,
              *msg ? msg : "no message");
    else
      err_set(e, ec, "the SMS gateway answered %ld%s%s", st, *msg ? ": " : "", msg);
  }
  json_decref(j);
  return rc;
}

int sms_send(const struct sms_gateway *g, const char *to, const char *body, struct sms_result *r,
             struct err *e)
{
  struct sms_result scratch;
  if (!r)
    r = &scratch;
  memset(r, 0, sizeof *r);
  char to164[SMS_E164_SIZE], from[SENDER_ID_MAX + SMS_E164_SIZE];
  if (sms_gateway_check(g, e) < 0 || sender(g->from, from, e) < 0 ||
      sms_phone_e164(to, to164, e) < 0 || sms_body_check(body, e) < 0)
    return SMS_PERMANENT;
  pthread_once(&global_once, global_init);
  if (global_rc < 0) {
    err_set(e, CC24_E_INTERNAL, "libcurl failed to initialise");
    return SMS_RETRY;
  }
  CURL *h = curl_easy_init();
  if (!h) {
    err_set(e, CC24_E_NOMEM, "out of memory (curl_easy_init)");
    return SMS_RETRY;
  }
  struct buf url, form, resp;
  buf_init(&url, NULL);
  buf_init(&form, NULL);
  buf_init(&resp, NULL);
  size_t ul = strlen(g->base_url);
  while (ul > 0 && g->base_url[ul - 1] == '/')
    ul--;
  buf_append(&url, g->base_url, ul);
  buf_printf(&url, "/2010-04-01/Accounts/%s/Messages.json", g->account_sid);
  sms_form_encode(&form, to164, from, body);

  struct curl_slist *hdrs = NULL, *h2;
  static const char *const header_lines[] = {"Content-Type: application/x-www-form-urlencoded",
                                             "Accept: application/json",
                                             "Expect:", /* no 100-continue round trip */
                                             ("User-Agent: cc24/" CC24_VERSION)};
  for (size_t i = 0; i < sizeof header_lines / sizeof header_lines[0]; i++) {
    h2 = curl_slist_append(hdrs, header_lines[i]);
    if (!h2) {
      curl_slist_free_all(hdrs);
      curl_easy_cleanup(h);
      buf_free(&url);
      buf_free(&form);
      err_set(e, CC24_E_NOMEM, "out of memory (curl_slist_append)");
      return SMS_RETRY;
    }
    hdrs = h2;
  }
  char curl_msg[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, buf_cstr(&url));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  curl_easy_setopt(h, CURLOPT_USERNAME, g->account_sid);
  curl_easy_setopt(h, CURLOPT_PASSWORD, g->auth_token);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, buf_cstr(&form));
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)SMS_TIMEOUT_MS);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_msg);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
  CURLcode cr = curl_easy_perform(h);
  int rc;
  if (cr != CURLE_OK) {
    /* a URL curl cannot use will not work later either; anything else (refused,
     * reset, timeout, TLS trouble, DNS) may */
    rc = cr == CURLE_UNSUPPORTED_PROTOCOL || cr == CURLE_URL_MALFORMAT ? SMS_PERMANENT : SMS_RETRY;
    err_set(e, CC24_E_IO, "the SMS gateway cannot be reached: %s",
            curl_msg[0] ? curl_msg : curl_easy_strerror(cr));
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http_status);
    rc = answer(r->http_status, &resp, r, e);
  }
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  buf_free(&url);
  buf_free(&form);
  buf_free(&resp);
  return rc;
}
