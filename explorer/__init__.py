"""tinyformer-explorer: the desktop lab around tinyformer."""
