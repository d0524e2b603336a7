"""What a run writes as it goes: the journal, run identity and folders, the active-run registry."""
