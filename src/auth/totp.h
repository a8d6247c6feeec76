/* totp.h — time-based one-time passwords (RFC 6238 over HOTP, RFC 4226) for the
 * optional second login step: secrets, codes, checking with a ±1 step window,
 * the otpauth:// URI authenticator apps read, and that URI as a QR code in SVG.
 *
 * The HMAC and the truncation are liboath's (no hand-rolled SHA-1); secrets come
 * from libsodium's randombytes. Codes are 6 digits, 30-second steps, SHA-1 — the
 * parameters every authenticator app understands. Strings returned in an arena
 * live as long as it does. */
#ifndef CC24_AUTH_TOTP_H
#define CC24_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define TOTP_STEP       30
#define TOTP_DIGITS     6
#define TOTP_SECRET_LEN 20 /* bytes of key (160 bits, RFC 4226's recommendation) */
#define TOTP_SECRET_B32 32 /* base32 characters for TOTP_SECRET_LEN bytes */
#define TOTP_WINDOW     1  /* steps accepted before and after the current one */

/* HMAC of the RFC 6238 reference implementation. */
enum totp_algo { TOTP_SHA1 = 0, TOTP_SHA256 = 1, TOTP_SHA512 = 2 };

/* A new random secret as upper-case base32 without padding (TOTP_SECRET_B32 chars + NUL). */
void totp_secret_new(char out[TOTP_SECRET_B32 + 1]);

/* The code for raw key bytes at Unix time t: `digits` (6..8) decimal digits + NUL in out
 * (size >= 9). 0, or -1 on bad arguments. */
int totp_code_raw(const void *key, size_t keylen, int64_t t, unsigned digits, enum totp_algo algo,
                  char *out);

/* The 6-digit SHA-1 code of a base32 secret at time t. 0 or -1 (bad secret). */
int totp_code(const char *b32, int64_t t, char out[TOTP_DIGITS + 1]);

/* Check a presented code (spaces ignored) against the secret at time `now`, within
 * ±TOTP_WINDOW steps. 1 and *step = the matching step (t / 30) when it matches, 0 when
 * not, -1 for a malformed secret. Replay protection is the caller's: accept a step only
 * if it is later than the last one used (see auth_totp_accept). */
int totp_check(const char *b32, const char *code, int64_t now, int64_t *step);

/* "otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER&algorithm=SHA1&digits=6&period=30"
 * with issuer and account percent-encoded; in the arena. */
char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *b32);

/* The text as a QR code (error correction M): an <svg> element with one <path> of
 * dark modules and a 4-module quiet zone, scalable, no inline styles. NULL when the
 * text does not fit a QR code. In the arena. */
char *totp_qr_svg(struct arena *a, const char *text);

#endif
