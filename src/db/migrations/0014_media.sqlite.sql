-- Photos (media/). Originals are stored once per content (media_blobs, keyed by
-- SHA-256, shared by every photo and dealer with the same bytes); media_photos are the
-- dealer's photos of a vehicle (kind 'vehicle') or the dealer's logo (kind 'logo',
-- no vehicle). refs counts the photos of a blob (kept by the triggers below, also for
-- photos deleted with their vehicle); pending counts uploads that stored the bytes but
-- have not yet written their photo row (pending_at: when the last one started). The
-- media GC deletes a blob and its files once refs = 0 and no upload is pending (or the
-- pending one is older than an hour: its process died).
CREATE TABLE media_blobs (
  sha256 TEXT PRIMARY KEY,
  bytes BIGINT NOT NULL,
  format TEXT NOT NULL,
  refs INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  pending_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX media_blobs_unused ON media_blobs (refs, pending_at);

CREATE TABLE media_photos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  vehicle_id BIGINT REFERENCES vehicles (id) ON DELETE CASCADE,
  kind TEXT NOT NULL DEFAULT 'vehicle',
  position INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL REFERENCES media_blobs (sha256),
  format TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  width INTEGER NOT NULL DEFAULT 0,
  height INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'processing',
  error TEXT NOT NULL DEFAULT '',
  placeholder TEXT NOT NULL DEFAULT '',
  colour TEXT NOT NULL DEFAULT '',
  alt TEXT NOT NULL DEFAULT '',
  variants TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX media_photos_vehicle ON media_photos (vehicle_id, position);
CREATE INDEX media_photos_tenant ON media_photos (tenant_id, kind);
CREATE INDEX media_photos_sha ON media_photos (sha256);

CREATE TRIGGER media_photos_ref AFTER INSERT ON media_photos
BEGIN
  UPDATE media_blobs SET refs = refs + 1 WHERE sha256 = NEW.sha256;
END;
CREATE TRIGGER media_photos_unref AFTER DELETE ON media_photos
BEGIN
  UPDATE media_blobs SET refs = refs - 1 WHERE sha256 = OLD.sha256;
END;

-- The cover (first ready photo) of a vehicle, as media_cover descriptor ("" = none),
-- so lists and the search index show it without reading media_photos.
ALTER TABLE vehicles ADD COLUMN cover TEXT NOT NULL DEFAULT '';
