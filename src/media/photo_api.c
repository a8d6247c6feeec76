/* photo_api.c — the photo API of a vehicle and the dealer's logo:
 *
 *   POST   /api/v1/vehicles/{id}/photos              upload (multipart, parts "photo")
 *   GET    /api/v1/vehicles/{id}/photos              list with state and variants
 *   PATCH  /api/v1/vehicles/{id}/photos              reorder {"order": [ids]}
 *   PATCH  /api/v1/vehicles/{id}/photos/{photo_id}   {"alt": "..."}
 *   DELETE /api/v1/vehicles/{id}/photos/{photo_id}
 *   POST   /api/v1/vehicles/{id}/photos/{photo_id}/retry
 *   POST   /api/v1/dealer/logo, DELETE /api/v1/dealer/logo
 *
 * The upload is a streaming route: each file part goes to its own temporary file
 * while it arrives (hashed on the way), nothing is held in memory. Only when the
 * whole body is in are the files checked — type sniffed from the bytes, header
 * probed against the pixel limit, the dealer's quota — and stored: the blob row is
 * reserved (so the GC leaves the bytes alone), the original put into the media
 * store, then one transaction writes the photo rows and their jobs. A request cut
 * off anywhere before that leaves only temporary files, which die with the request
 * (or, after kill -9, with the next start's sweep); a process killed between the
 * store and the rows leaves a reserved blob that the GC collects after
 * MEDIA_PENDING_STALE. Another dealer's vehicle answers 404, before the body is read. */
#include "media/media_internal.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/multipart.h"
#include "inventory/vehicle_api.h"
#include "inventory/vehicle_store.h"
#include "jobs/jobs.h"
#include "media/image.h"
#include "media/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

/* ---- one uploaded file ---- */

struct up_file {
  int index;            /* position of the part among the file parts */
  const char *filename; /* for the error list only (never a path) */
  char *path;           /* temporary file, NULL when the part is skipped */
  int fd;
  crypto_hash_sha256_state h;
  int64_t bytes;
  unsigned char head[64];
  size_t headn;
  char sha[65];
  enum media_fmt fmt;
  struct media_probe probe;
  const char *code, *detail; /* error, NULL when fine */
  bool reserved;             /* counted as a pending upload of its blob */
  bool over_quota;
  struct media_photo photo; /* after the insert */
  struct up_file *next;
};

struct upload {
  struct http_req *req;
  struct mp_parser *mp;
  int64_t vehicle_id; /* 0: the logo */
  bool logo;
  int existing; /* photos the vehicle had */
  int accepted; /* file parts that will be tried */
  int nparts;
  struct up_file *head, **tail, *cur;
  bool refused; /* an answer is set (413) */
};

/* Temporary files die with the request: unlinked (a stored one was copied or linked
 * into the store before) and closed. */
static void up_cleanup(void *arg)
{
  struct upload *u = arg;
  for (struct up_file *f = u->head; f; f = f->next) {
    if (f->fd >= 0)
      close(f->fd);
    f->fd = -1;
    if (f->path)
      unlink(f->path);
    f->path = NULL;
  }
}

static void file_error(struct up_file *f, const char *code, const char *detail)
{
  if (f->code)
    return;
  f->code = code;
  f->detail = detail;
  if (f->fd >= 0)
    close(f->fd);
  f->fd = -1;
  if (f->path)
    unlink(f->path);
  f->path = NULL;
}

