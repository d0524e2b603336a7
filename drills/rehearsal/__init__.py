"""drills/rehearsal."""
