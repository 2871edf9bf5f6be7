-- Serves the foreign key and the owner's listing, newest first.
CREATE INDEX IF NOT EXISTS items_owner_id_created_at_idx ON items (owner_id, created_at DESC, id);