static int part_begin(void *arg, const struct mp_part *p)
{
  struct upload *u = arg;
  u->cur = NULL;
  if (strcmp(p->name, u->logo ? "logo" : "photo"))
    return 0; /* other fields are ignored */
  struct arena *a = u->req->a;
  struct up_file *f = arena_zalloc(a, sizeof *f);
  f->fd = -1;
  f->index = u->nparts++;
  f->filename = p->filename ? arena_strndup(a, p->filename, 120) : "";
  crypto_hash_sha256_init(&f->h);
  *u->tail = f;
  u->tail = &f->next;
  u->cur = f;
  int limit = u->logo ? 1 : MEDIA_MAX_PHOTOS - u->existing;
  if (u->accepted >= limit) {
    file_error(f, "too_many_photos",
               u->logo ? "only one logo per upload"
                       : arena_printf(a, "a vehicle has at most %d photos", MEDIA_MAX_PHOTOS));
    return 0;
  }
  u->accepted++;
  f->path = arena_printf(a, "%s/up-%d-%s", media_g.cfg.tmp_dir, (int)getpid(), ({
                           char *t = arena_alloc(a, ID_LEN + 1);
                           id_new(t);
                           t;
                         }));
  f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (f->fd < 0) {
    log_error("upload: cannot create %s: %s", f->path, strerror(errno));
    f->path = NULL;
    file_error(f, "storage", "the server could not store the file");
  }
  return 0;
}

static int part_data(void *arg, const char *data, size_t n)
{
  struct upload *u = arg;
  struct up_file *f = u->cur;
  if (!f)
    return 0;
  f->bytes += (int64_t)n;
  if (f->code)
    return 0; /* skipped: the bytes are only counted */
  if (f->bytes > media_g.cfg.max_file_bytes) {
    /* this file is refused (its bytes are read and dropped), the others go on; when no
     * file is left, the answer is 413 */
    file_error(f, "too_large",
               arena_printf(u->req->a, "the file is larger than %" PRId64 " MB",
                            media_g.cfg.max_file_bytes / (1024 * 1024)));
    return 0;
  }
  if (f->headn < sizeof f->head) {
    size_t k = sizeof f->head - f->headn < n ? sizeof f->head - f->headn : n;
    memcpy(f->head + f->headn, data, k);
    f->headn += k;
  }
  crypto_hash_sha256_update(&f->h, (const unsigned char *)data, n);
  while (n) {
    ssize_t w = write(f->fd, data, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      log_error("upload: write %s: %s", f->path, strerror(errno));
      file_error(f, "storage", "the server could not store the file");
      return 0;
    }
    data += w;
    n -= (size_t)w;
  }
  return 0;
}

static int part_end(void *arg)
{
  struct upload *u = arg;
  struct up_file *f = u->cur;
  u->cur = NULL;
  if (!f || f->code)
    return 0;
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&f->h, d);
  sodium_bin2hex(f->sha, sizeof f->sha, d, sizeof d);
  if (close(f->fd) != 0) {
    f->fd = -1;
    file_error(f, "storage", "the server could not store the file");
    return 0;
  }
  f->fd = -1;
  return 0;
}

static const struct mp_callbacks mp_cbs = {part_begin, part_data, part_end};

/* ---- checks once the body is in ---- */

static bool fmt_accepted(enum media_fmt f, bool logo)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
  case MEDIA_FMT_PNG:
  case MEDIA_FMT_WEBP:
  case MEDIA_FMT_HEIF:
  case MEDIA_FMT_AVIF:
    return true;
  case MEDIA_FMT_SVG:
    return logo;
  default:
    return false;
  }
}

static const char *fmt_name(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_JPEG:
    return "jpeg";
  case MEDIA_FMT_PNG:
    return "png";
  case MEDIA_FMT_WEBP:
    return "webp";
  case MEDIA_FMT_HEIF:
    return "heif";
  case MEDIA_FMT_AVIF:
    return "avif";
  case MEDIA_FMT_SVG:
    return "svg";
  default:
    return "unknown";
  }
}

/* An SVG logo is rasterised right away (from memory: librsvg gets no base directory
 * and loads nothing else); from then on it is a PNG like any other. */
