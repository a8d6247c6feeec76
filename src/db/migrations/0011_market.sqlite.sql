-- The Börse (dealer-to-dealer exchange): listings at net trade prices, offers
-- with their history, and deals with the platform commission. On every table
-- tenant_id is the seller (the dealer whose vehicle is listed) and
-- buyer_tenant_id the other party. Money in cents, times in Unix seconds (UTC).
CREATE TABLE market_listings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
