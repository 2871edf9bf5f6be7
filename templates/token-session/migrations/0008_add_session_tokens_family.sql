-- The login a token belongs to: the id of that login's first token, which rotation carries
-- over to every successor; NULL on the first token itself. Logout revokes the whole family,
-- so a rotation that commits just before a logout cannot leave its new token alive.
ALTER TABLE session_tokens ADD COLUMN IF NOT EXISTS family_id UUID;