static int svg_to_png(struct upload *u, struct up_file *f)
{
  struct arena *a = u->req->a;
  if (f->bytes > 1024 * 1024) {
    file_error(f, "too_large", "an SVG logo may have at most 1 MB");
    return -1;
  }
  FILE *in = fopen(f->path, "rb");
  if (!in) {
    file_error(f, "storage", "the server could not read the file");
    return -1;
  }
  char *svg = arena_alloc(a, (size_t)f->bytes + 1);
  size_t got = fread(svg, 1, (size_t)f->bytes, in);
  fclose(in);
  const char *png = arena_printf(a, "%s.png", f->path);
  struct err e = {0};
  if (got != (size_t)f->bytes || media_svg_rasterise(svg, got, 1024, png, &e) < 0) {
    unlink(png);
    file_error(f, "invalid_image", e.msg[0] ? arena_strdup(a, e.msg) : "the SVG cannot be read");
    return -1;
  }
  /* the PNG replaces the SVG: hash it again */
  unlink(f->path);
  f->path = (char *)png;
  if (media_file_sha256(png, f->sha, &f->bytes, &e) < 0) {
    file_error(f, "storage", "the server could not read the file");
    return -1;
  }
  f->fmt = MEDIA_FMT_PNG;
  return 0;
}

static void check_file(struct upload *u, struct up_file *f)
{
  if (f->code)
    return;
  if (f->bytes == 0) {
    file_error(f, "empty", "the file is empty");
    return;
  }
  f->fmt = media_sniff(f->head, f->headn);
  if (!fmt_accepted(f->fmt, u->logo)) {
    file_error(f, "unsupported_type",
               u->logo ? "not an image cc24 reads (JPEG, PNG, WebP, HEIC/HEIF, AVIF or SVG)"
                       : "not an image cc24 reads (JPEG, PNG, WebP, HEIC/HEIF or AVIF)");
    return;
  }
  if (f->fmt == MEDIA_FMT_SVG && svg_to_png(u, f) < 0)
    return;
  struct err e = {0};
  if (media_probe_file(f->path, media_g.cfg.max_pixels, &f->probe, &e) < 0) {
    struct arena *a = u->req->a;
    if (e.code == CC24_E_IMAGE_TOO_LARGE)
      file_error(f, "too_many_pixels",
                 arena_printf(a, "the image has more than %" PRId64 " megapixels",
                              media_g.cfg.max_pixels / 1000000));
    else if (e.code == CC24_E_UNSUPPORTED_MEDIA_TYPE)
      file_error(f, "unsupported_type", "not an image cc24 reads");
    else
      file_error(f, "invalid_image",
                 arena_printf(a, "the image cannot be read: %s", e.msg[0] ? e.msg : "corrupt"));
  }
}

/* ---- storing ---- */

struct reserve_arg {
  struct upload *u;
  int64_t usage;
};

/* Count the files that fit into the quota as pending uploads of their blobs (so the GC
 * leaves the bytes alone until the photo rows exist). */
static int tx_reserve(db_conn *c, void *arg, struct err *e)
{
  struct reserve_arg *x = arg;
  struct upload *u = x->u;
  if (media_usage(c, u->req->tenant_id, &x->usage, e) < 0)
    return -1;
  int64_t used = x->usage, now = time_now();
  for (struct up_file *f = u->head; f; f = f->next) {
    f->reserved = f->over_quota = false;
    if (f->code)
      continue;
    if (used + f->bytes > media_g.cfg.quota_bytes) {
      f->over_quota = true;
      continue;
    }
    used += f->bytes;
    if (media_blob_reserve(c, f->sha, f->bytes, fmt_name(f->fmt), now, e) < 0)
      return -1;
    f->reserved = true;
  }
  return 0;
}

/* Give back the reservations of files that got no photo row. */
static int tx_release(db_conn *c, void *arg, struct err *e)
{
  struct upload *u = arg;
  for (struct up_file *f = u->head; f; f = f->next)
    if (f->reserved && f->photo.id == 0 && media_blob_release(c, f->sha, e) < 0)
      return -1;
  return 0;
}

struct insert_arg {
  struct upload *u;
};

