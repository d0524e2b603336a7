"""The one frozen settings model every command builds, and the docs generated from it."""
