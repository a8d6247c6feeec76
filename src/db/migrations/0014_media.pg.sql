-- Photos (media/). Originals are stored once per content (media_blobs, keyed by
-- SHA-256, shared by every photo and dealer with the same bytes); media_photos are the
-- dealer's photos of a vehicle (kind 'vehicle') or the dealer's logo (kind 'logo',
-- no vehicle). refs counts the photos of a blob (kept by the trigger below, also for
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
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- The trigger runs as the table owner: the blob counters are right whoever deletes
-- (a dealer's request, a vehicle's cascade, a job).
CREATE FUNCTION cc24_media_refs() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE media_blobs SET refs = refs + 1 WHERE sha256 = NEW.sha256;
  ELSE
    UPDATE media_blobs SET refs = refs - 1 WHERE sha256 = OLD.sha256;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER media_photos_refs AFTER INSERT OR DELETE ON media_photos
  FOR EACH ROW EXECUTE FUNCTION cc24_media_refs();

-- The cover (first ready photo) of a vehicle, as media_cover descriptor ("" = none),
-- so lists and the search index show it without reading media_photos.
ALTER TABLE vehicles ADD COLUMN cover TEXT NOT NULL DEFAULT '';

-- Row-level security: a dealer writes its own photos; anyone reads a photo whose
-- vehicle they may read (the vehicles policies decide: own, public, Börse) and, on the
-- public site, every dealer's logo. media_blobs holds no dealer data (hashes, sizes) and has no policy.
ALTER TABLE media_photos ENABLE ROW LEVEL SECURITY;
CREATE POLICY media_photos_own ON media_photos
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY media_photos_read ON media_photos FOR SELECT
  USING ((kind = 'logo' AND current_setting('cc24.public', true) = 'on')
         OR EXISTS (SELECT 1 FROM vehicles v WHERE v.id = media_photos.vehicle_id));

DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON media_blobs, media_photos TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;