static int tx_insert(db_conn *c, void *arg, struct err *e)
{
  struct insert_arg *x = arg;
  struct upload *u = x->u;
  struct http_req *req = u->req;
  if (u->logo) {
    /* one logo per dealer: the new one replaces the old */
    if (db_exec(c, "DELETE FROM media_photos WHERE tenant_id = $1 AND kind = 'logo'",
                DB_PARAMS(db_i64(req->tenant_id)), e) < 0)
      return -1;
  } else {
    /* the vehicle may have gone while the body arrived; the lock orders concurrent
     * uploads to one vehicle, so the photo limit holds */
    int rc = db_query_one(c, NULL,
                          DB_SQL(c, "SELECT id FROM vehicles WHERE tenant_id = $1 AND id = $2",
                                 "SELECT id FROM vehicles WHERE tenant_id = $1 AND id = $2"
                                 " FOR UPDATE"),
                          DB_PARAMS(db_i64(req->tenant_id), db_i64(u->vehicle_id)),
                          DB_ROW(db_out_skip()), e);
    if (rc < 0)
      return -1;
    if (rc == 0)
      return err_set(e, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle");
  }
  int count = 0;
  if (!u->logo && media_photo_count(c, u->vehicle_id, &count, e) < 0)
    return -1;
  for (struct up_file *f = u->head; f; f = f->next) {
    f->photo.id = 0;
    if (f->code || !f->reserved)
      continue;
    if (!u->logo && count >= MEDIA_MAX_PHOTOS)
      continue; /* a concurrent upload filled the vehicle; reported after commit */
    struct media_photo *p = &f->photo;
    p->tenant_id = req->tenant_id;
    p->vehicle_id = u->logo ? 0 : u->vehicle_id;
    p->kind = u->logo ? "logo" : "vehicle";
    p->sha256 = f->sha;
    p->format = fmt_name(f->fmt);
    p->bytes = f->bytes;
    p->width = f->probe.width;
    p->height = f->probe.height;
    p->alt = "";
    if (media_photo_insert(c, p, e) < 0 || media_blob_release(c, f->sha, e) < 0)
      return -1;
    char payload[48];
    snprintf(payload, sizeof payload, "{\"photo\":%" PRId64 "}", p->id);
    if (jobs_enqueue(c, MEDIA_JOB_VARIANTS, payload, req->tenant_id, 0, e) < 0)
      return -1;
    count++;
  }
  return 0;
}

static int store_original(struct up_file *f, struct arena *a)
{
  struct err e = {0};
  const char *key = media_key_original(a, f->sha);
  int64_t size = -1;
  int st = media_store_stat(media_g.store, key, &size, &e);
  if (st == 1 && size == f->bytes)
    return 0; /* the same bytes are there already */
  if (media_store_put_file(media_g.store, key, f->path, media_fmt_mime(f->fmt), f->sha, &e) < 0) {
    log_error("upload: store %s: %s", key, e.msg);
    return -1;
  }
  return 0;
}

/* The answer: 201 with the photos and the refused files; when nothing was stored, a
 * problem: 413 (too large, quota), 415 (no file of a readable type) or 422. */
static int answer(struct upload *u)
{
  struct http_req *req = u->req;
  struct arena *a = req->a;
  json_t *photos = json_array(), *errors = json_array();
  int ok = 0, unsupported = 0, size = 0, total = 0;
  for (struct up_file *f = u->head; f; f = f->next) {
    total++;
    if (f->photo.id > 0) {
      json_array_append_new(photos, media_photo_json(a, &f->photo));
      ok++;
      continue;
    }
    const char *code = f->code ? f->code : "too_many_photos";
    const char *detail = f->code ? f->detail : "the vehicle has no room for more photos";
    if (!strcmp(code, "unsupported_type"))
      unsupported++;
    if (!strcmp(code, "quota_exceeded") || !strcmp(code, "too_large"))
      size++;
    json_array_append_new(errors, json_pack("{s:i, s:s, s:s, s:s, s:s}", "index", f->index, "field",
                                            "photo", "filename", f->filename, "code", code,
                                            "detail", detail));
  }
  if (total == 0) {
    json_decref(photos);
    json_decref(errors);
    return http_problem(req, 422, CC24_E_VALIDATION,
                        u->logo ? "the request has no part named \"logo\""
                                : "the request has no part named \"photo\"",
                        u->logo ? "logo" : "photo");
  }
  if (ok == 0) {
    json_decref(photos);
    json_decref(errors);
    int status = size == total ? 413 : unsupported == total ? 415 : 422;
    int code = size == total          ? CC24_E_QUOTA_EXCEEDED
               : unsupported == total ? CC24_E_UNSUPPORTED_MEDIA_TYPE
                                      : CC24_E_VALIDATION;
    struct field_errors errs;
    field_errors_init(&errs, a);
    const char *first = NULL;
    for (struct up_file *f = u->head; f; f = f->next) {
      const char *detail = f->code ? f->detail : "not stored";
      if (!first)
        first = detail;
      field_error_add(&errs, arena_printf(a, "photo[%d]", f->index), f->code ? f->code : "storage",
                      "%s%s%s", f->filename[0] ? f->filename : "", f->filename[0] ? ": " : "",
                      detail);
    }
    return http_problem_list(req, status, code,
                             total == 1 ? first : "none of the files could be accepted", &errs);
  }
  return http_reply_json(req, 201, json_pack("{s:o, s:o}", "photos", photos, "errors", errors));
}

static int up_end(struct http_req *req, void *arg)
{
  struct upload *u = arg;
  struct arena *a = req->a;
  if (mp_finish(u->mp) < 0)
    return http_problem(req, 400, CC24_E_BAD_REQUEST,
                        arena_printf(a, "the multipart body is not complete: %s", mp_error(u->mp)),
                        NULL);
  for (struct up_file *f = u->head; f; f = f->next)
    check_file(u, f);

  struct err e = {0};
  struct app *app = app_of(req);
  struct reserve_arg r = {.u = u};
  if (db_tx(app->db, req->tenant_id, DB_WRITE, tx_reserve, &r, &e) < 0)
    return http_problem_err(req, &e);
  for (struct up_file *f = u->head; f; f = f->next) {
    if (f->over_quota)
      file_error(
          f, "quota_exceeded",
          arena_printf(a, "the storage quota of %" PRId64 " MB is used up (%" PRId64 " MB in use)",
                       media_g.cfg.quota_bytes / (1024 * 1024), r.usage / (1024 * 1024)));
    else if (f->reserved && store_original(f, a) < 0)
      file_error(f, "storage", "the server could not store the file");
  }
  struct insert_arg x = {u};
  int irc = db_tx(app->db, req->tenant_id, DB_WRITE, tx_insert, &x, &e);
  if (irc < 0)
    for (struct up_file *f = u->head; f; f = f->next)
      f->photo.id = 0;
  struct err e2 = {0};
  if (db_tx(app->db, req->tenant_id, DB_WRITE, tx_release, u, &e2) < 0)
    log_warn("upload: releasing reservations failed (the GC collects them): %s", e2.msg);
  if (irc < 0)
    return http_problem_err(req, &e);
  for (struct up_file *f = u->head; f; f = f->next)
    if (f->photo.id > 0)
      log_info("photo %s stored (%s, %" PRId64 " bytes, %dx%d)", f->photo.public_id,
               f->photo.format, f->bytes, f->photo.width, f->photo.height);
  if (u->logo)
    media_changed(0);
  return answer(u);
}

static int up_data(struct http_req *req, void *arg, const char *p, size_t n)
{
  struct upload *u = arg;
  if (mp_feed(u->mp, p, n) < 0) {
    if (!u->refused)
      http_problem(req, 400, CC24_E_BAD_REQUEST,
                   arena_printf(req->a, "the multipart body is malformed: %s", mp_error(u->mp)),
                   NULL);
    return -1;
  }
  return 0;
}

static void up_abort(struct http_req *req, void *arg)
{
  (void)req;
  up_cleanup(arg);
}

static const struct http_stream up_stream = {up_data, up_end, up_abort};

struct vcheck_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
  struct vehicle v;
  int found;
  int count;
  int64_t usage;
};

