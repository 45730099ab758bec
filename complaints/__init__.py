"""Complaint intake, workflow and publication of results (DESIGN.md §3 Complaints)."""
