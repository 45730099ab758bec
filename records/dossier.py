"""The PDF dossier of one record: what it says, its files with their hashes,
its photos, where it stands in the chain, its amendments and whether it was
disposed of. Chinese is set in the font shipped in records/fonts/, so the
PDF reads the same on a machine with no CJK font installed."""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import Image as PdfImage

from committee_site import clock
from committee_site.uploads import ACCEPTED_FORMATS, DRAFT_FORMATS, MAX_PIXELS_BY_FORMAT
from records.models import ArchiveFile, ArchiveRecord, Disposal, RecordKind

FONT_FILE = Path(__file__).with_name("fonts") / "wqy-microhei.ttc"
FONT = "WenQuanYiMicroHei"
MONO = "WenQuanYiMicroHeiMono"
# Photos are scaled to this many pixels a side before they go in: sharp
# enough on paper, small enough that a record with many stays light.
PHOTO_SIDE = 1400
# A small picture is enlarged at most this much (points per pixel).
MAX_POINTS_PER_PIXEL = 1.5
# A record's photos beyond this many are listed, not drawn.
MAX_PHOTOS = 40
# Bodies are set a line at a time; a line longer than this is cut into pieces
# so that one enormous paragraph cannot stall the layout.
LINE_PIECE = 2000

MARGIN = 18 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

_fonts_lock = threading.Lock()
_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
        pdfmetrics.registerFont(TTFont(MONO, str(FONT_FILE), subfontIndex=1))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
        _fonts_ready = True


GREY = colors.HexColor("#555555")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, alignment=TA_LEFT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, spaceAfter=2),
        "number": ParagraphStyle("number", parent=base, fontName=MONO, fontSize=10, textColor=GREY),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=4,
            textColor=colors.HexColor("#0b3d6e"), keepWithNext=1,
        ),
        "body": base,
        "label": ParagraphStyle("label", parent=base, textColor=GREY),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
        "hash": ParagraphStyle("hash", parent=base, fontName=MONO, fontSize=7.5, leading=10),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#842029")),
        "caption": ParagraphStyle("caption", parent=base, fontSize=8.5, leading=12, textColor=GREY),
    }  # fmt: skip


def _text(value: Any) -> str:
    """Plain text made safe for reportlab's paragraph markup."""
    return escape(str(value))


def _when(value: datetime | None) -> str:
    return clock.minute_text(value, empty="—")


@dataclass(frozen=True)
class DossierFacts:
    """What the dossier shows besides the record itself, read by the view."""

    files: list[ArchiveFile]
    amended_by: list[ArchiveRecord]
    disposal: Disposal | None


def dossier_facts(record: ArchiveRecord, *, identities: bool) -> DossierFacts:
    """Three queries, however many files and amendments."""
    return DossierFacts(
        files=list(ArchiveFile.objects.shown(identities=identities).filter(record=record).order_by("position")),
        amended_by=list(record.amendments.order_by("sequence").only("id", "number", "created_at", "amends_id")),
        disposal=record.disposals.exclude(status=Disposal.Status.CANCELLED).select_related("decided_by").first(),
    )


class _NumberedCanvas(canvas.Canvas):
    """Puts "page n of N" and the footer on every page: the total is known
    only once the last page is laid out, so pages are kept until then."""

    def __init__(self, *args: Any, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        self.saveState()
        self.setStrokeColor(colors.HexColor("#cccccc"))
        self.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, 10 * mm, self._footer)
        self.drawRightString(
            PAGE_WIDTH - MARGIN, 10 * mm, _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total}
        )
        self.restoreState()


def _photo_jpeg(file: ArchiveFile) -> tuple[io.BytesIO, int, int] | str:
    """The photo as a small JPEG with its size, or why it cannot be shown.
    The same pixel caps as uploads (committee_site/uploads.py), checked
    before any pixel is decoded."""
    try:
        with (
            default_storage.open(file.stored_as, "rb") as handle,
            Image.open(handle, formats=ACCEPTED_FORMATS) as image,
        ):
            limit = MAX_PIXELS_BY_FORMAT.get(image.format or "")
            if limit is None or image.width * image.height > limit:
                return _("“%(name)s” is too large to include.") % {"name": file.name}
            if image.format in DRAFT_FORMATS:
                image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
            image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except FileNotFoundError:
        return _("“%(name)s” is no longer in the archive's storage.") % {"name": file.name}
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _("“%(name)s” could not be read as a picture.") % {"name": file.name}
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=82)
    buffer.seek(0)
    return buffer, picture.width, picture.height


