"""Data shipped with tinyformer: presets, lessons, icons (no code)."""
