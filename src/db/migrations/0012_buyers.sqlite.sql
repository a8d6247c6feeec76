-- Buyer accounts, favourites and saved searches (see the .pg.sql twin for the
-- row-level security; SQLite has one process and no roles, the store functions
-- scope every query by the buyer's user id).
--
-- The users.role CHECK gains 'buyer'. SQLite cannot alter a constraint, and a table
-- rebuild would trip the foreign keys of sessions, tokens and the audit log inside
-- the migration's transaction; widening a CHECK changes nothing stored, so the
-- schema text is edited in place (the procedure SQLite documents for this,
-- "Making Other Kinds Of Table Schema Changes"); RESET reloads the schema, and the
-- CREATE TABLE statements below bump the schema cookie for other connections.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''admin'', ''owner'', ''staff''))',
                     'CHECK (role IN (''admin'', ''owner'', ''staff'', ''buyer''))')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'de' CHECK (locale IN ('de', 'en'));

CREATE TABLE favourites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  vehicle_public_id TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, vehicle_public_id)
);

CREATE TABLE saved_searches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  query TEXT NOT NULL,
  alert INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
  created_at BIGINT NOT NULL,
  last_checked_at BIGINT NOT NULL DEFAULT 0,
  seen_until BIGINT NOT NULL DEFAULT 0,
  last_alert_at BIGINT NOT NULL DEFAULT 0,
  alerts_sent INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, query)
);
CREATE INDEX saved_searches_alert ON saved_searches (alert, id);

CREATE TABLE signing_keys (
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
