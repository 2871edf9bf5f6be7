-- Serves the foreign key and logout-all.
CREATE INDEX IF NOT EXISTS session_tokens_user_id_idx ON session_tokens (user_id);