static int tx_vcheck(db_conn *c, void *arg, struct err *e)
{
  struct vcheck_arg *x = arg;
  if (x->id) {
    x->found = vehicle_store_get(c, x->a, x->tenant_id, x->id, &x->v, e);
    if (x->found != 1)
      return x->found < 0 ? -1 : 0;
    if (media_photo_count(c, x->v.id, &x->count, e) < 0)
      return -1;
  }
  return media_usage(c, x->tenant_id, &x->usage, e);
}

static int start_upload(struct http_req *req, bool logo)
{
  if (!req->streaming)
    return http_problem(req, 500, CC24_E_INTERNAL, "upload route is not streaming", NULL);
  if (!media_g.store)
    return http_problem(req, 503, CC24_E_INTERNAL, "the media store is not configured", NULL);
  const char *ct = http_header(req, "Content-Type");
  const char *boundary = ct ? mp_boundary(req->a, ct) : NULL;
  if (!boundary)
    return http_problem(req, 415, CC24_E_UNSUPPORTED_MEDIA_TYPE,
                        "send the photos as multipart/form-data with parts named \"photo\"", NULL);
  struct vcheck_arg x = {.a = req->a,
                         .tenant_id = req->tenant_id,
                         .id = logo ? NULL : http_param(req, "id"),
                         .found = 1};
  if (!logo && !id_valid(x.id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_vcheck, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found != 1)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  if (!logo && x.count >= MEDIA_MAX_PHOTOS)
    return http_problem(
        req, 422, CC24_E_VALIDATION,
        arena_printf(req->a, "the vehicle has %d photos already, the most there can be", x.count),
        "photo");
  if (x.usage >= media_g.cfg.quota_bytes)
    return http_problem(req, 413, CC24_E_QUOTA_EXCEEDED,
                        arena_printf(req->a, "the storage quota of %" PRId64 " MB is used up",
                                     media_g.cfg.quota_bytes / (1024 * 1024)),
                        "photo");
  struct upload *u = arena_zalloc(req->a, sizeof *u);
  u->req = req;
  u->logo = logo;
  u->vehicle_id = logo ? 0 : x.v.id;
  u->existing = x.count;
  u->tail = &u->head;
  u->mp = mp_new(req->a, boundary, &mp_cbs, u);
  arena_on_free(req->a, up_cleanup, u);
  return http_stream_accept(req, &up_stream, u, (uint64_t)media_g.cfg.max_request_bytes);
}

int media_api_upload(struct http_req *req)
{
  return start_upload(req, false);
}

int media_api_logo_upload(struct http_req *req)
{
  return start_upload(req, true);
}

/* ---- list, reorder, alt, delete, retry ---- */

struct photos_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *vehicle_pid, *photo_pid;
  struct vehicle v;
  int found;
  json_t *body;
  struct field_errors *errs;
  struct media_photo p;
  json_t *out;
  const char *alt;
  const char **order;
  int norder;
  bool changed_cover;
};

