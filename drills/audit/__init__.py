"""drills/audit."""
