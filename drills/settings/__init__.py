"""drills/settings."""
