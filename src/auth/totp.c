/* totp.c — RFC 6238 codes with liboath's HMAC, secrets from libsodium, the
 * otpauth URI and its QR code (libqrencode) drawn as one SVG path. */
#include "auth/totp.h"

#include "core/arena.h"
#include "core/buf.h"

#include <ctype.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_setup(void)
{
  oath_init();
}

/* RFC 4648 base32 alphabet, upper case, as authenticator apps expect. */
static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void totp_secret_new(char out[TOTP_SECRET_B32 + 1])
{
  unsigned char key[TOTP_SECRET_LEN];
  randombytes_buf(key, sizeof key);
  /* 20 bytes = 160 bits = exactly 32 groups of 5 bits: no padding */
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < sizeof key; i++) {
    acc = (acc << 8) | key[i];
    bits += 8;
    while (bits >= 5) {
      out[o++] = B32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  out[o] = 0;
  sodium_memzero(key, sizeof key);
}

/* Base32 (either case, '=' padding and spaces ignored) into key; the byte count or -1. */
static int b32_decode(const char *s, unsigned char *key, size_t cap)
{
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (; s && *s; s++) {
    if (*s == '=' || *s == ' ')
      continue;
    const char *p = strchr(B32, toupper((unsigned char)*s));
    if (!p || !*p)
      return -1;
    acc = (acc << 5) | (unsigned)(p - B32);
    bits += 5;
    if (bits >= 8) {
      if (o == cap)
        return -1;
      key[o++] = (unsigned char)((acc >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return o > 0 ? (int)o : -1;
}

int totp_code_raw(const void *key, size_t keylen, int64_t t, unsigned digits, enum totp_algo algo,
                  char *out)
{
  if (!key || !keylen || digits < 6 || digits > 8 || t < 0)
    return -1;
  pthread_once(&oath_once, oath_setup);
  int flags = algo == TOTP_SHA256   ? OATH_TOTP_HMAC_SHA256
              : algo == TOTP_SHA512 ? OATH_TOTP_HMAC_SHA512
                                    : 0;
  return oath_totp_generate2(key, keylen, (time_t)t, TOTP_STEP, 0, digits, flags, out) == OATH_OK
             ? 0
             : -1;
}

int totp_code(const char *b32, int64_t t, char out[TOTP_DIGITS + 1])
{
  unsigned char key[64];
  int n = b32_decode(b32, key, sizeof key);
  if (n < 0)
    return -1;
  int rc = totp_code_raw(key, (size_t)n, t, TOTP_DIGITS, TOTP_SHA1, out);
  sodium_memzero(key, sizeof key);
  return rc;
}

int totp_check(const char *b32, const char *code, int64_t now, int64_t *step)
{
  unsigned char key[64];
  int n = b32_decode(b32, key, sizeof key);
  if (n < 0)
    return -1;
  char digits[TOTP_DIGITS + 1];
  size_t nd = 0;
  for (const char *p = code ? code : ""; *p; p++) {
    if (*p == ' ' || *p == '-')
      continue;
    if (!isdigit((unsigned char)*p) || nd == TOTP_DIGITS) {
      nd = 0;
      break;
    }
    digits[nd++] = *p;
  }
  digits[nd] = 0;
  int found = 0;
  if (nd == TOTP_DIGITS) {
    /* every step of the window is computed and compared in constant time, so the
     * answer does not reveal which step (if any) matched */
    int64_t base = now / TOTP_STEP;
    for (int64_t s = base - TOTP_WINDOW; s <= base + TOTP_WINDOW; s++) {
      char want[TOTP_DIGITS + 1];
      if (s < 0 || totp_code_raw(key, (size_t)n, s * TOTP_STEP, TOTP_DIGITS, TOTP_SHA1, want) < 0)
        continue;
      if (sodium_memcmp(want, digits, TOTP_DIGITS) == 0 && !found) {
        found = 1;
        *step = s;
      }
    }
  }
  sodium_memzero(key, sizeof key);
  return found;
}

char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *b32)
{
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, "otpauth://totp/");
  buf_append_urlenc(&b, issuer, strlen(issuer));
  buf_putc(&b, ':');
  buf_append_urlenc(&b, account, strlen(account));
  buf_puts(&b, "?secret=");
  buf_puts(&b, b32);
  buf_puts(&b, "&issuer=");
  buf_append_urlenc(&b, issuer, strlen(issuer));
  buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP);
  return (char *)buf_cstr(&b);
}

char *totp_qr_svg(struct arena *a, const char *text)
{
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q)
    return NULL;
  const int quiet = 4, w = q->width, size = w + 2 * quiet;
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" class=\"qr\""
             " role=\"img\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\""
             " fill=\"#fff\"/><path fill=\"#000\" d=\"",
             size, size, size, size);
  /* one horizontal run of dark modules per path segment keeps the SVG small */
  for (int y = 0; y < w; y++) {
    for (int x = 0; x < w;) {
      if (!(q->data[y * w + x] & 1)) {
        x++;
        continue;
      }
      int run = 1;
      while (x + run < w && (q->data[y * w + x + run] & 1))
        run++;
      buf_printf(&b, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
      x += run;
    }
  }
  buf_puts(&b, "\"/></svg>");
  QRcode_free(q);
  return (char *)buf_cstr(&b);
}
