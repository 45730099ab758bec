"""Checklist templates, inspection plans, inspections and rectification (DESIGN.md §3 Inspections)."""
