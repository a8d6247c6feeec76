-- Test-drive bookings (testdrive/): a buyer takes a free slot of a vehicle, made from
-- the dealer's opening hours; the booking is also a lead of kind test_drive
-- (lead_public_id) so the inbox shows it. See the .pg.sql twin for row-level security.
-- One booking per vehicle and slot start while it is not cancelled: the partial
-- unique index makes double booking impossible, also for concurrent requests.
CREATE TABLE test_drives (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
