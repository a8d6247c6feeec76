-- SQLite has no roles: the sweep deletes with plain statements (auth/sweep.c).
SELECT 1;
