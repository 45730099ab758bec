"""Every row of the project's own tables, to prove that a refused request
changed nothing at all (not only the field a test happens to look at)."""

from typing import Any

from django.apps import apps

PROJECT_APPS = ("committee_site", "records", "complaints", "inspections", "feedback")


def db_rows() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }
