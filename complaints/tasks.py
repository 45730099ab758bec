from __future__ import annotations

from celery import shared_task

from complaints import services


@shared_task
def complaints_auto_close() -> int:
    """Safe to overlap: each complaint closes through a conditional update."""
    return len(services.complaints_auto_close())
