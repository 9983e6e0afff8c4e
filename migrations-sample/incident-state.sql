-- The database as the failed deploy left it: the first two migrations ran and were recorded;
-- 20240115 ran (its table and index exist) but the deploy died before recording it.
--   createdb incident && psql -d incident -f migrations-sample/incident-state.sql
\set ON_ERROR_STOP on
\ir migrations/20240101_create_users.sql
\ir migrations/20240105_create_sessions.sql
\ir migrations/20240115_add_user_profiles.sql

CREATE TABLE migrations (
    name TEXT PRIMARY KEY,
    executed_at TIMESTAMP NOT NULL DEFAULT NOW(),
    status TEXT NOT NULL
);
INSERT INTO migrations (name, status) VALUES
    ('20240101_create_users.sql', 'success'),
    ('20240105_create_sessions.sql', 'success');
