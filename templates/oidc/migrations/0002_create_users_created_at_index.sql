-- Serves the administrators' listing, oldest first.
CREATE INDEX IF NOT EXISTS users_created_at_id_idx ON users (created_at, id);
