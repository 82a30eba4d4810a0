"""Reading back the PDF documents the application produces."""

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
