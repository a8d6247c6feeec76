/* media.h — vehicle photos and dealer logos: the photo model and its store, the
 * upload API, the processing jobs (variants, placeholder, garbage collection), the
 * signed image CDN (/img/...) and what pages need to show photos (<picture> data,
 * cover descriptors, gallery lists).
 *
 * Bytes live in the media store (store.h: a directory or an S3 bucket), keyed by
 * content: the original of a photo under "o/AB/SHA256", its derived files (variants)
 * under "v/SHA256/NAME". The database keeps one media_blobs row per content (shared by
 * every photo with the same bytes, reference-counted) and one media_photos row per
 * photo. Originals are never served; everything served is rotated by EXIF, converted
 * to sRGB and stripped of metadata (GPS above all).
 *
 * Life of a photo: the upload stores the original and inserts the photo in state
 * "processing" with a job; the job writes the variants and a placeholder and sets it
 * "ready" (or "failed" with a reason: a retry queues the job again). The first ready
 * photo by position is the vehicle's cover, kept as a compact descriptor in
 * vehicles.cover so lists and the search index show it without a join.
 *
 * Strings in the structs below live in the arena the store was given. */
#ifndef CC24_MEDIA_MEDIA_H
#define CC24_MEDIA_MEDIA_H

#include "db/db.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct arena;
struct media_store;

enum media_state { MEDIA_PROCESSING, MEDIA_READY, MEDIA_FAILED };

/* "processing", "ready", "failed". */
const char *media_state_name(int state);

/* Widths of the standard variants. A photo gets those narrower than itself, and its
 * own width when it is narrower than the smallest (never upscaled). */
#define MEDIA_WIDTHS_N 4
extern const int media_widths[MEDIA_WIDTHS_N];

/* Most photos one vehicle may have (mobile.de shows up to 30, AutoScout24 up to 50). */
#define MEDIA_MAX_PHOTOS 60
/* Longest alt text, in code points. */
#define MEDIA_ALT_MAX 200

struct media_photo {
  int64_t id;              /* row id, never shown */
  char public_id[17];      /* used in URLs and the API */
  int64_t tenant_id;       /* the dealer */
  int64_t vehicle_id;      /* 0 for a logo */
  const char *kind;        /* "vehicle" or "logo" */
  int position;            /* 0 = cover */
  const char *sha256;      /* hex of the original's bytes */
  const char *format;      /* of the original: "jpeg", "png", "webp", "heif", "avif", "svg" */
  int64_t bytes;           /* size of the original */
  int width, height;       /* as displayed (after EXIF rotation); 0 until known */
  int state;               /* enum media_state */
  const char *error;       /* why it failed ("" otherwise) */
  const char *placeholder; /* data: URI of a tiny blurred version ("" until ready) */
  const char *alt;         /* alt text ("" = none) */
  const char *variants;    /* compact list "W:F,W:F,..." of the stored variants ("" until
                              ready), e.g. "320:jpeg,320:webp,640:jpeg,640:webp" */
  int64_t created_at, updated_at;
};

/* ---- process-wide set-up (serve, worker, seed) ---- */

struct media_config {
  const char *store_url;     /* cfg.media_store */
  const char *tmp_dir;       /* uploads and job scratch files (local disk) */
  const char *cache_dir;     /* the CDN's disk cache */
  int64_t cache_bytes;       /* LRU bound of the disk cache */
  int64_t max_file_bytes;    /* per uploaded file */
  int64_t max_request_bytes; /* per upload request */
  int64_t quota_bytes;       /* per dealer, originals */
  int64_t max_pixels;        /* decoding limit (decompression bombs) */
  const char *key_hex;       /* CDN signature key and salt (hex); "" = the platform's */
  const char *salt_hex;      /*   signing key "img" from the database */
  bool avif;                 /* also AVIF variants when libvips can write them */
};

/* Open the media store, initialise libvips, load (or create) the signing key, sweep
 * temporary files that a killed process left behind, register the media jobs.
 * db is used for the signing key. 0 or -1 (e names the problem). */
int media_init(const struct media_config *mc, db *d, struct err *e);
void media_shutdown(void);

/* Queue the first run of the media GC (hourly from then on; a delete brings it forward).
 * 0 or -1. */
int media_gc_start(db *d, struct err *e);

/* Demo data: the car photos in dir (scripts/demo-photos.sh) on every vehicle that has
 * none yet, processed through the pipeline and ready at once. The number of photos
 * attached (0 when dir is missing or empty) or -1 + e. */
int64_t media_seed_demo(db *d, const char *dir, struct err *e);

/* The store opened by media_init (NULL before). */
struct media_store *media_store_get(void);

/* Called after a vehicle's photos changed in a committed transaction on this instance
 * (cover, count) — serve sets it to refresh the search index; other instances hear
 * the vehicle channel. */