static int load_vehicle(db_conn *c, struct photos_arg *x, struct err *e)
{
  x->found = vehicle_store_get(c, x->a, x->tenant_id, x->vehicle_pid, &x->v, e);
  return x->found < 0 ? -1 : 0;
}

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  if (load_vehicle(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  x->out = media_vehicle_photos_json(c, x->a, x->v.id, false, e);
  return x->out ? 0 : -1;
}

static int vehicle_param(struct http_req *req, struct photos_arg *x)
{
  x->a = req->a;
  x->tenant_id = req->tenant_id;
  x->vehicle_pid = http_param(req, "id");
  x->photo_pid = http_param(req, "photo_id");
  if (!id_valid(x->vehicle_pid))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL), -1;
  return 0;
}

int media_api_list(struct http_req *req)
{
  struct photos_arg x = {0};
  if (vehicle_param(req, &x) < 0)
    return 0;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_list, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found != 1)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  json_arena(req->a, x.out);
  return http_reply_json(req, 200, json_pack("{s:O}", "photos", x.out));
}

/* After a change of order, deletion or readiness: the cover on the vehicle, and other
 * instances told through the vehicle channel. */
static int cover_changed(db_conn *c, struct arena *a, int64_t vehicle_id, struct err *e)
{
  if (media_cover_refresh(c, a, vehicle_id, e) < 0)
    return -1;
  char payload[24];
  snprintf(payload, sizeof payload, "%" PRId64, vehicle_id);
  if (db_notify(c, VEHICLE_CHANNEL, payload, e) < 0)
    log_warn("vehicle %" PRId64 ": notify failed: %s", vehicle_id, e->msg);
  return 0;
}

