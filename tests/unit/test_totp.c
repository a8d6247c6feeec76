/* TOTP (RFC 6238): the reference test vectors of the RFC's appendix B for all
 * three HMACs, base32 secrets, the ±1 step window, the otpauth URI and the QR SVG. */
#include "auth/totp.h"
#include "core/arena.h"
#include "core/ids.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* RFC 6238, Appendix B: keys are the ASCII digits "1234567890" repeated to 20, 32
 * and 64 bytes; 8-digit codes. */
static const struct {
  int64_t t;
  const char *sha1, *sha256, *sha512;
} vectors[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

Test(totp, rfc6238_vectors)
{
  const char *k20 = "12345678901234567890";
  const char *k32 = "12345678901234567890123456789012";
  const char *k64 = "1234567890123456789012345678901234567890123456789012345678901234";
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    char out[9];
    cr_assert_eq(totp_code_raw(k20, 20, vectors[i].t, 8, TOTP_SHA1, out), 0);
    cr_expect_str_eq(out, vectors[i].sha1, "SHA1 at %lld", (long long)vectors[i].t);
    cr_assert_eq(totp_code_raw(k32, 32, vectors[i].t, 8, TOTP_SHA256, out), 0);
    cr_expect_str_eq(out, vectors[i].sha256, "SHA256 at %lld", (long long)vectors[i].t);
    cr_assert_eq(totp_code_raw(k64, 64, vectors[i].t, 8, TOTP_SHA512, out), 0);
    cr_expect_str_eq(out, vectors[i].sha512, "SHA512 at %lld", (long long)vectors[i].t);
  }
  char out[9];
  cr_expect_eq(totp_code_raw(k20, 20, 59, 5, TOTP_SHA1, out), -1, "too few digits");
  cr_expect_eq(totp_code_raw(k20, 0, 59, 6, TOTP_SHA1, out), -1, "no key");
}

Test(totp, base32_secrets_and_six_digit_codes)
{
  cr_assert_eq(ids_init(), 0);
  /* "12345678901234567890" in base32 is GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ */
  char code[7];
  cr_assert_eq(totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, code), 0);
  cr_expect_str_eq(code, "287082", "the 6-digit truncation of the SHA1 vector");
  cr_assert_eq(totp_code("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59, code), 0, "either case");
  cr_expect_str_eq(code, "287082");
  cr_expect_eq(totp_code("not base32!", 59, code), -1);
  char s1[TOTP_SECRET_B32 + 1], s2[TOTP_SECRET_B32 + 1];
  totp_secret_new(s1);
  totp_secret_new(s2);
  cr_assert_eq(strlen(s1), TOTP_SECRET_B32);
  cr_expect_str_neq(s1, s2, "secrets are random");
  cr_expect_eq(strspn(s1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), TOTP_SECRET_B32);
}

Test(totp, window_is_one_step_either_side)
{
  const char *s = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  int64_t now = 1700000000; /* step 56666666 */
  char code[7];
  int64_t step = 0;
  for (int d = -3; d <= 3; d++) {
    cr_assert_eq(totp_code(s, now + d * TOTP_STEP, code), 0);
    int rc = totp_check(s, code, now, &step);
    if (d >= -1 && d <= 1) {
      cr_expect_eq(rc, 1, "step %+d accepted", d);
      cr_expect_eq(step, now / TOTP_STEP + d, "the matching step is reported");
    } else {
      cr_expect_eq(rc, 0, "step %+d refused", d);
    }
  }
  cr_assert_eq(totp_code(s, now, code), 0);
  char spaced[16];
  snprintf(spaced, sizeof spaced, "%.3s %.3s", code, code + 3);
  cr_expect_eq(totp_check(s, spaced, now, &step), 1, "\"123 456\" as apps show it");
  cr_expect_eq(totp_check(s, "", now, &step), 0);
  cr_expect_eq(totp_check(s, "12345", now, &step), 0);
  cr_expect_eq(totp_check(s, "1234567", now, &step), 0);
  cr_expect_eq(totp_check(s, "12a456", now, &step), 0);
  cr_expect_eq(totp_check(s, "' OR 1=1 --", now, &step), 0);
  cr_expect_eq(totp_check(s, NULL, now, &step), 0);
  cr_expect_eq(totp_check("", code, now, &step), -1, "no secret");
}

Test(totp, otpauth_uri_and_qr_svg)
{
  struct arena *a = arena_new(0);
  const char *uri = totp_uri(a, "cc24", "max@autohaus-berger.de", "ABCDEFGHIJKLMNOP");
  cr_expect_str_eq(uri, "otpauth://totp/cc24:max%40autohaus-berger.de?secret=ABCDEFGHIJKLMNOP"
                        "&issuer=cc24&algorithm=SHA1&digits=6&period=30");
  const char *odd = totp_uri(a, "cc24", "a&b=c <x>@d.de", "AAAA");
  cr_expect(strstr(odd, "a%26b%3Dc%20%3Cx%3E%40d.de") != NULL, "%s", odd);
  char *svg = totp_qr_svg(a, uri);
  cr_assert_not_null(svg);
  cr_expect(strncmp(svg, "<svg ", 5) == 0);
  cr_expect(strstr(svg, "</svg>") != NULL);
  cr_expect(strstr(svg, "style") == NULL, "no inline styles (CSP)");
  cr_expect(strstr(svg, "<path fill=\"#000\" d=\"M") != NULL, "dark modules drawn");
  /* a version with this much data is at least 33 modules + 8 of quiet zone */
  int size = 0;
  cr_assert_eq(sscanf(strstr(svg, "viewBox=\"0 0 ") + 13, "%d", &size), 1);
  cr_expect_geq(size, 41);
  arena_free(a);
}
