"""Azure Voice Live for Home Assistant."""
