"""drills/app."""
