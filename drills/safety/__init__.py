"""What keeps a drill from harming what it must not touch: guard, gate, signals, cleanup."""
