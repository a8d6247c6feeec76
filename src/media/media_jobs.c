/* media_jobs.c — the jobs of the photo pipeline:
 *
 *   media.variants  one photo → its variants (widths × formats) and placeholder in the
 *                   store, state ready (or failed with the reason), the vehicle's cover
 *   media.gc        blobs no photo uses any more (and no upload is storing) → their
 *                   original and derived files deleted, then the row; hourly, and soon
 *                   after every delete
 *
 * A photo whose bytes another ready photo has already (the same file uploaded twice)
 * takes that photo's variants without rendering again: variants are keyed by content. */
#include "media/media_internal.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "inventory/vehicle_api.h"
#include "jobs/jobs.h"
#include "media/image.h"
#include "media/store.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GC_INTERVAL 3600
#define GC_BATCH    200
/* After a delete the GC runs this soon (several deletes share one run). */
#define GC_SOON 5

/* ---- variants ---- */

struct photo_arg {
  struct arena *a;
  int64_t id;
  struct media_photo p;
  struct media_photo twin;
  int found, has_twin;
};

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  struct photo_arg *x = arg;
  x->found = media_photo_by_id(c, x->a, x->id, &x->p, e);
  if (x->found != 1)
    return x->found < 0 ? -1 : 0;
  x->has_twin = media_photo_ready_twin(c, x->a, x->p.sha256, &x->twin, e);
  return x->has_twin < 0 ? -1 : 0;
}

struct done_arg {
  struct arena *a;
  struct media_photo *p;
  int state;
  const char *error;
  int updated;
};

static int tx_done(db_conn *c, void *arg, struct err *e)
{
  struct done_arg *x = arg;
  /* the photo may have been deleted meanwhile: then there is nothing to update */
  struct media_photo now;
  int rc = media_photo_by_id(c, x->a, x->p->id, &now, e);
  if (rc != 1)
    return rc < 0 ? -1 : 0;
  if (x->state == MEDIA_READY) {
    if (media_photo_set_ready(c, x->p, e) < 0)
      return -1;
  } else if (media_photo_set_state(c, x->p->id, x->state, x->error, e) < 0) {
    return -1;
  }
  x->updated = 1;
  if (x->p->vehicle_id > 0) {
    if (media_cover_refresh(c, x->a, x->p->vehicle_id, e) < 0)
      return -1;
    char payload[24];
    snprintf(payload, sizeof payload, "%" PRId64, x->p->vehicle_id);
    if (db_notify(c, VEHICLE_CHANNEL, payload, e) < 0)
      log_warn("vehicle %" PRId64 ": notify failed: %s", x->p->vehicle_id, e->msg);
  }
  return 0;
}

static int finish(struct job_ctx *job, struct media_photo *p, int state, const char *error,
                  struct err *e)
{
  struct done_arg x = {job->a, p, state, error, 0};
  if (db_tx(job->db, job->tenant_id, DB_WRITE, tx_done, &x, e) < 0)
    return -1;
  if (x.updated)
    media_changed(p->vehicle_id);
  return 0;
}

static const char *fmt_of_name(const char *name)
{
  const char *dot = strrchr(name, '.');
  if (!dot)
    return "jpeg";
  dot++;
  if (!strcmp(dot, "jpg"))
    return "jpeg";
  return dot;
}

static bool permanent(int code)
{
  return code == CC24_E_IMAGE_INVALID || code == CC24_E_IMAGE_TOO_LARGE ||
         code == CC24_E_UNSUPPORTED_MEDIA_TYPE;
}

