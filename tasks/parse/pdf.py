"""PDF → text layer (pdfplumber). Hard line breaks inside words and numbers are left in
``doc.text`` and joined by the compact view (see :mod:`normalise`)."""

from __future__ import annotations

import io
import logging

from tasks.model import ParsedDocument, ParseError
from tasks.parse.analyse import analyse_text

MAX_PAGES = 500


def parse_pdf(data: bytes) -> ParsedDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ParseError(f"PDF has {len(pdf.pages)} pages (limit {MAX_PAGES})")
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
    except ParseError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise ParseError("encrypted PDF: cannot read its text without the password") from e
    except Exception as e:  # pdfminer raises a zoo of parser errors on broken files
        # pdfplumber wraps pdfminer's errors: look at the wrapped ones too
        inner = [e, *e.args, e.__cause__, e.__context__]
        if (
            any(isinstance(x, PDFPasswordIncorrect | PDFEncryptionError) for x in inner)
            or "password" in str(e).lower()
        ):
            raise ParseError("encrypted PDF: cannot read its text without the password") from e
        raise ParseError(f"unreadable PDF: {type(e).__name__}: {e}") from e
    text = "\n".join(pages)
    if not text.strip():
        raise ParseError("PDF has no text layer (image-only scan?): OCR it or ask for a text PDF")
    return analyse_text(text, fmt="pdf", encoding=None)
