/* store_internal.h — what store.c (URL parsing, key checks, dispatch) shares with the
 * backends store_file.c and store_s3.c. Not for other modules: use store.h.
 *
 * A backend allocates its own struct whose first member is a struct media_store, fills
 * ops, and casts back in its functions. store.c has checked every key (and prefix) before
 * a backend function is called, so backends never see a bad key. */
#ifndef CC24_MEDIA_STORE_INTERNAL_H
#define CC24_MEDIA_STORE_INTERNAL_H

#include "media/store.h"

struct media_store_ops {
  const char *kind;
  void (*close)(struct media_store *s);
  int (*check)(struct media_store *s, struct err *e);
  int (*put_file)(struct media_store *s, const char *key, const char *path,
                  const char *content_type, const char *sha256_hex, struct err *e);
  int (*put_mem)(struct media_store *s, const char *key, const void *data, size_t n,
                 const char *content_type, struct err *e);
  int (*get_file)(struct media_store *s, const char *key, const char *dest_path, struct err *e);
  int (*get_mem)(struct media_store *s, struct arena *a, const char *key, size_t max, void **data,
                 size_t *n, struct err *e);
  int (*stat)(struct media_store *s, const char *key, int64_t *size, struct err *e);
  int (*del)(struct media_store *s, const char *key, struct err *e);
  int (*list)(struct media_store *s, const char *prefix, media_store_list_fn fn, void *arg,
              struct err *e);
  const char *(*local_path)(struct media_store *s, struct arena *a, const char *key);
};

struct media_store {
  const struct media_store_ops *ops;
  char *describe; /* heap, the URL without credentials */
};

/* file:DIR with the "file:" taken off (DIR non-empty). NULL + e. */
struct media_store *media_store_file_open(const char *dir, struct err *e);

/* s3://BUCKET?QUERY with the "s3://" taken off. NULL + e. */
struct media_store *media_store_s3_open(const char *rest, struct err *e);

/* True when every byte of s is a key character [a-z0-9._/-] (for prefixes). */
bool media_store_chars_ok(const char *s);

/* A temporary destination beside path: path + ".tmp-XXXXXX", opened O_CREAT|O_EXCL with
 * mode 0644; *tmp (heap) receives its name. The fd or -1 + e (CC24_E_IO). */
int media_store_tmp_beside(const char *path, char **tmp, struct err *e);

/* S3 response bodies (exposed for the fuzz target). One object of a listing: */
struct media_s3_entry {
  char *key;
  int64_t size;
  int64_t mtime;
};

/* A ListObjectsV2 answer: the entries (in arena a), whether it is truncated and the next
 * continuation token (in a, NULL when absent). 0 or -1 + e (CC24_E_STORE: not XML, not a
 * ListBucketResult, a Size or LastModified that does not parse). */
int media_s3_parse_list(struct arena *a, const char *xml, size_t n, struct media_s3_entry **out,
                        size_t *count, bool *truncated, char **next_token, struct err *e);

/* An S3 <Error> body: Code and Message into code/msg (truncated, "" when absent). */
void media_s3_parse_error(const char *xml, size_t n, char *code, size_t code_n, char *msg,
                          size_t msg_n);

#endif
