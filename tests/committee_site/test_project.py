"""The project's own promises: documented settings and one-way imports."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = {"records", "complaints", "inspections", "feedback"}
# May import every app (DESIGN.md §2); everything else in committee_site is the base.
TOP = {
    "urls.py",
    "celery.py",
    "wsgi.py",
    "asgi.py",
    "settings.py",
    "dashboard.py",
    "reports.py",
    "seed_demo.py",
    "links.py",
}
ALLOWED = {
    "records": {"committee_site"},
    "complaints": {"committee_site", "records"},
    "inspections": {"committee_site", "records"},
    "feedback": {"committee_site", "records", "complaints"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_environment_variable_is_documented_in_the_readme():
    settings_source = (ROOT / "committee_site" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert read - documented == set(), "add these to the README's table"
    assert "DATABASE_URL" in read
    assert "CELERY_BROKER_URL" in read


def test_readme_starts_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[1:5] == ["```", "make run", "make test", "```"]


def test_base_imports_no_app():
    for path in (ROOT / "committee_site").rglob("*.py"):
        if path.name in TOP or "migrations" in path.parts:
            continue
        assert _imported_packages(path) & APPS == set(), f"{path.relative_to(ROOT)} imports an app"


def test_apps_import_only_what_the_layering_allows():
    for app, allowed in ALLOWED.items():
        for path in (ROOT / app).rglob("*.py"):
            imported_apps = _imported_packages(path) & (APPS | {"committee_site"})
            assert imported_apps <= allowed | {app}, f"{path.relative_to(ROOT)} imports {imported_apps - allowed}"
            views = {
                node.module
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".views")
            }
            assert {v for v in views if not v.startswith(app)} == set()
