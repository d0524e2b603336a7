"""The readiness audit: what it reads, what it judges, its catalogue, and its run in a drill."""
