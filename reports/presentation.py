"""The report's figures as the page, the PDF and the archive record set
them, in the active language: the same sections, rows and tables for all
three, so they cannot disagree. Reads only the stored JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import Channel
from inspections.models import InspectionKind


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None
    empty: str = ""


@dataclass(frozen=True)
class Bars:
    """One bar chart: the page draws it with chart.js, the PDF with reportlab."""

    key: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    percent: bool = False


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _name(item: dict[str, Any], key: str = "name") -> str:
    english = item.get(f"{key}_en") if _english() else ""
    return str(english or item.get(key) or _("Not given"))


def _count(value: Any) -> str:
    return "—" if value is None else str(value)


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _of(part: Any, whole: Any, rate: Any) -> str:
    """“12 of 15 (80.0%)”; a dash when nothing was counted."""
    if not whole:
        return "—"
    return _("%(part)s of %(whole)s (%(rate)s)") % {"part": part, "whole": whole, "rate": _percent(rate)}


def _building(number: str) -> str:
    return _("Building %(number)s") % {"number": number}


def _place(row: dict[str, Any]) -> str:
    return _building(row["building"]) if row.get("building") else str(row.get("location") or "")


def kind_label(kind: str) -> str:
    return str(InspectionKind(kind).label) if kind in InspectionKind.values else kind


def channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def _channel_sections(figures: dict[str, Any]) -> list[Section]:
    """Complaints by channel; a report composed before it was counted
    (figures version 1) has no such section rather than an empty one."""
    if "by_channel" not in figures:
        return []
    return [
        Section(
            "by_channel",
            _("Complaints by channel"),
            table=Table(
                [_("Channel"), _("Received"), _("Replied"), _("Overdue")],
                [
                    [channel_label(row["channel"]), str(row["received"]), str(row["resolved"]), str(row["overdue"])]
                    for row in figures["by_channel"]
                ],
            ),
            empty=_("No complaints in this quarter."),
        )
    ]


def sections(figures: dict[str, Any]) -> list[Section]:
    if not figures:
        return []
    complaints = figures.get("complaints", {})
    inspections = figures.get("inspections", {})
    rect = figures.get("rectification", {})
    callbacks = figures.get("callbacks", {})
    surveys = figures.get("surveys", {})
    median = complaints.get("median_hours")
    result = [
        Section(
            "complaints",
            _("Complaints"),
            [
                (_("Received"), _count(complaints.get("received"))),
                (
                    _("Accepted within the time limit"),
                    _of(
                        complaints.get("accepted_within"),
                        complaints.get("accept_counted"),
                        complaints.get("accepted_within_rate"),
                    ),
                ),
                (
                    _("Owner answered within the time limit"),
                    _of(
                        complaints.get("replied_within"),
                        complaints.get("reply_counted"),
                        complaints.get("replied_within_rate"),
                    ),
                ),
                (
                    _("Replied with the result"),
                    _of(complaints.get("resolved"), complaints.get("received"), complaints.get("resolved_rate")),
                ),
                (
                    _("Resolved within the time limit"),
                    _of(
                        complaints.get("resolved_within"),
                        complaints.get("resolve_counted"),
                        complaints.get("resolved_within_rate"),
                    ),
                ),
                (_("Overdue"), _count(complaints.get("overdue"))),
                (_("Median time to resolve"), "—" if median is None else _("%(hours)s hours") % {"hours": median}),
            ],
        ),
        Section(
            "by_service_area",
            _("Complaints by service area"),
            table=Table(
                [_("Service area"), _("Received"), _("Replied"), _("Overdue")],
                [
                    [_name(row), str(row["received"]), str(row["resolved"]), str(row["overdue"])]
                    for row in figures.get("by_service_area", [])
                ],
            ),
            empty=_("No complaints in this quarter."),
        ),
        Section(
            "by_category",
            _("Complaints by category"),
            table=Table(
                [_("Category"), _("Received"), _("Replied"), _("Overdue")],
                [
                    [_name(row), str(row["received"]), str(row["resolved"]), str(row["overdue"])]
                    for row in figures.get("by_category", [])
                ],
            ),
            empty=_("No complaints in this quarter."),
        ),
        *_channel_sections(figures),
        Section(
            "inspections",
            _("Inspections"),
            [
                *(
                    (
                        kind_label(kind),
                        _count(item.get("count"))
                        + (
                            ""
                            if item.get("average") is None
                            else " · " + _("average %(score)s") % {"score": item["average"]}
                        ),
                    )
                    for kind, item in inspections.get("by_kind", {}).items()
                ),
                (_("Inspections held"), _count(inspections.get("count"))),
                (_("Average score"), _count(inspections.get("average_score"))),
                (_("Critical findings"), _count(inspections.get("critical_findings"))),
            ],
        ),
        Section(
            "rectification",
            _("Rectification notices"),
            [
                (_("Issued"), _count(rect.get("issued"))),
                (_("Closed (verified)"), _of(rect.get("closed"), rect.get("issued"), rect.get("closure_rate"))),
                (
                    _("Overdue, of those past their deadline"),
                    _of(rect.get("overdue"), rect.get("due"), rect.get("overdue_rate")),
                ),
            ],
        ),
        Section(
            "callbacks",
            _("Callbacks"),
            [
                (_("Due"), _count(callbacks.get("due"))),
                (
                    _("Done within the time limit"),
                    _of(callbacks.get("within"), callbacks.get("due"), callbacks.get("coverage")),
                ),
                (_("Solved"), _count(callbacks.get("solved"))),
                (_("Not solved"), _count(callbacks.get("unsolved"))),
                (_("Owner not reached"), _count(callbacks.get("unreached"))),
                (
                    _("Average satisfaction (5 very satisfied … 1 very dissatisfied)"),
                    _count(callbacks.get("average_satisfaction")),
                ),
            ],
        ),
        Section(
            "surveys",
            _("Satisfaction surveys"),
            [
                (_("Answers"), _count(surveys.get("answers"))),
                (_("Response rate"), _percent(surveys.get("response_rate"))),
                (_("Satisfaction rate"), _percent(surveys.get("rate"))),
            ],
            table=Table(
                [_("Service area"), _("Ratings"), _("Satisfaction rate")],
                [[_name(row), str(row["answers"]), _percent(row["rate"])] for row in surveys.get("areas", [])],
            )
            if surveys.get("areas")
            else None,
        ),
        Section(
            "hot_spots",
            _("Hot spots"),
            table=Table(
                [_("Place"), _("Category"), _("Complaints")],
                [[_place(row), _name(row, "category"), str(row["count"])] for row in figures.get("hot_spots", [])],
            ),
            empty=_("No building had the same kind of complaint %(count)s times or more.")
            % {"count": figures.get("hot_spot_count", 0)},
        ),
    ]
    return result


def charts(figures: dict[str, Any]) -> list[Bars]:
    if not figures:
        return []
    complaints = figures.get("complaints", {})
    areas = figures.get("by_service_area", [])
    kinds = figures.get("inspections", {}).get("by_kind", {})
    return [
        Bars(
            "complaint_limits",
            _("Complaints handled within the time limits"),
            [_("Accepted"), _("Owner answered"), _("Resolved")],
            [
                (
                    _("Within the time limit"),
                    [
                        complaints.get(key) or 0
                        for key in ("accepted_within_rate", "replied_within_rate", "resolved_within_rate")
                    ],
                )
            ],
            percent=True,
        ),
        Bars(
            "service_area",
            _("Complaints by service area"),
            [_name(row) for row in areas],
            [(_("Received"), [row["received"] for row in areas]), (_("Overdue"), [row["overdue"] for row in areas])],
        ),
        Bars(
            "inspection_kind",
            _("Inspections held by kind"),
            [kind_label(kind) for kind in kinds],
            [(_("Inspections"), [item.get("count", 0) for item in kinds.values()])],
        ),
    ]


def chart_specs(figures: dict[str, Any]) -> dict[str, Any]:
    """What static/js/charts.js draws; labels are data (json_script escapes them)."""
    return {
        bars.key: {
            "type": "bar",
            "labels": bars.labels,
            "series": [{"label": label, "data": data} for label, data in bars.series],
            "percent": bars.percent,
        }
        for bars in charts(figures)
    }


def plain_text(figures: dict[str, Any], *, title: str, foreword: str) -> str:
    """The report as text, for the archive record's body (its PDF is the file)."""
    lines = [title, ""]
    if foreword.strip():
        lines += [foreword.strip(), ""]
    for section in sections(figures):
        lines.append(section.title)
        lines += [f"  {label}: {value}" for label, value in section.rows]
        if section.table is not None:
            if section.table.rows:
                lines.append("  " + " | ".join(section.table.headers))
                lines += ["  " + " | ".join(row) for row in section.table.rows]
            elif section.empty:
                lines.append(f"  {section.empty}")
        lines.append("")
    return "\n".join(lines).strip()
