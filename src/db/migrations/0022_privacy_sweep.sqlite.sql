-- SQLite has no roles: the privacy sweep deletes with plain statements (privacy/privacy_store.c).
SELECT 1;
