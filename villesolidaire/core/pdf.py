"""Printable documents (letters, forms) with fpdf2.

`Document` is an A4 portrait PDF branded with the town the caller passes (name and service,
usually `Town.current()`), written with the bundled Liberation Sans fonts so that every accent and
any name prints (no core PDF font, whose Latin-1 encoding would fail on "Œ" or "ł").

    doc = Document(title="Accusé de réception", town=Town.current())
    doc.letter(recipient=["Mme Jeanne MARTIN", "12 rue des Lilas", "99001 Bourg"], subject="…",
               paragraphs=["Madame, Monsieur,", "…"])
    return pdf_response(doc.output(), "accuse-reception.pdf")

Several letters go in one document (one per page) for a batch mailing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "LiberationSans"
LINE = 5.5
DEFAULT_COLOUR = (29, 78, 137)  # territory.Town's default main colour, #1d4e89


class Document(FPDF):
    def __init__(self, *, title: str, town):
        """`town`: the territory.Town the document comes from (None: unbranded "Mairie").
        Core sits below territory, so callers pass it (usually `Town.current()`)."""
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.town = town
        self.doc_title = title
        self.add_font(FONT, "", str(FONT_DIR / "LiberationSans-Regular.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "LiberationSans-Bold.ttf"))
        self.set_title(title)
        self.set_author(self.sender)
        self.set_creator("Ville Solidaire")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_font(FONT, size=10.5)

    def normalize_text(self, text: str) -> str:
        """Print every name: a letter the font lacks (e.g. Vietnamese "Ễ") is drawn as its base
        letter plus the combining accents the font has, never dropped silently."""
        text = super().normalize_text(text)
        cmap = getattr(self.current_font, "cmap", None)
        if not cmap or all(ord(ch) in cmap or ch in "\n\r\t" for ch in text):
            return text
        out = []
        for ch in text:
            if ord(ch) in cmap or ch in "\n\r\t":
                out.append(ch)
                continue
            parts = [p for p in unicodedata.normalize("NFD", ch) if ord(p) in cmap]
            if parts and not unicodedata.combining(parts[0]):
                # Base letter first; then the accents the font has, recomposed where possible.
                out.append(unicodedata.normalize("NFC", "".join(parts)))
            else:
                out.append("?")
        return "".join(out)

    # Branding -----------------------------------------------------------------------------

    @property
    def town_name(self) -> str:
        return self.town.name if self.town else "la commune"

    @property
    def service_name(self) -> str:
        return (self.town.service_name if self.town else "") or "CCAS"

    @property
    def sender(self) -> str:
        return f"{self.service_name} — {self.town_name}" if self.town else "Mairie"

    @property
    def issuer(self) -> str:
        """The first line: the mairie, or an intercommunal service itself (it has no mairie)."""
        if self.town and getattr(self.town, "is_intercommunal", False):
            return self.town_name
        return f"Mairie de {self.town_name}" if self.town else "Mairie"

    def header(self) -> None:
        self.set_font(FONT, "B", 12)
        self.cell(0, 6, self.issuer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)
        self.cell(0, 5, self.service_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        contact = []
        if self.town and self.town.hotline_phone:
            contact.append(f"Téléphone : {self.town.hotline_phone}")
        if self.town and self.town.contact_email:
            contact.append(self.town.contact_email)
        if contact:
            self.cell(0, 5, " · ".join(contact), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        self.set_font(FONT, "", 10.5)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self.doc_title} — page {self.page_no()}", align="C")

    # Building blocks ----------------------------------------------------------------------

    def heading(self, text: str, size: float = 13) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10.5)
        self.ln(1)

    def paragraph(self, text: str, *, bold: bool = False, gap: float = 2.5) -> None:
        self.set_font(FONT, "B" if bold else "", 10.5)
        self.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10.5)
        self.ln(gap)

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.set_x(self.l_margin + 4)
            self.multi_cell(0, LINE, f"• {item}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def blank_line(self, label: str, lines: int = 1) -> None:
        """A label and dotted space to write by hand (paper forms)."""
        self.set_font(FONT, "", 10.5)
        self.multi_cell(0, LINE + 1, f"{label} " + "." * max(10, 90 - len(label)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for _ in range(lines - 1):
            self.multi_cell(0, LINE + 1, "." * 100, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def checkbox(self, label: str) -> None:
        """An empty box to tick by hand, then its label."""
        x, y = self.l_margin + 2, self.get_y()
        self.rect(x, y + 1, 3.5, 3.5)
        self.set_x(x + 6)
        self.multi_cell(0, LINE + 0.5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def checkbox_row(self, labels: list[str], *, size: float = 9) -> None:
        """Boxes to tick by hand, side by side, wrapping to the next line when the page is full."""
        self.set_font(FONT, "", size)
        x, y = self.l_margin, self.get_y()
        right = self.w - self.r_margin
        for label in labels:
            width = 5 + self.get_string_width(label) + 5
            if x + width > right:
                x, y = self.l_margin, y + LINE
            self.rect(x, y + 1, 3.2, 3.2)
            self.set_xy(x + 4.5, y)
            self.cell(width - 4.5, LINE, label)
            x += width
        self.set_xy(self.l_margin, y + LINE + 0.5)
        self.set_font(FONT, "", 10.5)

    def letter(
        self,
        *,
        recipient: list[str],
        subject: str,
        paragraphs: list[str],
        bullets: list[str] | None = None,
        closing: list[str] | None = None,
        date=None,
    ) -> None:
        """One letter on a new page: recipient block on the right, date, subject, body."""
        self.add_page()
        self.set_font(FONT, "", 10.5)
        for line in [line for line in recipient if line]:
            self.set_x(115)
            self.multi_cell(75, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)
        day = date or timezone.localdate()
        self.multi_cell(
            0, LINE, f"{self.town_name}, le {day:%d/%m/%Y}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(4)
        self.paragraph(f"Objet : {subject}", bold=True, gap=4)
        for text in paragraphs:
            self.paragraph(text)
        if bullets:
            self.bullets(bullets)
        for text in closing or []:
            self.paragraph(text)
        self.ln(4)
        self.multi_cell(
            0,
            LINE,
            f"Pour le maire de {self.town_name},\n{self.service_name}",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def data_table(
        self,
        headers: list[str],
        rows: list[list],
        *,
        col_widths: list[float] | None = None,
        align: list[str] | None = None,
    ) -> None:
        """A table with a heading row repeated on each page; French decimals; the first column on the
        left and the others (numbers) on the right unless `align` says otherwise."""
        self.set_font(FONT, "", 9)
        heading_fill = self.town_colour()
        with self.table(
            col_widths=col_widths,
            text_align=align or ["LEFT", *["RIGHT"] * (len(headers) - 1)],
            headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=heading_fill),
            line_height=4.8,
            repeat_headings=1,
        ) as table:
            for row in [headers, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(_cell_text(value))
        self.set_font(FONT, "", 10.5)
        self.ln(3)

    def section(self, title: str, *, size: float = 13, room: float = 40) -> None:
        """A bookmarked heading in the town's colour; on a new page when less than `room` millimetres
        are left under it (a heading never sits alone at the foot of a page)."""
        if self.get_y() + room > self.h - self.b_margin:
            self.add_page()
        self.start_section(title)
        self.set_text_color(*self.town_colour())
        self.heading(title, size=size)
        self.set_text_color(0, 0, 0)

    def town_colour(self, *, default: tuple[int, int, int] = DEFAULT_COLOUR) -> tuple[int, int, int]:
        """The town's main colour as RGB (its theme), else `default`."""
        colour = getattr(self.town, "primary_colour", "") or ""
        if len(colour) == 7 and colour.startswith("#"):
            try:
                return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
            except ValueError:
                return default
        return default

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def _cell_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
