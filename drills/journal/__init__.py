"""drills/journal."""