static int job_variants(struct job_ctx *job, struct err *e)
{
  json_t *jid = json_object_get(job->payload, "photo");
  if (!json_is_integer(jid))
    return 0; /* malformed payload: nothing to retry */
  struct photo_arg x = {.a = job->a, .id = json_integer_value(jid)};
  if (db_tx(job->db, job->tenant_id, DB_READ, tx_load, &x, e) < 0)
    return -1;
  if (x.found != 1 || x.p.state != MEDIA_PROCESSING)
    return 0;
  struct media_photo *p = &x.p;
  struct arena *a = job->a;
  if (x.has_twin == 1 && x.twin.variants[0]) {
    p->width = x.twin.width;
    p->height = x.twin.height;
    p->placeholder = x.twin.placeholder;
    p->variants = x.twin.variants;
    return finish(job, p, MEDIA_READY, "", e);
  }

  struct err ie = {0};
  int rc = media_build_variants(a, p, &ie);
  if (rc == 0)
    return finish(job, p, MEDIA_READY, "", e);
  if (permanent(ie.code) || ie.code == CC24_E_NOT_FOUND || job->attempt >= cfg.job_max_attempts) {
    log_warn("photo %s failed: %s", p->public_id, ie.msg);
    return finish(job, p, MEDIA_FAILED,
                  ie.code == CC24_E_NOT_FOUND ? "the original is missing from the media store"
                                              : arena_strdup(a, ie.msg),
                  e);
  }
  *e = ie;
  return -1;
}

int media_build_variants(struct arena *a, struct media_photo *p, struct err *e)
{
  int64_t t0 = time_mono_ms();
  char id[ID_LEN + 1];
  id_new(id);
  const char *work = arena_printf(a, "%s/job-%d-%s", media_g.cfg.tmp_dir, (int)getpid(), id);
  if (mkdir(work, 0700) != 0)
    return err_set(e, CC24_E_IO, "cannot create %s: %s", work, strerror(errno));
  int rc = -1;
  const char *src = media_store_local_path(media_g.store, a, media_key_original(a, p->sha256));
  if (!src) {
    src = arena_printf(a, "%s/original", work);
    if (media_store_get_file(media_g.store, media_key_original(a, p->sha256), src, e) < 0)
      goto out;
  }
  bool logo = p->kind && !strcmp(p->kind, "logo");
  enum media_fmt fmts[3];
  int nf = 0;
  if (logo) {
    fmts[nf++] = MEDIA_FMT_PNG;
    fmts[nf++] = MEDIA_FMT_WEBP;
  } else {
    fmts[nf++] = MEDIA_FMT_JPEG;
    fmts[nf++] = MEDIA_FMT_WEBP;
    if (media_g.cfg.avif && media_can_avif())
      fmts[nf++] = MEDIA_FMT_AVIF;
  }
  struct media_variant vs[MEDIA_VARIANTS_MAX];
  int nv = 0;
  const char *ph = "";
  if (media_make_variants(src, media_g.cfg.max_pixels, media_widths, MEDIA_WIDTHS_N, fmts, nf, work,
                          vs, &nv, a, &ph, e) < 0)
    goto out;
  struct buf list;
  buf_init(&list, a);
  int64_t out_bytes = 0;
  for (int i = 0; i < nv; i++) {
    const char *path = arena_printf(a, "%s/%s", work, vs[i].name);
    if (media_store_put_file(media_g.store, media_key_variant(a, p->sha256, vs[i].name), path,
                             media_fmt_mime(vs[i].fmt), NULL, e) < 0)
      goto out;
    if (list.len)
      buf_putc(&list, ',');
    buf_printf(&list, "%dx%d:%s", vs[i].width, vs[i].height, fmt_of_name(vs[i].name));
    out_bytes += vs[i].bytes;
  }
  p->placeholder = ph;
  p->variants = buf_cstr(&list);
  log_info("photo %s ready: %d variants, %" PRId64 " KB, %" PRId64 " ms", p->public_id, nv,
           out_bytes / 1024, time_mono_ms() - t0);
  rc = 0;
out : {
  DIR *d = opendir(work);
  if (d) {
    struct dirent *de;
    while ((de = readdir(d)))
      if (de->d_name[0] != '.')
        unlink(arena_printf(a, "%s/%s", work, de->d_name));
    closedir(d);
  }
  rmdir(work);
}
  return rc;
}