def _photo(file: ArchiveFile, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The photo scaled onto the page with its caption, or a note saying why
    it is not there: a file that is not a picture, is damaged or too large is
    never fatal."""
    made = _photo_jpeg(file)
    if isinstance(made, str):
        return [Paragraph(_text(made), styles["note"])]
    buffer, width, height = made
    scale = min(TEXT_WIDTH / width, 95 * mm / height, MAX_POINTS_PER_PIXEL)
    drawn = PdfImage(buffer, width=width * scale, height=height * scale)
    drawn.hAlign = "LEFT"
    caption = Paragraph(f"{file.position}. {_text(file.name)}", styles["caption"])
    return [drawn, Spacer(1, 1.5 * mm), caption, Spacer(1, 4 * mm)]


def _kind_label(record: ArchiveRecord) -> str:
    return str(RecordKind(record.kind).label) if record.kind in RecordKind.values else record.kind


def _pairs_table(rows: list[tuple[str, Flowable]], styles: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [[Paragraph(_text(label), styles["label"]), value] for label, value in rows],
        colWidths=[34 * mm, TEXT_WIDTH - 34 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _body(text: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = []
    for line in text.splitlines() or [""]:
        for start in range(0, max(len(line), 1), LINE_PIECE):
            piece = line[start : start + LINE_PIECE]
            story.append(Paragraph(_text(piece) if piece.strip() else "&nbsp;", styles["body"]))
    return story


def _files_table(files: list[ArchiveFile], disposed: bool, styles: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(_text(label), styles["label"]) for label in ("#", _("File"), _("Size"), "SHA-256")]
    rows: list[list[Any]] = [header]
    gone = "<br/>" + _text(_("(disposed of)")) if disposed else ""
    for file in files:
        size = f"{filesizeformat(file.size)}<br/>{file.size:,} B" if file.size >= 1024 else f"{file.size} B"
        rows.append(
            [
                Paragraph(str(file.position), styles["small"]),
                Paragraph(_text(file.name) + gone, styles["small"]),
                Paragraph(size, styles["small"]),
                Paragraph(file.sha256, styles["hash"]),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 58 * mm, 24 * mm, TEXT_WIDTH - 90 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#888888")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#dddddd")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def dossier_write(*, record: ArchiveRecord, facts: DossierFacts, identities: bool, out: IO[bytes]) -> None:
    """Write the dossier of `record` as PDF into `out`, in the active
    language. `identities`: the reader sees owners' names (the committee and
    the community office); otherwise the text without them, and no parties."""
    _register_fonts()
    styles = _styles()
    produced = clock.now()
    disposed = facts.disposal is not None and facts.disposal.status == Disposal.Status.APPROVED
    story: list[Flowable] = [
        Paragraph(_text(_("Archive record dossier")), styles["label"]),
        Paragraph(_text(record.title), styles["title"]),
        Paragraph(_text(record.number), styles["number"]),
        Spacer(1, 4 * mm),
    ]
    parties = "、".join(str(party) for party in record.parties) or "—"
    facts_rows: list[tuple[str, Flowable]] = [
        (_("Archive number"), Paragraph(_text(record.number), styles["body"])),
        (_("Kind"), Paragraph(_text(_kind_label(record)), styles["body"])),
        (_("Compound"), Paragraph(_text(record.compound.display_name), styles["body"])),
        (_("When it happened"), Paragraph(_text(_when(record.happened_at)), styles["body"])),
        (
            _("Parties"),
            Paragraph(_text(parties), styles["body"])
            if identities
            else Paragraph(_text(_("Shown to the committee and the community office only.")), styles["label"]),
        ),
    ]
    if record.category:
        facts_rows.append((_("Category"), Paragraph(_text(record.category), styles["body"])))
    if record.service_area_id:
        facts_rows.append((_("Service area"), Paragraph(_text(record.service_area), styles["body"])))
    if record.building_id:
        facts_rows.append((_("Building"), Paragraph(_text(record.building), styles["body"])))
    facts_rows.append((_("Archived at"), Paragraph(_text(_when(record.created_at)), styles["body"])))
    story.append(_pairs_table(facts_rows, styles))

    story.append(Paragraph(_text(_("What the record says")), styles["heading"]))
    if not identities:
        story.append(Paragraph(_text(_("Owners' names, units and phone numbers are left out.")), styles["label"]))
    story.extend(_body(record.body if identities else record.public_body, styles))

    story.append(Paragraph(_text(_("Files")), styles["heading"]))
    if facts.files:
        story.append(_files_table(facts.files, disposed, styles))
    else:
        story.append(Paragraph(_text(_("No files.")), styles["body"]))

    photos = [file for file in facts.files if file.is_image]
    if photos:
        heading = Paragraph(_text(_("Photos")), styles["heading"])
        if disposed:
            story.append(heading)
            story.append(Paragraph(_text(_("The photos were disposed of with the record.")), styles["note"]))
        else:
            # Each photo stays with its caption, and the heading with the first
            # (keepWithNext does not reach into a KeepTogether).
            for index, file in enumerate(photos[:MAX_PHOTOS]):
                story.append(KeepTogether(([heading] if index == 0 else []) + _photo(file, styles)))
            if len(photos) > MAX_PHOTOS:
                more = _("%(count)s more photos are listed above but not drawn.") % {"count": len(photos) - MAX_PHOTOS}
                story.append(Paragraph(_text(more), styles["note"]))

    story.append(
        KeepTogether(
            [
                Paragraph(_text(_("Position in the chain")), styles["heading"]),
                _pairs_table(
                    [
                        (_("Position"), Paragraph(str(record.sequence), styles["body"])),
                        (_("Previous hash"), Paragraph(record.previous_hash, styles["hash"])),
                        (_("Hash"), Paragraph(record.hash, styles["hash"])),
                    ],
                    styles,
                ),
                Paragraph(
                    _text(_("The hash covers the record's content and its files' SHA-256, and the hash before it.")),
                    styles["small"],
                ),
            ]
        )
    )

    story.append(Paragraph(_text(_("Amendments")), styles["heading"]))
    amendments: list[str] = []
    if record.amends is not None:
        amendments.append(_("This record amends %(number)s.") % {"number": record.amends.number})
    for later in facts.amended_by:
        amendments.append(
            _("Amended by %(number)s on %(date)s.") % {"number": later.number, "date": _when(later.created_at)}
        )
    for line in amendments or [_("None.")]:
        story.append(Paragraph(_text(line), styles["body"]))

    story.append(Paragraph(_text(_("Retention and disposal")), styles["heading"]))
    if record.retention_until:
        kept = _("Kept until %(date)s.") % {"date": record.retention_until.isoformat()}
    else:
        kept = _("Kept permanently.")
    story.append(Paragraph(_text(kept), styles["body"]))
    if facts.disposal is not None and disposed:
        line = _("Disposed of on %(date)s: the files' content was deleted; their hashes remain.") % {
            "date": _when(facts.disposal.decided_at)
        }
        story.append(Paragraph(_text(line), styles["note"]))
    elif facts.disposal is not None:
        line = _("Its disposal was proposed on %(date)s and awaits a second member's approval.") % {
            "date": _when(facts.disposal.proposed_at)
        }
        story.append(Paragraph(_text(line), styles["body"]))
    else:
        story.append(Paragraph(_text(_("Not disposed of.")), styles["body"]))

    footer = _("%(number)s · produced %(at)s (%(zone)s)") % {
        "number": record.number,
        "at": _when(produced),
        "zone": timezone.get_current_timezone_name(),
    }
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=f"{record.number} {record.title}",
        subject=_("Archive record dossier"),
        creator="committee-site",
    )
    document.build(story, canvasmaker=functools.partial(_NumberedCanvas, footer=footer))
