"""Authentication: API keys now; console users and player tokens plug in here."""
