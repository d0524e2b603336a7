"""``drill plan``: every phase and AWS call a feature would make, worked out without acting."""
