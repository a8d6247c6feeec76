-- Row-level security exists only on PostgreSQL; SQLite is one process, one dealer view per request.
SELECT 1;
