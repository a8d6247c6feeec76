/* test_media_store.c — the media store, one source for both backends.
 *
 * The store under test comes from CC24_TEST_MEDIA_STORE (an s3:// URL: the harness's
 * s3rver, scripts/s3-test.sh); unset, a fresh file: store in a temp directory. Every test
 * works under its own random key prefix, so runs on a shared bucket do not meet.
 * The S3 client's retry and error logic is also tested without any S3 server, against a
 * scripted in-process HTTP server and a port nobody listens on (these run on both). */
#include "core/arena.h"
#include "core/err.h"
#include "media/store.h"
#include "media/store_internal.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------ */
/* Fixture                                                                                */
/* ------------------------------------------------------------------------------------ */

static char tmpdir[256]; /* scratch files of the test (and the file: store's root) */
static char store_url[1024];
static char prefix[40]; /* "t<hex>/" */

static const char *s3_url(void)
{
  const char *u = getenv("CC24_TEST_MEDIA_STORE");
  return u && *u ? u : NULL;
}

static bool is_s3(void)
{
  return s3_url() != NULL;
}

static void setup(void)
{
  cr_assert_geq(sodium_init(), 0);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/cc24-media-test-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  if (is_s3())
    snprintf(store_url, sizeof store_url, "%s", s3_url());
  else
    snprintf(store_url, sizeof store_url, "file:%s/store", tmpdir);
  unsigned char r[8];
  randombytes_buf(r, sizeof r);
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, r, sizeof r);
  snprintf(prefix, sizeof prefix, "t%s/", hex);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void teardown(void)
{
  if (tmpdir[0])
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(media, .init = setup, .fini = teardown, .timeout = 240);

static struct media_store *open_store(void)
{
  struct err e = {0};
  struct media_store *s = media_store_open(store_url, &e);
  cr_assert_not_null(s, "open %s: %s", store_url, e.msg);
  cr_assert_str_eq(media_store_kind(s), is_s3() ? "s3" : "file");
  return s;
}

/* prefix + name, in a ring of buffers per thread (the put threads call it too) */
static const char *K(const char *name)
{
  static _Thread_local char ring[8][600];
  static _Thread_local int i;
  char *k = ring[i++ % 8];
  snprintf(k, sizeof ring[0], "%s%s", prefix, name);
  return k;
}

static unsigned char *random_bytes(size_t n)
{
  unsigned char *p = malloc(n ? n : 1);
  cr_assert_not_null(p);
  randombytes_buf(p, n);
  return p;
}

static char *scratch(const char *name)
{
  static _Thread_local char ring[8][512];
  static _Thread_local int i;
  char *p = ring[i++ % 8];
  snprintf(p, sizeof ring[0], "%s/%s", tmpdir, name);
  return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  if (n)
    cr_assert_eq(fwrite(data, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

static unsigned char *read_file(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc((size_t)len + 1);
  cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return p;
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
  unsigned char h[32];
  crypto_hash_sha256(h, data, n);
  sodium_bin2hex(out, 65, h, 32);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Collects a listing. */
struct seen {
  char keys[2000][MEDIA_STORE_KEY_MAX + 1];
  int64_t sizes[2000];
  int64_t mtimes[2000];
  int n;
  int stop_after; /* 0: never */
};

static int collect(const char *key, int64_t size, int64_t mtime, void *arg)
{
  struct seen *s = arg;
  if (s->n < 2000) {
    snprintf(s->keys[s->n], sizeof s->keys[0], "%s", key);
    s->sizes[s->n] = size;
    s->mtimes[s->n] = mtime;
  }
  s->n++;
  return s->stop_after && s->n >= s->stop_after ? 1 : 0;
}

static int find_seen(const struct seen *s, const char *key)
{
  for (int i = 0; i < s->n && i < 2000; i++)
    if (strcmp(s->keys[i], key) == 0)
      return i;
  return -1;
}

/* ------------------------------------------------------------------------------------ */
/* Keys                                                                                   */
/* ------------------------------------------------------------------------------------ */

Test(media, key_rules)
{
  const char *good[] = {"a",
                        "a/b",
                        "orig/ab/cd/0123456789abcdef",
                        "abcdefghijklmnopqrstuvwxyz",
                        "0123456789",
                        "x._-y",
                        "...",
                        ".hidden/..x",
                        "a-/_b",
                        "-"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    cr_expect(media_store_key_ok(good[i]), "%s should be a key", good[i]);
  const char *bad[] = {"",    "../x", "/abs",  "a//b",   "A",    "a/B", "a/",
                       ".",   "..",   "a/./b", "a/../b", "a/..", "./a", "ä",
                       "a b", "a\n",  "a\\b",  "a:b",    "a~b",  "a?b", "a%2fb"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect_not(media_store_key_ok(bad[i]), "\"%s\" is not a key", bad[i]);
  cr_expect_not(media_store_key_ok(NULL));
  /* a NUL ends a C string: "\0abc" is the empty key */
  cr_expect_not(media_store_key_ok("\0abc"));

  char k[600];
  /* 512 bytes in segments of 100: fine; 513: refused; a segment of 201: refused */
  memset(k, 'a', 512);
  k[512] = 0;
  for (int i = 100; i < 512; i += 101)
    k[i] = '/';
  cr_expect(media_store_key_ok(k));
  cr_expect_eq(strlen(k), 512);
  k[512] = 'b';
  k[513] = 0;
  cr_expect_not(media_store_key_ok(k), "513 bytes");
  memset(k, 'a', 201);
  k[201] = 0;
  cr_expect_not(media_store_key_ok(k), "a segment of 201 bytes");
  k[200] = 0;
  cr_expect(media_store_key_ok(k), "a segment of 200 bytes");
}

Test(media, bad_keys_are_refused_by_every_call_without_touching_the_store)
{
  struct media_store *s = open_store();
  struct arena *a = arena_new(0);
  char long_key[600];
  memset(long_key, 'a', 513);
  long_key[513] = 0;
  const char *bad[] = {"../x", "/abs", "a//b", "Upper", "", "a/../../escape", long_key};
  const char *src = scratch("src");
  write_file(src, "x", 1);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct err e = {0};
    cr_expect_eq(media_store_put_mem(s, bad[i], "x", 1, NULL, &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST, "put_mem %s: %s", bad[i], e.msg);
    cr_expect_str_eq(e.field, "key");
    e = (struct err){0};
    cr_expect_eq(media_store_put_file(s, bad[i], src, NULL, NULL, &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
    e = (struct err){0};
    cr_expect_eq(media_store_get_file(s, bad[i], scratch("dst"), &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
    e = (struct err){0};
    void *d;
    size_t n;
    cr_expect_eq(media_store_get_mem(s, a, bad[i], 100, &d, &n, &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
    e = (struct err){0};
    cr_expect_eq(media_store_stat(s, bad[i], NULL, &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
    e = (struct err){0};
    cr_expect_eq(media_store_delete(s, bad[i], &e), -1);
    cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
    cr_expect_null(media_store_local_path(s, a, bad[i]));
  }
  /* nothing appeared outside (or inside) the store's directory */
  struct stat st;
  cr_expect_neq(stat(scratch("x"), &st), 0, "../x did not escape the store");
  cr_expect_neq(stat(scratch("escape"), &st), 0);
  cr_expect_neq(stat(scratch("dst"), &st), 0, "get_file with a bad key wrote nothing");
  struct err e = {0};
  cr_expect_eq(media_store_list(s, "Up", collect, NULL, &e), -1);
  cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
  cr_expect_eq(media_store_put_file(s, K("k"), src, NULL, "ABC", &e), -1,
               "a bad sha256 is refused");
  cr_expect_eq(e.code, CC24_E_BAD_REQUEST);
  arena_free(a);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* Round trips                                                                            */
/* ------------------------------------------------------------------------------------ */

static void round_trip(struct media_store *s, const char *key, const unsigned char *data, size_t n,
                       bool via_file)
{
  struct err e = {0};
  int64_t t0 = (int64_t)time(NULL);
  if (via_file) {
    const char *src = scratch("upload");
    write_file(src, data, n);
    char h[65];
    sha256_hex(data, n, h);
    cr_assert_eq(media_store_put_file(s, key, src, "image/jpeg", h, &e), 0, "put_file %s: %s", key,
                 e.msg);
  } else {
    cr_assert_eq(media_store_put_mem(s, key, data, n, "application/octet-stream", &e), 0,
                 "put_mem %s: %s", key, e.msg);
  }
  int64_t size = -1;
  cr_assert_eq(media_store_stat(s, key, &size, &e), 1, "stat %s: %s", key, e.msg);
  cr_expect_eq(size, (int64_t)n);

  struct arena *a = arena_new(0);
  void *d = NULL;
  size_t got = 99;
  cr_assert_eq(media_store_get_mem(s, a, key, n, &d, &got, &e), 0, "get_mem %s: %s", key, e.msg);
  cr_assert_eq(got, n);
  cr_expect(n == 0 || memcmp(d, data, n) == 0, "get_mem gives the bytes back");
  cr_expect_eq(((char *)d)[n], 0, "NUL after the bytes");

  const char *dst = scratch("download");
  cr_assert_eq(media_store_get_file(s, key, dst, &e), 0, "get_file %s: %s", key, e.msg);
  size_t fn;
  unsigned char *fd = read_file(dst, &fn);
  cr_expect_eq(fn, n);
  cr_expect(n == 0 || memcmp(fd, data, n) == 0, "get_file gives the bytes back");
  free(fd);
  unlink(dst);

  struct seen *seen = calloc(1, sizeof *seen);
  cr_assert_eq(media_store_list(s, key, collect, seen, &e), 0, "%s", e.msg);
  int i = find_seen(seen, key);
  cr_assert_geq(i, 0, "list shows %s", key);
  cr_expect_eq(seen->sizes[i], (int64_t)n);
  cr_expect(seen->mtimes[i] >= t0 - 5 && seen->mtimes[i] <= (int64_t)time(NULL) + 5,
            "mtime %lld is now (%lld)", (long long)seen->mtimes[i], (long long)t0);
  free(seen);

  cr_assert_eq(media_store_delete(s, key, &e), 0, "%s", e.msg);
  cr_expect_eq(media_store_stat(s, key, &size, &e), 0, "gone after delete");
  e = (struct err){0};
  cr_expect_eq(media_store_get_mem(s, a, key, n + 1, &d, &got, &e), -1);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND, "%s", e.msg);
  cr_expect_eq(media_store_delete(s, key, &e), 0, "deleting a missing key is success");
  arena_free(a);
}

Test(media, round_trips_empty_one_byte_and_5_mb)
{
  struct media_store *s = open_store();
  unsigned char one = 0x5a;
  unsigned char *big = random_bytes(5 * 1024 * 1024);
  for (int via_file = 0; via_file <= 1; via_file++) {
    round_trip(s, K(via_file ? "f/empty" : "m/empty"), (const unsigned char *)"", 0, via_file);
    round_trip(s, K(via_file ? "f/one" : "m/one"), &one, 1, via_file);
    round_trip(s, K(via_file ? "f/big.jpg" : "m/big.jpg"), big, 5 * 1024 * 1024, via_file);
  }
  free(big);
  media_store_close(s);
}

Test(media, keys_with_every_allowed_character)
{
  struct media_store *s = open_store();
  const char *names[] = {"abcdefghijklmnopqrstuvwxyz/0123456789/._-", "-._/_.-/x.y_z-0",
                         "...hidden/..also/name.", "orig/ab/cd/abcd0123.jpg"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    const char *k = K(names[i]);
    cr_assert(media_store_key_ok(k), "%s", k);
    round_trip(s, k, (const unsigned char *)names[i], strlen(names[i]), i % 2);
  }
  /* the longest key: 512 bytes */
  char k[513];
  size_t p = strlen(prefix);
  memcpy(k, prefix, p);
  for (size_t i = p; i < 512; i++)
    k[i] = (i - p) % 101 == 100 ? '/' : (char)('a' + i % 26);
  k[512] = 0;
  cr_assert(media_store_key_ok(k), "%s", k);
  round_trip(s, k, (const unsigned char *)"long", 4, false);
  media_store_close(s);
}

Test(media, missing_keys)
{
  struct media_store *s = open_store();
  struct arena *a = arena_new(0);
  struct err e = {0};
  int64_t size = 7;
  cr_expect_eq(media_store_stat(s, K("nope"), &size, &e), 0);
  cr_expect_eq(size, 7, "size untouched");
  void *d;
  size_t n;
  cr_expect_eq(media_store_get_mem(s, a, K("nope"), 100, &d, &n, &e), -1);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND, "%s", e.msg);
  e = (struct err){0};
  const char *dst = scratch("dest");
  cr_expect_eq(media_store_get_file(s, K("nope/deeper"), dst, &e), -1);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND, "%s", e.msg);
  struct stat st;
  cr_expect_neq(stat(dst, &st), 0, "no destination file");
  /* nor a temporary one left beside it */
  int leftovers = 0;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '^dest' || true", tmpdir);
  FILE *f = popen(cmd, "r");
  cr_assert_not_null(f);
  cr_assert_eq(fscanf(f, "%d", &leftovers), 1);
  pclose(f);
  cr_expect_eq(leftovers, 0, "no dest.tmp-* left");
  cr_expect_eq(media_store_delete(s, K("nope"), &e), 0);
  struct seen *seen = calloc(1, sizeof *seen);
  cr_expect_eq(media_store_list(s, K("nothing/"), collect, seen, &e), 0);
  cr_expect_eq(seen->n, 0);
  free(seen);
  arena_free(a);
  media_store_close(s);
}

Test(media, get_mem_limit)
{
  struct media_store *s = open_store();
  struct arena *a = arena_new(0);
  struct err e = {0};
  unsigned char *data = random_bytes(100000);
  cr_assert_eq(media_store_put_mem(s, K("limit"), data, 100000, NULL, &e), 0, "%s", e.msg);
  void *d = NULL;
  size_t n = 0;
  cr_expect_eq(media_store_get_mem(s, a, K("limit"), 99999, &d, &n, &e), -1);
  cr_expect_eq(e.code, CC24_E_BODY_TOO_LARGE, "%s", e.msg);
  cr_expect_null(d);
  cr_expect_eq(media_store_get_mem(s, a, K("limit"), 0, &d, &n, &e), -1);
  cr_expect_eq(e.code, CC24_E_BODY_TOO_LARGE, "%s", e.msg);
  cr_assert_eq(media_store_get_mem(s, a, K("limit"), 100000, &d, &n, &e), 0, "%s", e.msg);
  cr_expect_eq(n, 100000);
  cr_expect_eq(memcmp(d, data, n), 0);
  cr_assert_eq(media_store_put_mem(s, K("zero"), "", 0, NULL, &e), 0, "%s", e.msg);
  cr_expect_eq(media_store_get_mem(s, a, K("zero"), 0, &d, &n, &e), 0, "an empty object fits 0");
  cr_expect_eq(n, 0);
  free(data);
  arena_free(a);
  media_store_close(s);
}

Test(media, overwrite_same_and_other_bytes)
{
  struct media_store *s = open_store();
  struct arena *a = arena_new(0);
  struct err e = {0};
  unsigned char *data = random_bytes(300000);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(media_store_put_mem(s, K("same"), data, 300000, NULL, &e), 0, "%s", e.msg);
  void *d;
  size_t n;
  cr_assert_eq(media_store_get_mem(s, a, K("same"), 1 << 20, &d, &n, &e), 0, "%s", e.msg);
  cr_expect_eq(n, 300000);
  cr_expect_eq(memcmp(d, data, n), 0);
  /* a variant re-rendered: other (shorter) bytes replace it whole */
  cr_assert_eq(media_store_put_mem(s, K("same"), "short", 5, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(media_store_get_mem(s, a, K("same"), 1 << 20, &d, &n, &e), 0, "%s", e.msg);
  cr_expect_eq(n, 5);
  cr_expect_eq(memcmp(d, "short", 5), 0);
  struct seen *seen = calloc(1, sizeof *seen);
  cr_assert_eq(media_store_list(s, prefix, collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 1, "one object, no temporary files listed (%d)", seen->n);
  free(seen);
  free(data);
  arena_free(a);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* Concurrency                                                                            */
/* ------------------------------------------------------------------------------------ */

#define ATOM_SIZE (12 * 1024 * 1024)

struct atom {
  struct media_store *s;
  const char *key;
  unsigned char *a, *b; /* two versions, same size */
  const char *src_a, *src_b;
  atomic_bool done;
  int gets, misses, seen_a, seen_b, torn, stats, bad_sizes, errors;
  char last_err[300];
};

static void *atom_writer(void *arg)
{
  struct atom *t = arg;
  struct err e = {0};
  for (int i = 0; i < 8; i++)
    if (media_store_put_file(t->s, t->key, i % 2 ? t->src_b : t->src_a, NULL, NULL, &e) < 0)
      t->errors++, snprintf(t->last_err, sizeof t->last_err, "put: %s", e.msg);
  atomic_store(&t->done, true);
  return NULL;
}

static void *atom_reader(void *arg)
{
  struct atom *t = arg;
  struct arena *a = arena_new(0);
  while (!atomic_load(&t->done) || t->gets < 3) {
    struct err e = {0};
    int64_t size = -1;
    int r = media_store_stat(t->s, t->key, &size, &e);
    t->stats++;
    if (r == 1 && size != ATOM_SIZE)
      t->bad_sizes++;
    if (r < 0)
      t->errors++, snprintf(t->last_err, sizeof t->last_err, "stat: %s", e.msg);
    void *d;
    size_t n;
    e = (struct err){0};
    if (media_store_get_mem(t->s, a, t->key, 2 * ATOM_SIZE, &d, &n, &e) == 0) {
      t->gets++;
      if (n == ATOM_SIZE && memcmp(d, t->a, n) == 0)
        t->seen_a++;
      else if (n == ATOM_SIZE && memcmp(d, t->b, n) == 0)
        t->seen_b++;
      else
        t->torn++;
    } else if (e.code == CC24_E_NOT_FOUND) {
      t->misses++;
    } else {
      t->errors++, snprintf(t->last_err, sizeof t->last_err, "get: %s", e.msg);
    }
    arena_free(a);
    a = arena_new(0);
  }
  arena_free(a);
  return NULL;
}

Test(media, a_reader_never_sees_a_partial_object)
{
  struct atom t = {.s = open_store(), .key = K("atomic/photo.jpg")};
  t.a = random_bytes(ATOM_SIZE);
  t.b = random_bytes(ATOM_SIZE);
  t.src_a = scratch("atom-a");
  t.src_b = scratch("atom-b");
  write_file(t.src_a, t.a, ATOM_SIZE);
  write_file(t.src_b, t.b, ATOM_SIZE);
  pthread_t w, r;
  pthread_create(&r, NULL, atom_reader, &t);
  pthread_create(&w, NULL, atom_writer, &t);
  pthread_join(w, NULL);
  pthread_join(r, NULL);
  fprintf(
      stderr,
      "FIGURE atomicity (%s): %d stats, %d gets: %d missing, %d version A, %d version B, %d torn\n",
      media_store_kind(t.s), t.stats, t.gets + t.misses, t.misses, t.seen_a, t.seen_b, t.torn);
  cr_expect_eq(t.errors, 0, "%s", t.last_err);
  cr_expect_eq(t.torn, 0, "no get returned a mix or a part");
  cr_expect_eq(t.bad_sizes, 0, "no stat saw a partial size");
  cr_expect_geq(t.gets, 3);
  free(t.a);
  free(t.b);
  media_store_close(t.s);
}

struct same_key {
  struct media_store *s;
  const char *key;
  const char *src;
  int rc;
  char msg[256];
};

static void *put_same(void *arg)
{
  struct same_key *p = arg;
  struct err e = {0};
  for (int i = 0; i < 3 && p->rc == 0; i++) {
    p->rc = media_store_put_file(p->s, p->key, p->src, "image/jpeg", NULL, &e);
    if (p->rc)
      snprintf(p->msg, sizeof p->msg, "%s", e.msg);
  }
  return NULL;
}

Test(media, concurrent_puts_of_the_same_key)
{
  struct media_store *s = open_store();
  unsigned char *data = random_bytes(3 * 1024 * 1024);
  const char *src = scratch("same");
  write_file(src, data, 3 * 1024 * 1024);
  struct same_key p[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    p[i] = (struct same_key){.s = s, .key = K("ab/cd/same.jpg"), .src = src};
    pthread_create(&th[i], NULL, put_same, &p[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    cr_expect_eq(p[i].rc, 0, "thread %d: %s", i, p[i].msg);
  }
  struct arena *a = arena_new(0);
  struct err e = {0};
  void *d;
  size_t n;
  cr_assert_eq(media_store_get_mem(s, a, K("ab/cd/same.jpg"), 1 << 23, &d, &n, &e), 0, "%s", e.msg);
  cr_expect_eq(n, 3 * 1024 * 1024);
  cr_expect_eq(memcmp(d, data, n), 0);
  struct seen *seen = calloc(1, sizeof *seen);
  cr_assert_eq(media_store_list(s, prefix, collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 1, "one object and no temporary leftovers listed");
  free(seen);
  if (!is_s3()) {
    /* on disk too: the directory holds exactly the object */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s/store/%sab/cd' | wc -l", tmpdir, prefix);
    FILE *f = popen(cmd, "r");
    int files = -1;
    cr_assert_eq(fscanf(f, "%d", &files), 1);
    pclose(f);
    cr_expect_eq(files, 1, "no temporary files left in the directory");
  }
  free(data);
  arena_free(a);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* Listing                                                                                */
/* ------------------------------------------------------------------------------------ */

struct put_range {
  struct media_store *s;
  int from, to;
  int errors;
};

static void *put_range(void *arg)
{
  struct put_range *p = arg;
  for (int i = p->from; i < p->to; i++) {
    char name[64], body[32];
    snprintf(name, sizeof name, "many/k%05d", i);
    int len = snprintf(body, sizeof body, "%d", i);
    struct err e = {0};
    if (media_store_put_mem(p->s, K(name), body, (size_t)len, NULL, &e) < 0)
      p->errors++;
  }
  return NULL;
}

static int delete_each(const char *key, int64_t size, int64_t mtime, void *arg)
{
  (void)size;
  (void)mtime;
  struct media_store *s = arg;
  struct err e = {0};
  return media_store_delete(s, key, &e) == 0 ? 0 : -1;
}

Test(media, list_more_than_1000_keys_with_continuation)
{
  struct media_store *s = open_store();
  enum { N = 1234 };
  struct put_range pr[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    pr[i] = (struct put_range){.s = s, .from = i * N / 4, .to = (i + 1) * N / 4};
    pthread_create(&th[i], NULL, put_range, &pr[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(pr[i].errors, 0);
  }
  struct err e = {0};
  cr_assert_eq(media_store_put_mem(s, K("other/x"), "x", 1, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(media_store_put_mem(s, K("manyx"), "x", 1, NULL, &e), 0, "%s", e.msg);

  struct seen *seen = calloc(1, sizeof *seen);
  cr_assert_eq(media_store_list(s, K("many/"), collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, N, "every key once: %d", seen->n);
  static bool hit[N];
  memset(hit, 0, sizeof hit);
  int dups = 0, strangers = 0;
  for (int i = 0; i < seen->n && i < 2000; i++) {
    int k;
    if (sscanf(seen->keys[i] + strlen(prefix), "many/k%05d", &k) != 1 || k < 0 || k >= N) {
      strangers++;
      continue;
    }
    if (hit[k])
      dups++;
    hit[k] = true;
    char body[16];
    cr_expect_eq(seen->sizes[i], snprintf(body, sizeof body, "%d", k), "%s: size %lld",
                 seen->keys[i], (long long)seen->sizes[i]);
  }
  cr_expect_eq(dups, 0);
  cr_expect_eq(strangers, 0);
  for (int k = 0; k < N; k++)
    cr_expect(hit[k], "many/k%05d listed", k);

  /* a prefix inside a segment */
  memset(seen, 0, sizeof *seen);
  cr_assert_eq(media_store_list(s, K("many/k001"), collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 100, "k00100..k00199: %d", seen->n);
  memset(seen, 0, sizeof *seen);
  cr_assert_eq(media_store_list(s, K("many"), collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, N + 1, "many/* and manyx");

  /* stop early */
  memset(seen, 0, sizeof *seen);
  seen->stop_after = 10;
  cr_assert_eq(media_store_list(s, K("many/"), collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 10);

  /* the garbage collector's pattern: delete from inside the listing */
  cr_assert_eq(media_store_list(s, prefix, delete_each, s, &e), 0, "%s", e.msg);
  memset(seen, 0, sizeof *seen);
  cr_assert_eq(media_store_list(s, prefix, collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 0, "all deleted: %d left", seen->n);
  free(seen);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* Backend specifics                                                                      */
/* ------------------------------------------------------------------------------------ */

Test(media, local_path)
{
  struct media_store *s = open_store();
  struct arena *a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(media_store_put_mem(s, K("lp/x.jpg"), "pixels", 6, NULL, &e), 0, "%s", e.msg);
  const char *p = media_store_local_path(s, a, K("lp/x.jpg"));
  if (is_s3()) {
    cr_expect_null(p);
  } else {
    cr_assert_not_null(p);
    cr_expect_eq(p[0], '/', "absolute: %s", p);
    size_t n;
    unsigned char *d = read_file(p, &n);
    cr_expect_eq(n, 6);
    cr_expect_eq(memcmp(d, "pixels", 6), 0);
    free(d);
  }
  cr_expect_eq(media_store_check(s, &e), 0, "%s", e.msg);
  arena_free(a);
  media_store_close(s);
}

/* store_url with one query parameter replaced (or added). */
static void url_with(char *out, size_t n, const char *name, const char *value)
{
  const char *q = strchr(store_url, '?');
  cr_assert_not_null(q);
  size_t o = (size_t)snprintf(out, n, "%.*s?%s=%s", (int)(q - store_url), store_url, name, value);
  size_t nl = strlen(name);
  for (const char *p = q + 1; *p;) {
    const char *amp = strchr(p, '&');
    size_t len = amp ? (size_t)(amp - p) : strlen(p);
    if (!(len > nl && strncmp(p, name, nl) == 0 && p[nl] == '='))
      o += (size_t)snprintf(out + o, n - o, "&%.*s", (int)len, p);
    p += len + (amp ? 1 : 0);
  }
}

Test(media, s3_wrong_secret_and_unknown_key_are_refused_by_name)
{
  if (!is_s3())
    cr_skip_test("S3 only (CC24_TEST_MEDIA_STORE unset)");
  char url[1200];
  url_with(url, sizeof url, "secret_key", "wrong");
  struct err e = {0};
  struct media_store *s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  double t0 = now_s();
  cr_expect_eq(media_store_put_mem(s, K("denied"), "x", 1, NULL, &e), -1);
  double dt = now_s() - t0;
  cr_expect_eq(e.code, CC24_E_STORE);
  cr_expect(strstr(e.msg, "SignatureDoesNotMatch") && strstr(e.msg, "signature"), "%s", e.msg);
  cr_expect_lt(dt, 0.5, "not retried: %.3f s", dt);
  fprintf(stderr, "FIGURE wrong secret: %s\n", e.msg);
  e = (struct err){0};
  cr_expect_eq(media_store_stat(s, K("denied"), NULL, &e), -1, "HEAD is refused too");
  cr_expect(strstr(e.msg, "403") && strstr(e.msg, "SignatureDoesNotMatch"), "%s", e.msg);
  e = (struct err){0};
  cr_expect_eq(media_store_check(s, &e), -1);
  media_store_close(s);

  url_with(url, sizeof url, "access_key", "NOBODY");
  s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  struct arena *a = arena_new(0);
  void *d;
  size_t n;
  cr_expect_eq(media_store_get_mem(s, a, K("x"), 10, &d, &n, &e), -1);
  cr_expect(strstr(e.msg, "InvalidAccessKeyId") && strstr(e.msg, "NOBODY"), "%s", e.msg);
  arena_free(a);
  media_store_close(s);

  /* and the right store has nothing under that key */
  s = open_store();
  cr_expect_eq(media_store_stat(s, K("denied"), NULL, &e), 0);
  media_store_close(s);
}

Test(media, s3_payload_hash_is_verified_by_the_server)
{
  if (!is_s3())
    cr_skip_test("S3 only (CC24_TEST_MEDIA_STORE unset)");
  struct media_store *s = open_store();
  unsigned char *data = random_bytes(200000);
  const char *src = scratch("hashed");
  write_file(src, data, 200000);
  char good[65], bad[65];
  sha256_hex(data, 200000, good);
  sha256_hex("something else", 14, bad);
  struct err e = {0};
  cr_expect_eq(media_store_put_file(s, K("h/bad"), src, "image/png", bad, &e), -1);
  cr_expect_eq(e.code, CC24_E_STORE);
  cr_expect(strstr(e.msg, "XAmzContentSHA256Mismatch") && strstr(e.msg, "SHA-256"), "%s", e.msg);
  cr_expect_eq(media_store_stat(s, K("h/bad"), NULL, &e), 0, "nothing was stored");
  cr_expect_eq(media_store_put_file(s, K("h/good"), src, "image/png", good, &e), 0, "%s", e.msg);
  cr_expect_eq(media_store_stat(s, K("h/good"), NULL, &e), 1);
  free(data);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* S3 client without S3: a port nobody listens on, a scripted server                      */
/* ------------------------------------------------------------------------------------ */

static int free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  socklen_t len = sizeof sa;
  getsockname(fd, (struct sockaddr *)&sa, &len);
  close(fd);
  return ntohs(sa.sin_port);
}

Test(media, s3_server_down_fails_after_the_retries)
{
  char url[256];
  snprintf(url, sizeof url,
           "s3://cc24-test?endpoint=http://127.0.0.1:%d&access_key=AK&secret_key=SK", free_port());
  struct err e = {0};
  struct media_store *s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  double t0 = now_s();
  cr_expect_eq(media_store_put_mem(s, "k", "x", 1, NULL, &e), -1);
  double dt = now_s() - t0;
  cr_expect_eq(e.code, CC24_E_STORE_UNAVAILABLE, "%s", e.msg);
  cr_expect(strstr(e.msg, "4 times"), "%s", e.msg);
  /* three waits of 100, 400 and 1600 ms, each 50..150 % */
  cr_expect(dt >= 1.0 && dt < 4.0, "%.3f s", dt);
  fprintf(stderr, "FIGURE server down: -1 after %.2f s (%s)\n", dt, e.msg);
  e = (struct err){0};
  cr_expect_eq(media_store_stat(s, "k", NULL, &e), -1);
  cr_expect_eq(e.code, CC24_E_STORE_UNAVAILABLE);
  media_store_close(s);
}

struct fake {
  int lfd, port;
  pthread_t th;
  const char *const *answers; /* answer i to request i; the last one repeats */
  int nanswers;
  atomic_int requests;
  char first[8192]; /* the first request's head */
};

static void *fake_run(void *arg)
{
  struct fake *f = arg;
  for (;;) {
    int c = accept(f->lfd, NULL, NULL);
    if (c < 0)
      return NULL;
    char buf[8192];
    size_t len = 0;
    while (len < sizeof buf - 1) {
      ssize_t r = recv(c, buf + len, sizeof buf - 1 - len, 0);
      if (r <= 0)
        break;
      len += (size_t)r;
      buf[len] = 0;
      if (strstr(buf, "\r\n\r\n"))
        break;
    }
    buf[len] = 0;
    int i = atomic_fetch_add(&f->requests, 1);
    if (i == 0)
      snprintf(f->first, sizeof f->first, "%s", buf);
    const char *ans = f->answers[i < f->nanswers ? i : f->nanswers - 1];
    (void)!send(c, ans, strlen(ans), MSG_NOSIGNAL);
    shutdown(c, SHUT_WR);
    while (recv(c, buf, sizeof buf, 0) > 0) {
    }
    close(c);
  }
}

static void fake_start(struct fake *f, const char *const *answers, int n)
{
  memset(f, 0, sizeof *f);
  f->answers = answers;
  f->nanswers = n;
  f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  cr_assert_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
  cr_assert_eq(listen(f->lfd, 16), 0);
  socklen_t len = sizeof sa;
  getsockname(f->lfd, (struct sockaddr *)&sa, &len);
  f->port = ntohs(sa.sin_port);
  pthread_create(&f->th, NULL, fake_run, f);
}

static void fake_stop(struct fake *f)
{
  shutdown(f->lfd, SHUT_RDWR);
  close(f->lfd);
  pthread_join(f->th, NULL);
}

static struct media_store *fake_store(struct fake *f)
{
  char url[256];
  snprintf(url, sizeof url,
           "s3://photos?endpoint=http://127.0.0.1:%d/&region=eu-central-1&access_key=AKFAKE&"
           "secret_key=SKFAKE",
           f->port);
  struct err e = {0};
  struct media_store *s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  return s;
}

/* A whole answer with the right Content-Length (static ring, for the fake's table). */
static const char *answer(const char *status, const char *body, const char *content_length)
{
  static char ring[8][1024];
  static int i;
  char *a = ring[i++ % 8];
  char cl[32];
  snprintf(cl, sizeof cl, "%zu", strlen(body));
  snprintf(a, sizeof ring[0],
           "HTTP/1.1 %s\r\nContent-Type: application/xml\r\nConnection: close\r\n"
           "Content-Length: %s\r\n\r\n%s",
           status, content_length ? content_length : cl, body);
  return a;
}

#define A503                                                                                       \
  answer("503 Slow Down",                                                                          \
         "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>", NULL)
#define A500    answer("500 Internal Server Error", "", NULL)
#define A429    answer("429 Too Many Requests", "", NULL)
#define HEAD200 answer("200 OK", "", "42")
#define A403                                                                                       \
  answer("403 Forbidden",                                                                          \
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"   \
         "<Message>The request signature we calculated does not match</Message></Error>",          \
         NULL)
#define A404                                                                                       \
  answer("404 Not Found", "<Error><Code>NoSuchKey</Code><Message>No such key</Message></Error>",   \
         NULL)

Test(media, s3_retries_5xx_and_slowdown_then_succeeds)
{
  const char *answers[] = {A503, A500, HEAD200};
  struct fake f;
  fake_start(&f, answers, 3);
  struct media_store *s = fake_store(&f);
  struct err e = {0};
  int64_t size = 0;
  cr_expect_eq(media_store_stat(s, "orig/ab/x.jpg", &size, &e), 1, "%s", e.msg);
  cr_expect_eq(size, 42);
  cr_expect_eq(atomic_load(&f.requests), 3);
  /* what the request looked like: path style, SigV4 by curl, our payload hash header */
  cr_expect(strncmp(f.first, "HEAD /photos/orig/ab/x.jpg HTTP/1.1\r\n", 37) == 0, "%s", f.first);
  cr_expect(strstr(f.first, "Credential=AKFAKE/") &&
                strstr(f.first, "/eu-central-1/s3/aws4_request"),
            "%s", f.first);
  cr_expect(strstr(f.first, "SignedHeaders=host;x-amz-content-sha256;x-amz-date"), "%s", f.first);
  cr_expect(strstr(f.first, "x-amz-content-sha256: "
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "%s", f.first);
  media_store_close(s);
  fake_stop(&f);

  const char *answers2[] = {A429, HEAD200};
  fake_start(&f, answers2, 2);
  s = fake_store(&f);
  cr_expect_eq(media_store_stat(s, "k", &size, &e), 1, "429 is retried: %s", e.msg);
  cr_expect_eq(atomic_load(&f.requests), 2);
  media_store_close(s);
  fake_stop(&f);
}

Test(media, s3_credentials_from_the_environment_cc24_before_aws)
{
  const char *answers[] = {HEAD200};
  struct fake f;
  fake_start(&f, answers, 1);
  setenv("CC24_S3_ACCESS_KEY", "CC24KEY", 1);
  setenv("CC24_S3_SECRET_KEY", "CC24SECRET", 1);
  setenv("AWS_ACCESS_KEY_ID", "AWSKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "AWSSECRET", 1);
  char url[200];
  snprintf(url, sizeof url, "s3://photos?endpoint=http://127.0.0.1:%d", f.port);
  struct err e = {0};
  struct media_store *s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  cr_expect_eq(media_store_stat(s, "k", NULL, &e), 1, "%s", e.msg);
  cr_expect(strstr(f.first, "Credential=CC24KEY/") && strstr(f.first, "/us-east-1/s3/"), "%s",
            f.first);
  media_store_close(s);
  fake_stop(&f);
}

Test(media, s3_5xx_forever_gives_up_after_4_attempts)
{
  const char *answers[] = {A500};
  struct fake f;
  fake_start(&f, answers, 1);
  struct media_store *s = fake_store(&f);
  struct err e = {0};
  cr_expect_eq(media_store_delete(s, "k", &e), -1);
  cr_expect_eq(e.code, CC24_E_STORE_UNAVAILABLE, "%s", e.msg);
  cr_expect(strstr(e.msg, "HTTP 500"), "%s", e.msg);
  cr_expect_eq(atomic_load(&f.requests), 4);
  media_store_close(s);
  fake_stop(&f);
}

Test(media, s3_4xx_is_not_retried)
{
  const char *answers[] = {A403};
  struct fake f;
  fake_start(&f, answers, 1);
  struct media_store *s = fake_store(&f);
  struct arena *a = arena_new(0);
  struct err e = {0};
  void *d;
  size_t n;
  const char *dst = scratch("never");
  cr_expect_eq(media_store_get_file(s, "k", dst, &e), -1);
  cr_expect(strstr(e.msg, "SignatureDoesNotMatch") && strstr(e.msg, "AKFAKE"), "%s", e.msg);
  struct stat st;
  cr_expect_neq(stat(dst, &st), 0, "the error body is not written to the destination");
  cr_expect_eq(atomic_load(&f.requests), 1, "a 403 is final");
  media_store_close(s);
  fake_stop(&f);

  const char *answers404[] = {A404};
  fake_start(&f, answers404, 1);
  s = fake_store(&f);
  cr_expect_eq(media_store_get_mem(s, a, "k", 100, &d, &n, &e), -1);
  cr_expect_eq(e.code, CC24_E_NOT_FOUND, "%s", e.msg);
  cr_expect_eq(media_store_delete(s, "k", &e), 0, "a missing key deletes fine");
  cr_expect_eq(atomic_load(&f.requests), 2);
  arena_free(a);
  media_store_close(s);
  fake_stop(&f);
}

/* ------------------------------------------------------------------------------------ */
/* URLs                                                                                   */
/* ------------------------------------------------------------------------------------ */

Test(media, urls)
{
  struct err e = {0};
  const char *bad[] = {NULL,
                       "",
                       "ftp://x",
                       "file:",
                       "file://relative",
                       "s3://",
                       "s3://AB?access_key=a&secret_key=b",
                       "s3://bucket?endpoint=ftp://x&access_key=a&secret_key=b",
                       "s3://bucket?endpoint=http://&access_key=a&secret_key=b",
                       "s3://bucket?colour=red&access_key=a&secret_key=b",
                       "s3://bucket?region=eu-central-1&region=us-east-1&access_key=a&secret_key=b",
                       "s3://bucket?region=EU&access_key=a&secret_key=b",
                       "s3://bucket?access_key=a&secret_key=%zz",
                       "s3://bucket?access_key&secret_key=b",
                       "s3://bucket?access_key=a%3Ab&secret_key=b",
                       "s3://bucket?access_key=a&secret_key=b%00c"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    e = (struct err){0};
    struct media_store *s = media_store_open(bad[i], &e);
    cr_expect_null(s, "%s opened", bad[i] ? bad[i] : "NULL");
    media_store_close(s);
    cr_expect_eq(e.code, CC24_E_CONFIG, "%s: %s", bad[i] ? bad[i] : "NULL", e.msg);
  }
  /* credentials from the environment: CC24_S3_* before AWS_* */
  unsetenv("CC24_S3_ACCESS_KEY");
  unsetenv("CC24_S3_SECRET_KEY");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  cr_expect_null(media_store_open("s3://bucket", &e));
  cr_expect(strstr(e.msg, "credentials"), "%s", e.msg);
  setenv("AWS_ACCESS_KEY_ID", "AWSKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "AWSSECRET", 1);
  struct media_store *s = media_store_open("s3://bucket.example", &e);
  cr_assert_not_null(s, "%s", e.msg);
  cr_expect_str_eq(media_store_kind(s), "s3");
  cr_expect_str_eq(media_store_describe(s), "s3://bucket.example");
  struct arena *a = arena_new(0);
  cr_expect_null(media_store_local_path(s, a, "k"));
  media_store_close(s);

  /* secrets never show in describe; percent-decoding of values */
  s = media_store_open("s3://b-1?endpoint=http%3A%2F%2F127.0.0.1%3A9&access_key=AK&"
                       "secret_key=a%2Bb/c+d&region=eu-west-3",
                       &e);
  cr_assert_not_null(s, "%s", e.msg);
  cr_expect_str_eq(media_store_describe(s),
                   "s3://b-1?endpoint=http%3A%2F%2F127.0.0.1%3A9&region=eu-west-3");
  media_store_close(s);

  char url[400];
  snprintf(url, sizeof url, "file://%s/a/b/c", tmpdir);
  s = media_store_open(url, &e);
  cr_assert_not_null(s, "%s", e.msg);
  cr_expect_str_eq(media_store_kind(s), "file");
  struct stat st;
  cr_expect_eq(stat(scratch("a/b/c"), &st), 0, "the directory is created");
  const char *p = media_store_local_path(s, a, "x/y");
  char want[600];
  snprintf(want, sizeof want, "%s/a/b/c/x/y", tmpdir);
  cr_expect_str_eq(p, want);
  media_store_close(s);

  /* a file where the directory should be */
  write_file(scratch("plain"), "x", 1);
  snprintf(url, sizeof url, "file:%s/plain", tmpdir);
  cr_expect_null(media_store_open(url, &e));
  cr_expect_eq(e.code, CC24_E_IO, "%s", e.msg);
  arena_free(a);
}

Test(media, file_key_that_is_a_directory_of_another)
{
  if (is_s3())
    cr_skip_test("file backend only");
  struct media_store *s = open_store();
  struct err e = {0};
  cr_assert_eq(media_store_put_mem(s, K("d/x"), "1", 1, NULL, &e), 0, "%s", e.msg);
  cr_expect_eq(media_store_put_mem(s, K("d"), "1", 1, NULL, &e), -1);
  cr_expect_eq(e.code, CC24_E_STORE, "%s", e.msg);
  cr_expect_eq(media_store_stat(s, K("d"), NULL, &e), 0, "a directory is not an object");
  cr_expect_eq(media_store_delete(s, K("d"), &e), 0);
  cr_expect_eq(media_store_put_mem(s, K("d/x/y"), "1", 1, NULL, &e), -1);
  cr_expect_eq(e.code, CC24_E_STORE, "%s", e.msg);
  /* a stray file that is not a key is not listed */
  char p[600];
  snprintf(p, sizeof p, "%s/store/%sd/Stray.TXT", tmpdir, prefix);
  write_file(p, "x", 1);
  struct seen *seen = calloc(1, sizeof *seen);
  cr_assert_eq(media_store_list(s, prefix, collect, seen, &e), 0, "%s", e.msg);
  cr_expect_eq(seen->n, 1);
  free(seen);
  media_store_close(s);
}

/* ------------------------------------------------------------------------------------ */
/* Figures: throughput and memory                                                         */
/* ------------------------------------------------------------------------------------ */

static long rss_kb(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
      break;
  fclose(f);
  return kb;
}

struct rss_watch {
  atomic_bool stop;
  long peak;
};

static void *rss_sampler(void *arg)
{
  struct rss_watch *w = arg;
  while (!atomic_load(&w->stop)) {
    long kb = rss_kb();
    if (kb > w->peak)
      w->peak = kb;
    usleep(5000);
  }
  return NULL;
}

/* A big file without holding it in memory: 1 MiB random blocks written n times. */
static void write_big(const char *path, size_t mib)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  cr_assert_geq(fd, 0);
  unsigned char *block = random_bytes(1 << 20);
  for (size_t i = 0; i < mib; i++) {
    block[0] = (unsigned char)i; /* no two blocks alike */
    block[1] = (unsigned char)(i >> 8);
    cr_assert_eq(write(fd, block, 1 << 20), 1 << 20);
  }
  free(block);
  close(fd);
}

Test(media, figures_throughput_12mb_and_rss_of_a_200mb_put)
{
  struct media_store *s = open_store();
  struct err e = {0};
  const char *src = scratch("twelve");
  write_big(src, 12);
  /* warm the connection, then time three rounds */
  cr_assert_eq(media_store_put_mem(s, K("warm"), "x", 1, NULL, &e), 0, "%s", e.msg);
  double put = 0, get = 0;
  for (int i = 0; i < 3; i++) {
    double t0 = now_s();
    cr_assert_eq(media_store_put_file(s, K("twelve"), src, "image/jpeg", NULL, &e), 0, "%s", e.msg);
    double t1 = now_s();
    cr_assert_eq(media_store_get_file(s, K("twelve"), scratch("twelve.out"), &e), 0, "%s", e.msg);
    double t2 = now_s();
    put += t1 - t0;
    get += t2 - t1;
  }
  size_t n;
  unsigned char *back = read_file(scratch("twelve.out"), &n);
  size_t n0;
  unsigned char *orig = read_file(src, &n0);
  cr_expect_eq(n, n0);
  cr_expect_eq(memcmp(back, orig, n), 0);
  free(back);
  free(orig);
  fprintf(stderr, "FIGURE media store %s: 12 MiB PUT %.0f MiB/s, GET %.0f MiB/s\n",
          media_store_kind(s), 36.0 / put, 36.0 / get);

  const char *big = scratch("twohundred");
  write_big(big, 200);
  struct rss_watch w = {.peak = rss_kb()};
  long base = w.peak;
  pthread_t th;
  pthread_create(&th, NULL, rss_sampler, &w);
  double t0 = now_s();
  int rc = media_store_put_file(s, K("twohundred"), big, NULL, NULL, &e);
  double dt = now_s() - t0;
  atomic_store(&w.stop, true);
  pthread_join(th, NULL);
  cr_assert_eq(rc, 0, "%s", e.msg);
  int64_t size = 0;
  cr_expect_eq(media_store_stat(s, K("twohundred"), &size, &e), 1);
  cr_expect_eq(size, 200 << 20);
  long grew = w.peak - base;
  fprintf(stderr, "FIGURE media store %s: 200 MiB PUT in %.2f s, RSS %ld → peak %ld kB (+%ld kB)\n",
          media_store_kind(s), dt, base, w.peak, grew);
  cr_expect_lt(grew, 32 * 1024, "RSS grew by %ld kB putting 200 MiB: streamed, not buffered", grew);
  cr_expect_eq(media_store_delete(s, K("twohundred"), &e), 0);
  media_store_close(s);
}
