"""infra's ground floor: the clock, the error tree, declared API calls, the settings protocol."""
