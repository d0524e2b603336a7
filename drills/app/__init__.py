"""The drill command line and what each command does and prints (the top layer)."""
