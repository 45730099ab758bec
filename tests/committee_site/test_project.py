"""The project's own promises: documented settings and one-way imports."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = {"records", "complaints", "inspections", "feedback", "mailintake"}
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
    "seed_scale.py",
    "links.py",
}
ALLOWED = {
    "records": {"committee_site"},
    "complaints": {"committee_site", "records"},
    "inspections": {"committee_site", "records"},
    "feedback": {"committee_site", "records", "complaints"},
    "mailintake": {"committee_site", "complaints"},
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


def test_make_test_stops_without_chromium_and_names_the_command():
    # IS_ROOT empty: as a user who cannot install, make test must stop before running anything.
    result = subprocess.run(
        ["make", "--no-print-directory", "test", "CHROMIUM_PATH=/nonexistent/chromium", "IS_ROOT="],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "sudo apt-get install chromium fonts-wqy-microhei" in result.stderr
    assert "pytest" not in result.stdout
    assert "ruff" not in result.stdout


def test_browser_tests_fail_without_chromium(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"CI", "REQUIRE_BROWSER", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "CHROMIUM_PATH": "/nonexistent/chromium",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path),
        "DEBUG": "1",
    }
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/browser/test_accounts_journey.py", "-k", "test_", "--maxfail=1",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "Chromium not found at /nonexistent/chromium" in result.stdout
    assert "sudo apt-get install chromium fonts-wqy-microhei" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]


def test_every_rate_limit_group_is_in_the_readme_table():
    from django.conf import settings

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]*\| [^|]*\| [^|]*\|$", readme, flags=re.MULTILINE))
    assert set(settings.RATE_LIMITS) - documented == set(), "add these groups to the README's rate-limit table"