typedef void (*media_changed_fn)(int64_t vehicle_id, void *arg);
void media_on_change(media_changed_fn fn, void *arg);

/* ---- the photo store (photo_store.c); inside the caller's transaction ---- */

/* The photos of a vehicle by position (the caller decided the vehicle may be seen).
 * *out in arena a. 0 or -1. */
int media_photos_of_vehicle(db_conn *c, struct arena *a, int64_t vehicle_id,
                            struct media_photo **out, int *n, struct err *e);

/* One photo of tenant_id by public id: 1 found, 0 not, -1 error. */
int media_photo_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                    struct media_photo *p, struct err *e);

/* A photo as seen by viewer_tenant_id (0 = anonymous): found when it is a logo, its
 * vehicle is listed, the viewer is its dealer, or the vehicle is on the Börse for the
 * viewer (the same rules as the vehicles; row-level security checks them again on
 * PostgreSQL). *is_public: anyone may see it (cacheable by shared caches).
 * 1 found, 0 not (or not visible), -1 error. */
int media_photo_for_viewer(db_conn *c, struct arena *a, int64_t viewer_tenant_id,
                           const char *public_id, struct media_photo *p, bool *is_public,
                           struct err *e);

/* The dealer's logo (kind "logo"): 1 found, 0 none, -1 error. */
int media_logo_get(db_conn *c, struct arena *a, int64_t tenant_id, struct media_photo *p,
                   struct err *e);

/* Bytes of originals the dealer uses (their photos, each counted once per photo). */
int media_usage(db_conn *c, int64_t tenant_id, int64_t *bytes, struct err *e);

/* ---- cover descriptors and pictures for pages (media_pages.c) ---- */

/* The vehicle's cover descriptor as stored in vehicles.cover (from its first ready
 * photo): "PHOTOID|W|H|VARIANTS|PLACEHOLDER", "" when it has no ready photo. */
const char *media_cover_descriptor(struct arena *a, const struct media_photo *p);

/* The object of templates/partials/picture.mustache for a photo or a cover
 * descriptor: src (a JPEG URL of about 640 px), srcset_jpeg, srcset_webp, srcset_avif
 * (when there are AVIF variants), width, height, placeholder, alt. sizes is the
 * <img sizes> value. NULL when there is nothing to show. */
json_t *media_picture_json(struct arena *a, const struct media_photo *p, const char *sizes);
json_t *media_cover_json(struct arena *a, const char *descriptor, const char *alt,
                         const char *sizes);

/* The dealer's uploaded logo for a page or a mail: {"url", "width", "height"} of its PNG
 * variant at about twice box_h pixels high, width and height the CSS size at box_h
 * high. NULL when there is no ready logo. */
json_t *media_logo_json(struct arena *a, const struct media_photo *logo, int box_h);

/* Absolute-path URL of the variant of width about w (the next larger one) in format
 * fmt ("jpeg", "webp"): for og:image and JSON-LD. NULL when not ready. */
const char *media_photo_url(struct arena *a, const struct media_photo *p, int w, const char *fmt);

/* Signed CDN path for a source (photo public id) and an options string
 * ("w:640/f:webp"): "/img/SIGNATURE/w:640/f:webp/ID". In arena a. */
const char *media_signed_url(struct arena *a, const char *options, const char *source);

/* The API's photo object: id, position, state, error, width, height, placeholder, alt,
 * variants [{width, height, format, url}]. */
json_t *media_photo_json(struct arena *a, const struct media_photo *p);

/* ---- HTTP handlers (photo_api.c, cdn.c) ---- */

int media_api_upload(struct http_req *req);      /* POST /api/v1/vehicles/{id}/photos */
int media_api_list(struct http_req *req);        /* GET /api/v1/vehicles/{id}/photos */
int media_api_reorder(struct http_req *req);     /* PATCH /api/v1/vehicles/{id}/photos */
int media_api_patch(struct http_req *req);       /* PATCH .../photos/{photo_id} (alt) */
int media_api_delete(struct http_req *req);      /* DELETE .../photos/{photo_id} */
int media_api_retry(struct http_req *req);       /* POST .../photos/{photo_id}/retry */
int media_api_logo_upload(struct http_req *req); /* POST /api/v1/dealer/logo */
int media_api_logo_delete(struct http_req *req); /* DELETE /api/v1/dealer/logo */
int media_cdn(struct http_req *req);             /* GET /img/{sig}/{*path} */

/* The photos of a vehicle for the API's vehicle object (the caller decided the vehicle
 * may be seen): a JSON array (possibly empty); ready_only for the public (photos still
 * processing or failed are the dealer's business). NULL on a database error. */
json_t *media_vehicle_photos_json(db_conn *c, struct arena *a, int64_t vehicle_id, bool ready_only,
                                  struct err *e);

#endif
