-- Dealer profiles for showrooms and the Impressum: legal data, geo position, brand,
-- about texts and social links (one row per dealer), opening hours (several
-- intervals per weekday) and the team shown in the showroom. Plus the 360° spin
-- flag of a vehicle, which the media pipeline sets.
CREATE TABLE dealer_profiles (
  tenant_id BIGINT NOT NULL PRIMARY KEY REFERENCES tenants (id),
  legal_name TEXT NOT NULL DEFAULT '',
  legal_form TEXT NOT NULL DEFAULT '',
  managing_directors TEXT NOT NULL DEFAULT '',
  register_court TEXT NOT NULL DEFAULT '',
  register_number TEXT NOT NULL DEFAULT '',
  vat_id TEXT NOT NULL DEFAULT '',
  tax_number TEXT NOT NULL DEFAULT '',
  lat_e6 BIGINT,
  lon_e6 BIGINT,
  about_de TEXT NOT NULL DEFAULT '',
  about_en TEXT NOT NULL DEFAULT '',
  logo_path TEXT NOT NULL DEFAULT '',
  color_primary TEXT NOT NULL DEFAULT '',
  color_accent TEXT NOT NULL DEFAULT '',
  social TEXT NOT NULL DEFAULT '{}',
  updated_at BIGINT NOT NULL
);

CREATE TABLE dealer_hours (
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  opens INTEGER NOT NULL CHECK (opens BETWEEN 0 AND 1439),
  closes INTEGER NOT NULL CHECK (closes BETWEEN 1 AND 1440),
  CHECK (opens < closes),
  PRIMARY KEY (tenant_id, weekday, opens)
);

CREATE TABLE dealer_team (
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, position)
);

ALTER TABLE vehicles ADD COLUMN has_spin INTEGER NOT NULL DEFAULT 0;

-- Row-level security as in 0007: a dealer reads and writes its own rows; the public
-- site reads every profile (showrooms, Impressum, dealer cards).
DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON dealer_profiles, dealer_hours, dealer_team TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;

ALTER TABLE dealer_profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_profiles_own ON dealer_profiles
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY dealer_profiles_public ON dealer_profiles FOR SELECT
  USING (current_setting('cc24.public', true) = 'on');

ALTER TABLE dealer_hours ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_hours_own ON dealer_hours
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY dealer_hours_public ON dealer_hours FOR SELECT
  USING (current_setting('cc24.public', true) = 'on');

ALTER TABLE dealer_team ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_team_own ON dealer_team
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY dealer_team_public ON dealer_team FOR SELECT
  USING (current_setting('cc24.public', true) = 'on');
