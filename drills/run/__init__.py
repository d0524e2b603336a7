"""A drill run from start to finish: the engine, its backends, scenario and failback phases."""
