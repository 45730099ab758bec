"""The append-only archive of written records (DESIGN.md §3 Records)."""
