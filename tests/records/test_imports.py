"""The archive knows nothing of the apps that archive into it: they call
records.services, never the other way round (ARCHITECTURE.md)."""

import ast
from pathlib import Path

import records

APPS = {"complaints", "inspections", "feedback"}
RECORDS = Path(records.__file__).parent


def _imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            names |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
    return names


def test_records_imports_no_app():
    files = sorted(RECORDS.rglob("*.py"))
    assert RECORDS / "services.py" in files
    offending = {
        str(path.relative_to(RECORDS)): sorted(name for name in _imported(path) if name.split(".")[0] in APPS)
        for path in files
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_records_import_scan_sees_an_import_of_an_app(tmp_path):
    # The scan itself must catch each form an import can take.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import complaints.models\n"
        "from inspections import services\n"
        "def f():\n"
        "    from feedback.models import Callback\n"
        "    __import__('complaints')\n",
        encoding="utf-8",
    )
    assert {"complaints.models", "inspections", "feedback.models", "complaints"} <= _imported(sample)


# The quarterly report sits on top of every app; only the top of the project
# reaches it (its URLs and the demo). The beat names its task by a string.
REPORTS_IMPORTERS = {"committee_site/urls.py", "committee_site/management/commands/seed_demo.py"}


def test_no_app_imports_the_reports():
    root = RECORDS.parent
    offending = set()
    for folder in ("committee_site", "complaints", "inspections", "feedback", "records"):
        for path in sorted((root / folder).rglob("*.py")):
            if any(name.split(".")[0] == "reports" for name in _imported(path)):
                offending.add(str(path.relative_to(root)))
    assert offending - REPORTS_IMPORTERS == set()


# The API for new-media fronts sits on top of complaints and feedback; only
# the top of the project reaches it: its URLs, and the demo, which issues the
# demo front's client and binds the demo owner (api.demo).
API_IMPORTERS = {"committee_site/urls.py", "committee_site/management/commands/seed_demo.py"}


def test_no_app_imports_the_api():
    root = RECORDS.parent
    offending = set()
    for folder in ("committee_site", "complaints", "inspections", "feedback", "records", "reports"):
        for path in sorted((root / folder).rglob("*.py")):
            if any(name.split(".")[0] == "api" for name in _imported(path)):
                offending.add(str(path.relative_to(root)))
    assert offending - API_IMPORTERS == set()


def test_api_imports_only_the_base_complaints_and_feedback():
    root = RECORDS.parent
    allowed = {"api", "committee_site", "complaints", "feedback"}
    project = {"committee_site", "complaints", "inspections", "feedback", "records", "reports", "api"}
    offending = {
        str(path.relative_to(root)): sorted(name for name in _imported(path) if name.split(".")[0] in project - allowed)
        for path in sorted((root / "api").rglob("*.py"))
    }
    assert {path: names for path, names in offending.items() if names} == {}


# The complaint mailbox sits on top like the report: it files through the
# complaints services; no app reaches it, only the top: its URLs (by name, an
# include of a string) and the demo, which seeds its Mailbox row and feeds the
# intake list its messages. The beat names its task by a string.
MAILINTAKE_ALLOWED = {"committee_site", "complaints", "mailintake"}
MAILINTAKE_IMPORTERS = {"committee_site/management/commands/seed_demo.py"}


def test_no_app_imports_the_mailintake():
    root = RECORDS.parent
    offending = set()
    for folder in ("committee_site", "complaints", "inspections", "feedback", "records", "reports", "api"):
        for path in sorted((root / folder).rglob("*.py")):
            if any(name.split(".")[0] == "mailintake" for name in _imported(path)):
                offending.add(str(path.relative_to(root)))
    assert offending - MAILINTAKE_IMPORTERS == set()


def test_mailintake_imports_only_the_base_and_complaints():
    root = RECORDS.parent
    apps = {"committee_site", "complaints", "inspections", "feedback", "records", "reports", "mailintake", "api"}
    reached = set()
    for path in sorted((root / "mailintake").rglob("*.py")):
        reached |= {name.split(".")[0] for name in _imported(path)} & apps
    assert reached <= MAILINTAKE_ALLOWED
    assert "complaints" in reached
