/* store.h — the media store: photo originals (content-addressed by SHA-256) and their
 * derived files, as named objects behind one interface with two backends.
 *
 *   file:DIR        a local directory (embedded default: file:data/media). DIR is created
 *                   when missing; relative paths are made absolute at open. file:///abs works.
 *   s3://BUCKET?endpoint=URL&region=R&access_key=AK&secret_key=SK
 *                   S3-compatible object storage (every instance sees the same files), path-
 *                   style requests ENDPOINT/BUCKET/KEY signed with AWS SigV4 by libcurl.
 *                   endpoint: http:// or https:// URL, default https://s3.REGION.amazonaws.com;
 *                   region: default us-east-1; access_key/secret_key: when absent, from the
 *                   environment CC24_S3_ACCESS_KEY / CC24_S3_SECRET_KEY, then
 *                   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Values are percent-decoded
 *                   ('+' stays '+', as in secret keys). Unknown parameters are refused.
 *
 * Keys are 1..512 bytes of [a-z0-9._/-], '/' separates segments, no leading or trailing '/',
 * no "//", no "." or ".." segment, no segment longer than 200 bytes (so that every key is a
 * valid file name on the file backend: NAME_MAX is 255). On the file backend a key cannot
 * also be a directory of another key ("a" and "a/b"); the photo model's key scheme never
 * does that. A bad key is refused with CC24_E_BAD_REQUEST before anything is touched.
 *
 * Writes are atomic: a reader sees no object or the whole object, never a part.
 * S3: one PUT per object (objects up to 5 GiB, the S3 limit of a single PUT). Calls that
 * fail on the network, time out, or get 5xx / 429 / SlowDown are retried up to 4 attempts
 * (100 ms, 400 ms, 1.6 s with jitter), never on 4xx; connect timeout 5 s, a transfer
 * slower than 1 KiB/s for 30 s fails. Connections are reused (a pool of curl handles).
 *
 * Errors: CC24_E_NOT_FOUND (missing object), CC24_E_BAD_REQUEST (bad key),
 * CC24_E_BODY_TOO_LARGE, CC24_E_CONFIG (bad URL), CC24_E_STORE_UNAVAILABLE (the store could
 * not be reached or kept failing after the retries), CC24_E_STORE (anything else: a
 * refused signature names the cause, e.g. SignatureDoesNotMatch), CC24_E_IO (local files).
 *
 * Thread-safety: one handle is shared by all threads; every call may run concurrently. */
#ifndef CC24_MEDIA_STORE_H
#define CC24_MEDIA_STORE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct media_store;

/* Longest key accepted. */
#define MEDIA_STORE_KEY_MAX 512

/* Open a store by URL (see above). Does not contact the server (see media_store_check).
 * The handle is freed with media_store_close. NULL + e (CC24_E_CONFIG) on a bad URL or
 * missing credentials, CC24_E_IO when a file: directory cannot be created. */
struct media_store *media_store_open(const char *url, struct err *e);

/* Close the store and free its connections. NULL is fine. No call may be running. */
void media_store_close(struct media_store *s);

/* "file" or "s3" (static string). */
const char *media_store_kind(const struct media_store *s);

/* The URL without credentials (secret_key and access_key removed), for logs. Static to the
 * handle: valid until media_store_close. */
const char *media_store_describe(const struct media_store *s);

/* Check that the store answers and the credentials work (S3: HEAD of the bucket; file: the
 * directory is writable), for start-up and readiness checks. 0 or -1 + e. */
int media_store_check(struct media_store *s, struct err *e);

/* True when key is a valid key (rules above). Never touches the store. */
bool media_store_key_ok(const char *key);

/* Store the file at path under key, streamed (never read whole into memory), replacing any
 * object of that key atomically. file: temp file in the target directory, fsync, rename,
 * fsync of the directory. sha256_hex (64 lower-case hex digits) may be NULL; when given, S3
 * sends it as x-amz-content-sha256 so the server verifies the bytes (a mismatch fails with
 * CC24_E_STORE and nothing is stored); the file backend ignores it. content_type (may be
 * NULL) is stored with the object on S3 and ignored by the file backend. 0 or -1 + e
 * (CC24_E_IO when path cannot be read). */
int media_store_put_file(struct media_store *s, const char *key, const char *path,
                         const char *content_type, const char *sha256_hex, struct err *e);

/* Store n bytes at data under key, like media_store_put_file (S3 sends their SHA-256). */
int media_store_put_mem(struct media_store *s, const char *key, const void *data, size_t n,
                        const char *content_type, struct err *e);

/* Copy the object to dest_path, streamed: written to dest_path.tmp-XXXXXX, then renamed over
 * dest_path (which is replaced; its directory must exist). Missing object: -1 +
 * CC24_E_NOT_FOUND and dest_path untouched. */
int media_store_get_file(struct media_store *s, const char *key, const char *dest_path,
                         struct err *e);

/* The object into memory: *data (NUL-terminated after n bytes, for convenience) and *n,
 * allocated in arena a. Larger than max bytes: -1 + CC24_E_BODY_TOO_LARGE. Missing: -1 +
 * CC24_E_NOT_FOUND. */
int media_store_get_mem(struct media_store *s, struct arena *a, const char *key, size_t max,
                        void **data, size_t *n, struct err *e);

/* 1 when the object exists (*size filled when size is not NULL), 0 when missing, -1 + e. */
int media_store_stat(struct media_store *s, const char *key, int64_t *size, struct err *e);

/* Delete the object; a missing key is success. 0 or -1 + e. */
int media_store_delete(struct media_store *s, const char *key, struct err *e);

/* Called for each object of a listing with its key, size and last-modified time (Unix s).
 * Return 0 to go on, 1 to stop (media_store_list then returns 0), -1 to fail (returned as
 * -1 with e, which fn may have filled). key is valid during the call only. fn may call
 * other store functions, delete included (the garbage collector does). */
typedef int (*media_store_list_fn)(const char *key, int64_t size, int64_t mtime, void *arg);

/* Call fn for every object whose key starts with prefix ("" or NULL: all), in no particular
 * order. S3: ListObjectsV2 pages of 1000 with continuation tokens, each page fetched before
 * its keys are handed out. file: a directory walk from the deepest directory the prefix
 * names; temporary files of unfinished writes and names that are not keys are skipped.
 * 0 or -1 + e. A prefix need not be a valid key but must use key characters. */
int media_store_list(struct media_store *s, const char *prefix, media_store_list_fn fn, void *arg,
                     struct err *e);

/* File backend: the absolute local path of key, in arena a (so libvips reads it without a
 * copy), whether or not the object exists. NULL for S3 and for a bad key. */
const char *media_store_local_path(struct media_store *s, struct arena *a, const char *key);

#endif
