/* ids.h — unguessable public identifiers and secret tokens (libsodium randomness).
 *
 * Public ids: 16 characters of lower-case Crockford base32 (80 random bits),
 * used in URLs instead of row ids. Tokens: base64url of n random bytes. */
#ifndef CC24_CORE_IDS_H
#define CC24_CORE_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define ID_LEN 16

/* Write a new public id (ID_LEN chars + NUL) into out. ids_init must have run. */
void id_new(char out[ID_LEN + 1]);

/* True when s has the shape of a public id. */
bool id_valid(const char *s);

/* Write a base64url token of nbytes random bytes into out (size >= 4*nbytes/3 + 2). */
void id_token(char *out, size_t outlen, size_t nbytes);

/* Hex SHA-256 of s (65 bytes with NUL) — how secrets are stored. */
void id_sha256_hex(const char *s, size_t n, char out[65]);

/* Initialise libsodium; returns 0 or -1. Safe to call more than once. */
int ids_init(void);

#endif
