/* Demo photos: the car photos of scripts/demo-photos.sh (from Debian and npm packages)
 * on the demo vehicles, so that `make run` shows a marketplace with pictures.
 *
 * Each file of the directory goes through the real pipeline once — probe, the store
 * (content-addressed, so the blob is shared), the variants — and is then attached to
 * every demo vehicle that shows it, as a ready photo. This runs synchronously before the
 * server answers (a dozen files, about a second), which keeps the demo deterministic
 * and spares 300 identical variant jobs. */

#include "media/media.h"
#include "media/media_internal.h"

#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "media/image.h"
#include "media/store.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_FILES_MAX   16
#define SEED_PER_VEHICLE 4

struct seed_file {
  char sha[65];
  int64_t bytes;
  struct media_probe probe;
  struct media_photo made; /* variants and placeholder */
};

struct seed_arg {
  struct arena *a;
  struct seed_file *files;
  int nfiles;
  int64_t photos, vehicles;
};

static const char *fmt_word(enum media_fmt f)
{
  switch (f) {
  case MEDIA_FMT_PNG:
    return "png";
  case MEDIA_FMT_WEBP:
    return "webp";
  case MEDIA_FMT_HEIF:
    return "heif";
  case MEDIA_FMT_AVIF:
    return "avif";
  default:
    return "jpeg";
  }
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *x, const void *y)
{
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

struct demo_vehicle {
  int64_t id, tenant_id;
  const char *make, *model;
};

static int tx_attach(db_conn *c, void *arg, struct err *e)
{
  struct seed_arg *x = arg;
  /* only vehicles without photos: a second run adds nothing */
  struct demo_vehicle *v = NULL;
  int64_t nv = 0, cap = 0;
  const char *sql = "SELECT v.id, v.tenant_id, v.make, v.model FROM vehicles v"
                    " WHERE NOT EXISTS (SELECT 1 FROM media_photos p WHERE p.vehicle_id = v.id)"
                    " ORDER BY v.id";
  int64_t id, tid;
  const char *make, *model;
  db_stmt *st = db_query(c, sql, DB_NOPARAMS, e);
  if (!st)
    return -1;
  int rc;
  while ((rc = db_next(
              st, x->a,
              DB_ROW(db_out_i64(&id), db_out_i64(&tid), db_out_text(&make), db_out_text(&model)),
              e)) == 1) {
    if (nv == cap) {
      cap = cap ? cap * 2 : 512;
      struct demo_vehicle *nvv = arena_alloc(x->a, (size_t)cap * sizeof *nvv);
      if (nv)
        memcpy(nvv, v, (size_t)nv * sizeof *v);
      v = nvv;
    }
    v[nv++] = (struct demo_vehicle){id, tid, make, model};
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  x->photos = x->vehicles = 0;
  int64_t now = time_now();
  for (int64_t i = 0; i < nv; i++) {
    /* 1 to 4 photos, the cover chosen by the id, so the grid is varied */
    int n = 1 + (int)((v[i].id * 7) % SEED_PER_VEHICLE);
    if (n > x->nfiles)
      n = x->nfiles;
    for (int k = 0; k < n; k++) {
      struct seed_file *f = &x->files[(v[i].id * 5 + k * 3) % x->nfiles];
      struct media_photo p = {0};
      p.tenant_id = v[i].tenant_id;
      p.vehicle_id = v[i].id;
      p.kind = "vehicle";
      p.sha256 = f->sha;
      p.format = fmt_word(f->probe.fmt);
      p.bytes = f->bytes;
      p.width = f->probe.width;
      p.height = f->probe.height;
      p.alt = k == 0 ? arena_printf(x->a, "%s %s", v[i].make, v[i].model)
                     : arena_printf(x->a, "%s %s, Ansicht %d", v[i].make, v[i].model, k + 1);
      if (media_blob_reserve(c, f->sha, f->bytes, p.format, now, e) < 0 ||
          media_photo_insert(c, &p, e) < 0 || media_blob_release(c, f->sha, e) < 0)
        return -1;
      p.placeholder = f->made.placeholder;
      p.variants = f->made.variants;
      if (media_photo_set_ready(c, &p, e) < 0)
        return -1;
      x->photos++;
    }
    if (media_cover_refresh(c, x->a, v[i].id, e) < 0)
      return -1;
    x->vehicles++;
  }
  return 0;
}

int64_t media_seed_demo(db *d, const char *dir, struct err *e)
{
  if (!dir || !*dir)
    return 0;
  DIR *dh = opendir(dir);
  if (!dh) {
    log_warn("demo photos: %s is missing (scripts/demo-photos.sh makes it); demo without"
             " photos",
             dir);
    return 0;
  }
  struct arena *a = arena_new(1 << 16);
  const char *names[SEED_FILES_MAX];
  int nn = 0;
  struct dirent *de;
  while ((de = readdir(dh)) && nn < SEED_FILES_MAX) {
    const char *n = de->d_name;
    if (n[0] == '.' || !(ends_with(n, ".jpg") || ends_with(n, ".png") || ends_with(n, ".webp")))
      continue;
    names[nn++] = arena_strdup(a, n);
  }
  closedir(dh);
  qsort(names, (size_t)nn, sizeof *names, cmp_str);

  int64_t t0 = time_mono_ms();
  struct seed_file *files = arena_alloc(a, sizeof *files * (nn ? (size_t)nn : 1));
  int nf = 0;
  for (int i = 0; i < nn; i++) {
    const char *path = arena_printf(a, "%s/%s", dir, names[i]);
    struct seed_file *f = &files[nf];
    memset(f, 0, sizeof *f);
    struct err fe = {0};
    if (media_file_sha256(path, f->sha, &f->bytes, &fe) < 0 ||
        media_probe_file(path, media_g.cfg.max_pixels, &f->probe, &fe) < 0) {
      log_warn("demo photos: %s skipped: %s", path, fe.msg);
      continue;
    }
    if (media_store_put_file(media_g.store, media_key_original(a, f->sha), path,
                             media_fmt_mime(f->probe.fmt), f->sha, e) < 0)
      goto fail;
    f->made.sha256 = f->sha;
    f->made.kind = "vehicle";
    snprintf(f->made.public_id, sizeof f->made.public_id, "demo-%d", i);
    if (media_build_variants(a, &f->made, &fe) < 0) {
      log_warn("demo photos: %s skipped: %s", path, fe.msg);
      continue;
    }
    nf++;
  }
  if (nf == 0) {
    arena_free(a);
    return 0;
  }
  struct seed_arg x = {.a = a, .files = files, .nfiles = nf};
  if (db_tx(d, 0, DB_WRITE, tx_attach, &x, e) < 0)
    goto fail;
  log_info("demo photos: %d files on %" PRId64 " vehicles (%" PRId64 " photos) in %" PRId64 " ms",
           nf, x.vehicles, x.photos, time_mono_ms() - t0);
  arena_free(a);
  return x.photos;
fail:
  arena_free(a);
  return -1;
}
