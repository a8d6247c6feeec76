/* Unit tests for src/core/ids: the shape and randomness of public ids, what
 * id_valid accepts, token length and alphabet, and SHA-256 against the FIPS 180-2
 * test vectors (how secrets are stored). */
#include "core/ids.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ALPHABET "0123456789abcdefghjkmnpqrstvwxyz" /* Crockford base32, lower case */

static void setup(void)
{
  cr_assert_eq(ids_init(), 0);
  cr_assert_eq(ids_init(), 0, "safe to call twice");
}

static int cmp_id(const void *x, const void *y)
{
  return strcmp(x, y);
}

Test(ids, new_ids_have_the_shape_and_are_distinct, .init = setup)
{
  enum { N = 4000 };
  static char ids[N][ID_LEN + 1];
  int seen[ID_LEN][32];
  memset(seen, 0, sizeof seen);
  for (int i = 0; i < N; i++) {
    memset(ids[i], '#', sizeof ids[i]);
    id_new(ids[i]);
    cr_assert_eq(ids[i][ID_LEN], '\0', "terminated");
    cr_assert_eq(strlen(ids[i]), ID_LEN);
    cr_assert(id_valid(ids[i]), "%s", ids[i]);
    for (int k = 0; k < ID_LEN; k++) {
      const char *p = strchr(ALPHABET, ids[i][k]);
      cr_assert_not_null(p, "%s", ids[i]);
      seen[k][p - ALPHABET]++;
    }
  }
  qsort(ids, N, sizeof ids[0], cmp_id);
  for (int i = 1; i < N; i++)
    cr_assert_str_neq(ids[i - 1], ids[i], "80 random bits do not repeat in %d draws", N);
  /* all 80 bits are random: every position takes every symbol (N/32 = 125 expected;
   * a position stuck on a few values, e.g. the last one, would show up here) */
  for (int k = 0; k < ID_LEN; k++)
    for (int s = 0; s < 32; s++)
      cr_assert(seen[k][s] > 50 && seen[k][s] < 250, "position %d symbol %c: %d", k, ALPHABET[s],
                seen[k][s]);
}

Test(ids, validation)
{
  static const struct {
    const char *s;
    bool ok;
  } cases[] = {
      {"0123456789abcdef", true},
      {"ghjkmnpqrstvwxyz", true},
      {"0000000000000000", true},
      {"zzzzzzzzzzzzzzzz", true},
      {NULL, false},
      {"", false},
      {"0123456789abcde", false},   /* 15 */
      {"0123456789abcdefg", false}, /* 17 */
      {"0123456789ABCDEF", false},  /* upper case */
      {"0123456789abcdei", false},  /* i, l, o, u are not in the alphabet */
      {"0123456789abcdel", false},
      {"0123456789abcdeo", false},
      {"0123456789abcdeu", false},
      {"0123456789abcde-", false},
      {"0123456789abcde ", false},
      {"../../etc/passwd", false},
      {"0123456789abcd\xC3\xA9", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_assert_eq(id_valid(cases[i].s), cases[i].ok, "\"%s\"", cases[i].s ? cases[i].s : "(null)");
  char nul[ID_LEN + 1] = "0123456789abcdef";
  nul[7] = '\0';
  cr_assert_not(id_valid(nul));
}

static bool token_alphabet(const char *t)
{
  for (; *t; t++)
    if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
          *t == '-' || *t == '_'))
      return false;
  return true;
}

Test(ids, tokens_length_and_alphabet, .init = setup)
{
  static const struct {
    size_t bytes, chars;
  } cases[] = {{1, 2}, {2, 3}, {3, 4}, {16, 22}, {24, 32}, {32, 43}, {48, 64}, {64, 86}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char t[128];
    id_token(t, sizeof t, cases[i].bytes);
    cr_assert_eq(strlen(t), cases[i].chars, "%zu bytes", cases[i].bytes);
    cr_assert(token_alphabet(t), "base64url without padding: %s", t);
    cr_assert_null(strchr(t, '='));
  }
  /* more than 64 bytes are capped at 64 */
  char big[200];
  id_token(big, sizeof big, 100);
  cr_assert_eq(strlen(big), 86);
  /* tokens do not repeat and use the whole alphabet */
  bool used[128] = {false};
  char prev[64] = "";
  for (int i = 0; i < 500; i++) {
    char t[64];
    id_token(t, sizeof t, 32);
    cr_assert_str_neq(t, prev);
    for (const char *p = t; *p; p++)
      used[(unsigned char)*p] = true;
    memcpy(prev, t, sizeof t);
  }
  int distinct = 0;
  for (int c = 0; c < 128; c++)
    distinct += used[c];
  cr_assert_eq(distinct, 64, "all 64 symbols appear in 500 tokens");
}

Test(ids, sha256_known_vectors, .init = setup)
{
  static const struct {
    const char *in;
    const char *hex;
  } v[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"The quick brown fox jumps over the lazy dog",
       "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char h[65];
    memset(h, '#', sizeof h);
    id_sha256_hex(v[i].in, strlen(v[i].in), h);
    cr_assert_str_eq(h, v[i].hex, "\"%s\"", v[i].in);
  }
  /* one million times 'a' */
  char *m = malloc(1000000);
  cr_assert_not_null(m);
  memset(m, 'a', 1000000);
  char h[65];
  id_sha256_hex(m, 1000000, h);
  free(m);
  cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(ids, sha256_hashes_exactly_n_bytes, .init = setup)
{
  char a[65], b[65], c[65];
  id_sha256_hex("abcdef", 3, a);
  cr_assert_str_eq(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                   "only the first n bytes");
  id_sha256_hex("a\0b", 3, b);
  id_sha256_hex("a", 1, c);
  cr_assert_str_neq(b, c, "an embedded NUL is hashed, not a terminator");
  cr_assert_eq(strlen(b), 64);
  for (int i = 0; i < 64; i++)
    cr_assert(strchr("0123456789abcdef", b[i]), "lower-case hex");
}
