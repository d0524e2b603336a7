"""``drill up``: the stack live on the embedded backend, and what people do through it."""
