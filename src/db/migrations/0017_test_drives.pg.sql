-- Test-drive bookings (testdrive/): a buyer takes a free slot of a vehicle, made from
-- the dealer's opening hours; the booking is also a lead of kind test_drive
-- (lead_public_id) so the inbox shows it. Row-level security below.
-- One booking per vehicle and slot start while it is not cancelled: the partial
-- unique index makes double booking impossible, also for concurrent requests.
CREATE TABLE test_drives (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  vehicle_id BIGINT REFERENCES vehicles (id) ON DELETE SET NULL,
  lead_public_id TEXT NOT NULL REFERENCES leads (public_id),
  slot_start BIGINT NOT NULL,
  slot_end BIGINT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL DEFAULT '',
  sms_consent INTEGER NOT NULL DEFAULT 0,
  locale TEXT NOT NULL DEFAULT 'de',
  status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
  reminded_at BIGINT NOT NULL DEFAULT 0,
  cancelled_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  CHECK (slot_end > slot_start)
);
CREATE UNIQUE INDEX test_drives_one_per_slot ON test_drives (vehicle_id, slot_start)
  WHERE status = 'booked';
CREATE INDEX test_drives_tenant_start ON test_drives (tenant_id, slot_start);

-- Per-dealer choices about test drives (SMS to buyers who agreed: off by default).
CREATE TABLE test_drive_settings (
  tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id),
  sms_enabled INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);

DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON test_drives, test_drive_settings TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants on test_drives to cc24_app skipped';
END
$$;

-- The dealer reads and changes its own bookings; the public books (never reads)
-- only for a public vehicle of that dealer.
ALTER TABLE test_drives ENABLE ROW LEVEL SECURITY;
CREATE POLICY test_drives_own ON test_drives
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());
CREATE POLICY test_drives_public_insert ON test_drives FOR INSERT
  WITH CHECK (current_setting('cc24.public', true) = 'on' AND EXISTS (
    SELECT 1 FROM vehicles v WHERE v.id = test_drives.vehicle_id AND v.tenant_id = test_drives.tenant_id
      AND (v.status = 'published' OR (v.status = 'reserved' AND v.published_at > 0))));

ALTER TABLE test_drive_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY test_drive_settings_own ON test_drive_settings
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());
CREATE POLICY test_drive_settings_public ON test_drive_settings FOR SELECT
  USING (current_setting('cc24.public', true) = 'on');

-- The vehicle page shows which slots are free: the public learns the booked start
-- times of one vehicle and nothing else about the bookings.
CREATE FUNCTION cc24_test_drive_taken(p_vehicle bigint, p_from bigint, p_until bigint)
  RETURNS TABLE (slot_start bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.slot_start FROM test_drives t
     WHERE t.vehicle_id = p_vehicle AND t.status = 'booked'
       AND t.slot_start >= p_from AND t.slot_start < p_until
  $$;
