"""Callbacks, self-service feedback and satisfaction surveys (DESIGN.md §3 Feedback)."""
