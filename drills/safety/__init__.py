"""drills/safety."""
