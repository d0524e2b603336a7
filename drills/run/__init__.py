"""drills/run."""
