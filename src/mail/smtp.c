/* smtp.c — see smtp.h. */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct smtp_url {
  char base[512]; /* what curl gets: scheme://[userinfo@]host[:port] */
  long use_ssl;   /* CURLUSESSL_* */
  char auth[16];  /* "" or PLAIN / LOGIN */
  char cafile[256];
};

static int parse(const char *url, struct smtp_url *u, char *why, size_t nwhy)
{
  memset(u, 0, sizeof *u);
  bool smtps = !strncmp(url, "smtps://", 8);
  if (!smtps && strncmp(url, "smtp://", 7)) {
    snprintf(why, nwhy, "smtp-url must start with smtp:// or smtps://");
    return -1;
  }
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
      snprintf(why, nwhy, "smtp-url contains a space or control character");
      return -1;
    }
  const char *q = strchr(url, '?');
  size_t n = q ? (size_t)(q - url) : strlen(url);
  while (n > 0 && url[n - 1] == '/')
    n--;
  if (n >= sizeof u->base) {
    snprintf(why, nwhy, "smtp-url is too long");
    return -1;
  }
  memcpy(u->base, url, n);
  u->base[n] = 0;
  const char *host = strstr(u->base, "://") + 3;
  const char *at = strrchr(host, '@');
  if (!*(at ? at + 1 : host)) {
    snprintf(why, nwhy, "smtp-url has no host");
    return -1;
  }
  if (strchr(at ? at + 1 : host, '/')) {
    snprintf(why, nwhy, "smtp-url takes no path");
    return -1;
  }
  u->use_ssl = smtps ? CURLUSESSL_ALL : CURLUSESSL_TRY;
  while (q && *q) {
    q++;
    const char *end = strchr(q, '&');
    size_t len = end ? (size_t)(end - q) : strlen(q);
    char kv[300];
    if (len >= sizeof kv) {
      snprintf(why, nwhy, "smtp-url flag too long");
      return -1;
    }
    memcpy(kv, q, len);
    kv[len] = 0;
    char *eq = strchr(kv, '=');
    const char *val = eq ? eq + 1 : "";
    if (eq)
      *eq = 0;
    if (!strcmp(kv, "starttls")) {
      if (smtps) {
        snprintf(why, nwhy, "smtps:// is TLS already; starttls is for smtp://");
        return -1;
      }
      if (!strcmp(val, "required"))
        u->use_ssl = CURLUSESSL_ALL;
      else if (!strcmp(val, "try"))
        u->use_ssl = CURLUSESSL_TRY;
      else if (!strcmp(val, "off"))
        u->use_ssl = CURLUSESSL_NONE;
      else {
        snprintf(why, nwhy, "starttls must be required, try or off");
        return -1;
      }
    } else if (!strcmp(kv, "auth")) {
      if (strcasecmp(val, "PLAIN") && strcasecmp(val, "LOGIN")) {
        snprintf(why, nwhy, "auth must be PLAIN or LOGIN");
        return -1;
      }
      snprintf(u->auth, sizeof u->auth, "%s", !strcasecmp(val, "PLAIN") ? "PLAIN" : "LOGIN");
    } else if (!strcmp(kv, "cafile")) {
      if (strlen(val) >= sizeof u->cafile || !*val) {
        snprintf(why, nwhy, "cafile must be a path");
        return -1;
      }
      snprintf(u->cafile, sizeof u->cafile, "%s", val);
    } else {
      snprintf(why, nwhy, "unknown smtp-url flag '%s' (starttls, auth, cafile)", kv);
      return -1;
    }
    q = end;
  }
  return 0;
}

int smtp_url_check(const char *url, char *why, size_t nwhy)
{
  struct smtp_url u;
  return parse(url, &u, why, nwhy);
}

struct reader {
  const char *p;
  size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
  struct reader *r = arg;
  size_t n = size * nmemb;
  if (n > r->left)
    n = r->left;
  memcpy(dst, r->p, n);
  r->p += n;
  r->left -= n;
  return n;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

int smtp_send(const char *url, const char *from_addr, const char *to_addr, const char *data,
              size_t len, int timeout_seconds, struct smtp_result *r)
{
  memset(r, 0, sizeof *r);
  struct smtp_url u;
  if (parse(url, &u, r->error, sizeof r->error) < 0) {
    r->permanent = true;
    return -1;
  }
  pthread_once(&once, global_init);
  CURL *h = curl_easy_init();
  if (!h) {
    snprintf(r->error, sizeof r->error, "curl_easy_init failed");
    return -1;
  }
  char from[300], to[300], errbuf[CURL_ERROR_SIZE] = "";
  snprintf(from, sizeof from, "<%s>", from_addr);
  snprintf(to, sizeof to, "<%s>", to_addr);
  struct curl_slist *rcpt = curl_slist_append(NULL, to);
  struct reader rd = {data, len};
  curl_easy_setopt(h, CURLOPT_URL, u.base);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, u.use_ssl);
  if (u.auth[0]) {
    char opt[32];
    snprintf(opt, sizeof opt, "AUTH=%s", u.auth);
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, opt);
  }
  if (u.cafile[0])
    curl_easy_setopt(h, CURLOPT_CAINFO, u.cafile);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(h, CURLOPT_READDATA, &rd);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(timeout_seconds < 10 ? timeout_seconds : 10));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_seconds);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  r->code = (int)code;
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(h);
  if (rc == CURLE_OK)
    return 0;
  r->permanent = code >= 500 && code < 600;
  snprintf(r->error, sizeof r->error, "%s%s%s (SMTP %ld)", curl_easy_strerror(rc),
           errbuf[0] ? ": " : "", errbuf, code);
  return -1;
}
