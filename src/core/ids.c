#include "core/ids.h"

#include <sodium.h>
#include <string.h>

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

int ids_init(void)
{
  return sodium_init() < 0 ? -1 : 0;
}

void id_new(char out[ID_LEN + 1])
{
  unsigned char r[10];
  randombytes_buf(r, sizeof r);
  /* 80 bits -> 16 groups of 5 bits */
  for (int i = 0; i < ID_LEN; i++) {
    int bit = i * 5;
    int byte = bit / 8, off = bit % 8;
    unsigned v = (unsigned)r[byte] << 8 | (byte + 1 < 10 ? r[byte + 1] : 0);
    out[i] = b32[(v >> (11 - off)) & 31];
  }
  out[ID_LEN] = 0;
}

bool id_valid(const char *s)
{
  if (!s || strlen(s) != ID_LEN)
    return false;
  for (int i = 0; i < ID_LEN; i++)
    if (!strchr(b32, s[i]) || !s[i])
      return false;
  return true;
}

void id_token(char *out, size_t outlen, size_t nbytes)
{
  unsigned char r[64];
  if (nbytes > sizeof r)
    nbytes = sizeof r;
  randombytes_buf(r, nbytes);
  sodium_bin2base64(out, outlen, r, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(r, sizeof r);
}

void id_sha256_hex(const char *s, size_t n, char out[65])
{
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)s, n);
  sodium_bin2hex(out, 65, h, sizeof h);
}
