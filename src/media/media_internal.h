/* media_internal.h — what the files of src/media/ share and nobody else uses: the
 * process-wide media state (store, keys, limits), the photo store's write functions
 * and the job kinds. Not a contract. */
#ifndef CC24_MEDIA_INTERNAL_H
#define CC24_MEDIA_INTERNAL_H

#include "media/media.h"

#include <pthread.h>

/* An upload that reserved a blob and did not finish within this long died. */
#define MEDIA_PENDING_STALE 3600

/* Job kinds. */
#define MEDIA_JOB_VARIANTS "media.variants" /* payload {"photo": row id} */
#define MEDIA_JOB_GC       "media.gc"       /* no payload: collect unused blobs */

struct media_state_g {
  struct media_config cfg; /* strings owned (copied at init) */
  struct media_store *store;
  unsigned char key[64], salt[64];
  size_t klen, slen;
  media_changed_fn changed;
  void *changed_arg;
  db *db;
};

/* The process-wide state (set up by media_init). */
extern struct media_state_g media_g;

int media_state_parse(const char *s);

/* Keys of the store. */
const char *media_key_original(struct arena *a, const char *sha256);
const char *media_key_variant(struct arena *a, const char *sha256, const char *name);
const char *media_key_variant_prefix(struct arena *a, const char *sha256);

/* Tell media_on_change's hook (after commit); also drops the CDN's cached access
 * decisions. */
void media_changed(int64_t vehicle_id);

/* SHA-256 (64 hex digits + NUL into hex) and size of the file at path, streamed. */
int media_file_sha256(const char *path, char hex[65], int64_t *bytes, struct err *e);

/* Make and store the variants of photo p's original (kind decides the formats): sets
 * p->variants and p->placeholder (in a). Image errors: CC24_E_IMAGE_INVALID,
 * CC24_E_IMAGE_TOO_LARGE, CC24_E_UNSUPPORTED_MEDIA_TYPE; a missing original:
 * CC24_E_NOT_FOUND; the store: CC24_E_STORE*, CC24_E_IO. */
int media_build_variants(struct arena *a, struct media_photo *p, struct err *e);

/* Remove temporary files of processes that are gone (media.c). Returns the count. */
int media_sweep_tmp(const char *dir);

/* ---- media_jobs.c ---- */

void media_jobs_register(void);
/* Queue the GC soon (after a delete), unless one is queued. Inside the caller's tx. */
int media_gc_schedule(db_conn *c, struct err *e);

/* ---- cdn.c ---- */

int media_cdn_init(const char *cache_dir, int64_t cache_bytes, struct err *e);
void media_cdn_shutdown(void);
/* Forget cached "who may see this photo" decisions (a photo or vehicle changed). */
void media_cdn_forget_access(void);

/* ---- photo_store.c: writes and internal reads (inside the caller's transaction) ---- */

int media_photo_of_vehicle(db_conn *c, struct arena *a, int64_t tenant_id, int64_t vehicle_id,
                           const char *public_id, struct media_photo *p, struct err *e);
int media_photo_by_id(db_conn *c, struct arena *a, int64_t id, struct media_photo *p,
                      struct err *e);
int media_photo_count(db_conn *c, int64_t vehicle_id, int *n, struct err *e);
/* Upsert the blob row and count one pending upload of it. */
int media_blob_reserve(db_conn *c, const char *sha256, int64_t bytes, const char *format,
                       int64_t now, struct err *e);
/* One pending upload of the blob is over (its photo row exists now, or it failed). */
int media_blob_release(db_conn *c, const char *sha256, struct err *e);
/* Sets public_id, position (next for the vehicle), created/updated, id, state. */
int media_photo_insert(db_conn *c, struct media_photo *p, struct err *e);
/* Rows affected (0 or 1) or -1. */
int media_photo_delete(db_conn *c, int64_t tenant_id, int64_t photo_id, struct err *e);
int media_photos_renumber(db_conn *c, int64_t tenant_id, int64_t vehicle_id, struct err *e);
int media_photo_set_position(db_conn *c, int64_t tenant_id, int64_t photo_id, int position,
                             struct err *e);
int media_photo_set_alt(db_conn *c, int64_t tenant_id, int64_t photo_id, const char *alt,
                        struct err *e);
/* width, height, placeholder, variants of p; state ready. */
int media_photo_set_ready(db_conn *c, const struct media_photo *p, struct err *e);
int media_photo_set_state(db_conn *c, int64_t photo_id, int state, const char *error,
                          struct err *e);
int media_photo_ready_twin(db_conn *c, struct arena *a, const char *sha256, struct media_photo *p,
                           struct err *e);
/* Recompute vehicles.cover from the first ready photo. */
int media_cover_refresh(db_conn *c, struct arena *a, int64_t vehicle_id, struct err *e);

/* Unused blobs (refs 0, no live upload), oldest first, at most limit. */
int media_gc_candidates(db_conn *c, struct arena *a, int64_t now, int limit, const char ***shas,
                        int *n, struct err *e);
/* Lock the blob row when it is still unused: 1 locked, 0 in use again or gone, -1. */
int media_gc_lock(db_conn *c, const char *sha256, int64_t now, struct err *e);
int media_gc_forget(db_conn *c, const char *sha256, struct err *e);

#endif
