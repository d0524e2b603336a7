"""drills/plan."""
