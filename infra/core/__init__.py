"""infra/core."""