static int tx_reorder(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  if (load_vehicle(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  struct media_photo *ps;
  int n;
  if (media_photos_of_vehicle(c, x->a, x->v.id, &ps, &n, e) < 0)
    return -1;
  if (x->norder != n) {
    field_error_add(x->errs, "order", "length",
                    "order must list each of the vehicle's %d photos exactly once", n);
    return 0;
  }
  int64_t *ids = arena_calloc(x->a, (size_t)n + 1, sizeof *ids);
  for (int i = 0; i < n; i++) {
    int hit = -1;
    for (int k = 0; k < n; k++)
      if (!strcmp(ps[k].public_id, x->order[i]))
        hit = k;
    for (int k = 0; k < i && hit >= 0; k++)
      if (!strcmp(x->order[k], x->order[i]))
        hit = -2;
    if (hit < 0) {
      field_error_add(
          x->errs, arena_printf(x->a, "order[%d]", i), hit == -2 ? "duplicate" : "unknown",
          hit == -2 ? "photo %s is listed twice" : "photo %s is not a photo of this vehicle",
          x->order[i]);
      continue;
    }
    ids[i] = ps[hit].id;
  }
  if (x->errs->n)
    return 0;
  for (int i = 0; i < n; i++)
    if (media_photo_set_position(c, x->tenant_id, ids[i], i, e) < 0)
      return -1;
  if (cover_changed(c, x->a, x->v.id, e) < 0)
    return -1;
  x->out = media_vehicle_photos_json(c, x->a, x->v.id, false, e);
  return x->out ? 0 : -1;
}

int media_api_reorder(struct http_req *req)
{
  struct photos_arg x = {0};
  if (vehicle_param(req, &x) < 0)
    return 0;
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  x.errs = &errs;
  json_t *order = json_object_get(body, "order");
  const char *key;
  json_t *val;
  json_object_foreach(body, key, val)
  {
    if (strcmp(key, "order"))
      field_error_add(&errs, key, "unknown", "unknown field %s", key);
  }
  if (!json_is_array(order)) {
    field_error_add(&errs, "order", order ? "type" : "required",
                    "order must be an array of photo ids");
  } else {
    x.norder = (int)json_array_size(order);
    if (x.norder > MEDIA_MAX_PHOTOS)
      field_error_add(&errs, "order", "length", "a vehicle has at most %d photos",
                      MEDIA_MAX_PHOTOS);
    x.order = arena_calloc(req->a, (size_t)x.norder + 1, sizeof *x.order);
    for (int i = 0; i < x.norder && i < MEDIA_MAX_PHOTOS; i++) {
      const char *s = json_string_value(json_array_get(order, (size_t)i));
      if (!s)
        field_error_add(&errs, arena_printf(req->a, "order[%d]", i), "type",
                        "each entry must be a photo id");
      x.order[i] = s ? arena_strdup(req->a, s) : "";
    }
  }
  if (errs.n)
    return http_problem_fields(req, &errs);
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_reorder, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found != 1)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  if (errs.n)
    return http_problem_fields(req, &errs);
  media_changed(x.v.id);
  json_arena(req->a, x.out);
  return http_reply_json(req, 200, json_pack("{s:O}", "photos", x.out));
}

static int load_photo(db_conn *c, struct photos_arg *x, struct err *e)
{
  if (load_vehicle(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  x->found = id_valid(x->photo_pid)
                 ? media_photo_of_vehicle(c, x->a, x->tenant_id, x->v.id, x->photo_pid, &x->p, e)
                 : 0;
  if (x->found == 0)
    x->found = 2; /* vehicle there, photo not */
  return x->found < 0 ? -1 : 0;
}

static int tx_alt(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  if (load_photo(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  if (media_photo_set_alt(c, x->tenant_id, x->p.id, x->alt, e) < 0)
    return -1;
  x->p.alt = x->alt;
  if (x->p.position == 0 && cover_changed(c, x->a, x->v.id, e) < 0)
    return -1;
  return 0;
}

static int not_found(struct http_req *req, int found)
{
  return found == 2 ? http_problem(req, 404, CC24_E_NOT_FOUND, "no such photo", "photo_id")
                    : http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
}

int media_api_patch(struct http_req *req)
{
  struct photos_arg x = {0};
  if (vehicle_param(req, &x) < 0)
    return 0;
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  char *alt = NULL;
  struct json_field spec[] = {
      JF_STRING("alt", &alt, JF_REQUIRED, 0, MEDIA_ALT_MAX),
      JF_END,
  };
  if (json_parse_fields(req->a, body, spec, JSON_REJECT_UNKNOWN, &errs) < 0)
    return http_problem_fields(req, &errs);
  for (const char *s = alt; s && *s; s++)
    if ((unsigned char)*s < 0x20) {
      field_error_add(&errs, "alt", "format", "alt must be one line of text");
      return http_problem_fields(req, &errs);
    }
  x.alt = str_trim(req->a, alt);
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_alt, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found != 1)
    return not_found(req, x.found);
  if (x.p.position == 0)
    media_changed(x.v.id);
  return http_reply_json(req, 200, json_arena(req->a, media_photo_json(req->a, &x.p)));
}

static int tx_delete(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  if (load_photo(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  if (media_photo_delete(c, x->tenant_id, x->p.id, e) < 0 ||
      media_photos_renumber(c, x->tenant_id, x->v.id, e) < 0 ||
      cover_changed(c, x->a, x->v.id, e) < 0)
    return -1;
  return media_gc_schedule(c, e);
}

int media_api_delete(struct http_req *req)
{
  struct photos_arg x = {0};
  if (vehicle_param(req, &x) < 0)
    return 0;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_delete, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found != 1)
    return not_found(req, x.found);
  log_info("photo %s deleted", x.p.public_id);
  media_changed(x.v.id);
  return http_reply(req, 204, NULL, NULL, 0);
}

static int tx_retry(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  if (load_photo(c, x, e) < 0 || x->found != 1)
    return x->found < 0 ? -1 : 0;
  if (x->p.state != MEDIA_FAILED) {
    x->found = 3;
    return 0;
  }
  if (media_photo_set_state(c, x->p.id, MEDIA_PROCESSING, "", e) < 0)
    return -1;
  char payload[48];
  snprintf(payload, sizeof payload, "{\"photo\":%" PRId64 "}", x->p.id);
  if (jobs_enqueue(c, MEDIA_JOB_VARIANTS, payload, x->tenant_id, 0, e) < 0)
    return -1;
  x->p.state = MEDIA_PROCESSING;
  x->p.error = "";
  return 0;
}

int media_api_retry(struct http_req *req)
{
  struct photos_arg x = {0};
  if (vehicle_param(req, &x) < 0)
    return 0;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_retry, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found == 3)
    return http_problem(req, 409, CC24_E_CONFLICT, "only a failed photo can be retried", NULL);
  if (x.found != 1)
    return not_found(req, x.found);
  return http_reply_json(req, 202, json_arena(req->a, media_photo_json(req->a, &x.p)));
}

static int tx_logo_delete(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  int n = db_exec(c, "DELETE FROM media_photos WHERE tenant_id = $1 AND kind = 'logo'",
                  DB_PARAMS(db_i64(x->tenant_id)), e);
  if (n < 0)
    return -1;
  x->found = n > 0;
  return n > 0 ? media_gc_schedule(c, e) : 0;
}

int media_api_logo_delete(struct http_req *req)
{
  struct photos_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_logo_delete, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "the dealer has no uploaded logo", NULL);
  media_changed(0);
  return http_reply(req, 204, NULL, NULL, 0);
}
