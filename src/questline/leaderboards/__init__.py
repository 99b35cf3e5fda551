"""Leaderboard standings: one `LeaderboardStore` interface, a SQL implementation (the
database is the source of truth) and a Redis implementation (sorted sets, a cache of
the database that can be rebuilt from it)."""
