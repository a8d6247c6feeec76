-- The Börse (dealer-to-dealer exchange): listings at net trade prices, offers
-- with their history, and deals with the platform commission. On every table
-- tenant_id is the seller (the dealer whose vehicle is listed) and
-- buyer_tenant_id the other party. Money in cents, times in Unix seconds (UTC).
CREATE TABLE market_listings (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  vehicle_id BIGINT NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
  price_cents BIGINT NOT NULL CHECK (price_cents > 0),
  valid_until BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'withdrawn', 'sold', 'expired')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- one live listing per vehicle; a withdrawn, sold or expired one may be followed by a new one
CREATE UNIQUE INDEX market_listings_one_active ON market_listings (vehicle_id) WHERE status = 'active';
CREATE INDEX market_listings_tenant ON market_listings (tenant_id, status);
CREATE INDEX market_listings_live ON market_listings (status, valid_until);
CREATE INDEX market_listings_vehicle ON market_listings (vehicle_id);

CREATE TABLE market_offers (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  buyer_tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  listing_id BIGINT NOT NULL REFERENCES market_listings (id) ON DELETE CASCADE,
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'accepted', 'rejected', 'withdrawn', 'closed')),
  turn TEXT NOT NULL CHECK (turn IN ('seller', 'buyer')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (tenant_id <> buyer_tenant_id)
);
-- a buyer negotiates once at a time per listing
CREATE UNIQUE INDEX market_offers_one_open ON market_offers (listing_id, buyer_tenant_id) WHERE status = 'open';
CREATE INDEX market_offers_listing ON market_offers (listing_id, status);
CREATE INDEX market_offers_seller ON market_offers (tenant_id, updated_at);
CREATE INDEX market_offers_buyer ON market_offers (buyer_tenant_id, updated_at);

CREATE TABLE market_offer_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  offer_id BIGINT NOT NULL REFERENCES market_offers (id) ON DELETE CASCADE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  buyer_tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  actor TEXT NOT NULL CHECK (actor IN ('seller', 'buyer', 'platform')),
  action TEXT NOT NULL CHECK (action IN ('offer', 'counter', 'accept', 'reject', 'withdraw', 'close')),
  amount_cents BIGINT NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  user_id BIGINT REFERENCES users (id),
  created_at BIGINT NOT NULL
);
CREATE INDEX market_offer_events_offer ON market_offer_events (offer_id, id);

-- A deal keeps what was agreed even when the vehicle is deleted later.
CREATE TABLE market_deals (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  buyer_tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  listing_id BIGINT UNIQUE REFERENCES market_listings (id) ON DELETE SET NULL,
  offer_id BIGINT UNIQUE REFERENCES market_offers (id) ON DELETE SET NULL,
  vehicle_id BIGINT REFERENCES vehicles (id) ON DELETE SET NULL,
  vehicle_title TEXT NOT NULL,
  vehicle_vin TEXT NOT NULL DEFAULT '',
  first_reg INTEGER NOT NULL DEFAULT -1,
  mileage_km INTEGER NOT NULL DEFAULT 0,
  net_cents BIGINT NOT NULL CHECK (net_cents > 0),
  vat_mode TEXT NOT NULL,
  commission_bp INTEGER NOT NULL CHECK (commission_bp BETWEEN 0 AND 10000),
  commission_cents BIGINT NOT NULL CHECK (commission_cents >= 0),
  created_at BIGINT NOT NULL,
  CHECK (tenant_id <> buyer_tenant_id)
);
CREATE INDEX market_deals_seller ON market_deals (tenant_id, created_at);
CREATE INDEX market_deals_buyer ON market_deals (buyer_tenant_id, created_at);

-- Row-level security (see 0007): the seller's own listings; every dealer session
-- reads the active listings (never the public site); offers, their history and
-- deals only for seller and buyer. A buyer keeps seeing the listings and
-- vehicles it negotiated on.
DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON market_listings, market_offers,'
          ' market_offer_events, market_deals TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;

ALTER TABLE market_listings ENABLE ROW LEVEL SECURITY;
CREATE POLICY market_listings_own ON market_listings
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY market_listings_dealers ON market_listings FOR SELECT
  USING (status = 'active' AND NULLIF(current_setting('cc24.tenant_id', true), '') IS NOT NULL);
CREATE POLICY market_listings_buyer ON market_listings FOR SELECT
  USING (EXISTS (SELECT 1 FROM market_offers o WHERE o.listing_id = market_listings.id
    AND o.buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint));

ALTER TABLE market_offers ENABLE ROW LEVEL SECURITY;
CREATE POLICY market_offers_party ON market_offers
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);

ALTER TABLE market_offer_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY market_offer_events_party ON market_offer_events
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);

ALTER TABLE market_deals ENABLE ROW LEVEL SECURITY;
CREATE POLICY market_deals_party ON market_deals
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint
    OR buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);

-- The listed vehicle is shown to every dealer while the listing is active (drafts
-- included: a Börse listing need not be public), and to a buyer that negotiated on it.
-- (The first test keeps public sessions from running the subqueries at all.)
CREATE POLICY vehicles_market ON vehicles FOR SELECT
  USING (NULLIF(current_setting('cc24.tenant_id', true), '') IS NOT NULL AND (
    EXISTS (SELECT 1 FROM market_listings l WHERE l.vehicle_id = vehicles.id
      AND l.status = 'active')
    OR EXISTS (SELECT 1 FROM market_offers o JOIN market_listings l ON l.id = o.listing_id
      WHERE l.vehicle_id = vehicles.id
        AND o.buyer_tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)));
