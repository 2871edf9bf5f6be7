-- Every authenticated request looks its token up by hash.
CREATE UNIQUE INDEX IF NOT EXISTS session_tokens_token_hash_key ON session_tokens (token_hash);
