"""SSH public keys: validation, fingerprints and per-user storage."""
