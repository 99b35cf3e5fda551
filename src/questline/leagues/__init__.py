"""Weekly leagues: cohorts formed as players earn, settled by a weekly rollover."""