/* ---- garbage collection ---- */

int media_gc_schedule(db_conn *c, struct err *e)
{
  int64_t soon = time_now() + GC_SOON;
  /* an hourly run queued for later is brought forward */
  if (db_exec(c, "UPDATE jobs SET run_at = $2 WHERE kind = $1 AND state = 'queued' AND run_at > $2",
              DB_PARAMS(db_text(MEDIA_JOB_GC), db_i64(soon)), e) < 0)
    return -1;
  return jobs_schedule_single(c, MEDIA_JOB_GC, soon, 0, e) < 0 ? -1 : 0;
}

struct gc_arg {
  struct arena *a;
  int64_t now;
  const char **shas;
  int n;
  const char *sha;
  int deleted;
  int64_t except;
};

static int tx_candidates(db_conn *c, void *arg, struct err *e)
{
  struct gc_arg *x = arg;
  return media_gc_candidates(c, x->a, x->now, GC_BATCH, &x->shas, &x->n, e);
}

static int del_key(const char *key, int64_t size, int64_t mtime, void *arg)
{
  (void)size;
  (void)mtime;
  struct err *e = arg;
  return media_store_delete(media_g.store, key, e) < 0 ? 1 : 0;
}

/* The row stays locked while the files go: an upload of the same bytes waits for the
 * commit and then stores them anew. A failure rolls back and the next run tries again
 * (deleting is idempotent). */
static int tx_collect(db_conn *c, void *arg, struct err *e)
{
  struct gc_arg *x = arg;
  x->deleted = 0;
  int rc = media_gc_lock(c, x->sha, x->now, e);
  if (rc != 1)
    return rc < 0 ? -1 : 0;
  e->code = 0;
  if (media_store_list(media_g.store, media_key_variant_prefix(x->a, x->sha), del_key, e, e) < 0 ||
      e->code)
    return -1;
  if (media_store_delete(media_g.store, media_key_original(x->a, x->sha), e) < 0)
    return -1;
  if (media_gc_forget(c, x->sha, e) < 0)
    return -1;
  x->deleted = 1;
  return 0;
}

static int tx_next(db_conn *c, void *arg, struct err *e)
{
  struct gc_arg *x = arg;
  return jobs_schedule_single(c, MEDIA_JOB_GC, x->now, x->except, e) < 0 ? -1 : 0;
}

static int job_gc(struct job_ctx *job, struct err *e)
{
  struct gc_arg x = {.a = job->a, .now = time_now(), .except = job->id};
  if (db_tx(job->db, 0, DB_READ, tx_candidates, &x, e) < 0)
    return -1;
  int deleted = 0, failed = 0;
  for (int i = 0; i < x.n; i++) {
    x.sha = x.shas[i];
    struct err ge = {0};
    if (db_tx(job->db, 0, DB_WRITE, tx_collect, &x, &ge) < 0) {
      log_warn("media gc: %s: %s", x.sha, ge.msg);
      failed++;
      continue;
    }
    deleted += x.deleted;
  }
  if (deleted)
    log_info("media gc: %d unused originals and their variants deleted", deleted);
  /* a full batch: go on soon; otherwise the next hourly run */
  x.now = time_now() + (x.n == GC_BATCH ? 1 : GC_INTERVAL);
  if (db_tx(job->db, 0, DB_WRITE, tx_next, &x, e) < 0)
    return -1;
  /* failures were logged; the next run tries them again (a retry of this job would
   * start a second chain) */
  (void)failed;
  return 0;
}

static int tx_first(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return jobs_schedule_single(c, MEDIA_JOB_GC, time_now() + 60, 0, e) < 0 ? -1 : 0;
}

int media_gc_start(db *d, struct err *e)
{
  return db_tx(d, 0, DB_WRITE, tx_first, NULL, e);
}

void media_jobs_register(void)
{
  jobs_register(MEDIA_JOB_VARIANTS, job_variants);
  jobs_register(MEDIA_JOB_GC, job_gc);
}
