"""The leaflet PDF's text layer: tagged, titled, and giving back the text it shows.

WeasyPrint 70 maps each glyph to text once per font (the ToUnicode CMap), from the harfbuzz
cluster it was first drawn in. A cluster of several glyphs (Devanagari "कि" is drawn as the
pre-base matra "ि" then "क"; a consonant with a mark above or below it; an Arabic letter with
its shadda) gives its whole text to one glyph and "" to the others, and the glyph keeps that
text wherever else it is drawn. So "किया" is copied as "कया", and a shared glyph can carry
the wrong letter into another word.

A CMap cannot fix that: one glyph has one mapping, and the same glyph stands for different
text in different clusters. PDF's answer (ISO 32000-1, 14.9.4) is a marked-content span with
/ActualText around the glyphs of such a cluster, as Chromium (Skia) does. actualtext.py draws
each line as WeasyPrint does, and where a unit of text (a harfbuzz cluster and the combining
marks Pango keeps in clusters of their own after it) is not one glyph already mapped to that
text, it writes

    /Span <</ActualText <FEFF...>>> BDC [glyphs] TJ EMC

What readers do with a span decided the details (poppler's TextOutputDev, PDFium's
CPDF_TextPage and MuPDF's stext device were read and measured; see actualtext.py):
- poppler puts the span's text from where its first glyph starts to where its last glyph ends:
  the first glyph is the leftmost on the baseline and the last the one ending rightmost; a
  mark that must come last gets character spacing (Tc) to reach the unit's end, so the word is
  not split (the TJ offsets take the spacing back: nothing moves on the page);
- PDFium drops a text object that is only a space, so a space between two spans goes into
  the second one;
- poppler and PDFium reverse right-to-left lines character by character, so right-to-left
  units of several characters carry their text in drawing order (RTL_TEXT_IN_DRAWING_ORDER).
Every glyph is drawn where WeasyPrint draws it: pages rasterise the same (tests check it).

This replaces `weasyprint.draw.text.draw_first_line` while `actual_text()` is active (only in
our write_pdf; other WeasyPrint use in the process is untouched). It is pinned to the source
of WeasyPrint 70.0's function: `install()` checks its hash and, if WeasyPrint changed, leaves
WeasyPrint alone and logs a warning once (the PDF is still right, its text layer as before),
and tests/test_pdftext.py fails so that someone ports the change.
docs/upstream/weasyprint-actualtext.md is the patch text to offer upstream.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import inspect
import logging
import threading

log = logging.getLogger(__name__)

# The function this module replaces, as it is in the WeasyPrint version we pin.
PINNED_VERSION = "70.0"
PINNED_SOURCE_SHA256 = "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"

_active: contextvars.ContextVar[bool] = contextvars.ContextVar("handbill_actual_text",
                                                              default=False)
_original = None  # WeasyPrint's draw_first_line, once ours is in its place
_refused = False  # install() found another WeasyPrint (and said so once)
_lock = threading.Lock()


def source_digest() -> str:
    """sha256 of the source of the installed WeasyPrint's draw_first_line."""
    from weasyprint.draw import text as wp_text

    function = _original or wp_text.draw_first_line
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def install() -> bool:
    """Put our line drawer in WeasyPrint's place (once); False if WeasyPrint is not the pinned
    version, in which case WeasyPrint is left as it is."""
    global _original, _refused
    import weasyprint
    from weasyprint.draw import text as wp_text

    with _lock:
        if _original is not None:
            return True
        if _refused:
            return False
        digest = source_digest()
        if weasyprint.__version__ != PINNED_VERSION or digest != PINNED_SOURCE_SHA256:
            _refused = True
            log.warning("WeasyPrint %s is not the pinned %s (draw_first_line %s): leaflet "
                        "PDFs keep WeasyPrint's own text layer; see "
                        "pipeline/render/pdftext.py", weasyprint.__version__, PINNED_VERSION,
                        digest[:12])
            return False
        _original = wp_text.draw_first_line
        wp_text.draw_first_line = _draw_first_line
        return True


@contextlib.contextmanager
def actual_text():
    """Within this block (this thread or task), lines are drawn with ActualText spans."""
    token = _active.set(install())
    try:
        yield
    finally:
        _active.reset(token)


# WeasyPrint options for an accessible leaflet: a tagged PDF (structure tree, MarkInfo, /Lang
# from <html lang>, /Title from <title>, DisplayDocTitle). Not the PDF/UA-1 variant: that
# writes a conformance claim (pdfuaid:part) that nothing here validates (veraPDF is not
# available to the project), so `finish` adds the XMP metadata without the claim.
PDF_OPTIONS = {"pdf_tags": True}


def finish(document, pdf) -> None:
    """WeasyPrint finisher: XMP metadata (dc:title and producer), uncompressed so that any
    tool finds it, and /Lang and /Title checked (the leaflet template always sets them)."""
    metadata = document.metadata
    metadata.include_in_pdf(pdf, "ua", None, None, compress=False)
    if not metadata.lang or not metadata.title:
        log.warning("leaflet PDF without a language or a title (<html lang>, <title>)")


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    if not _active.get():
        return _original(stream, textbox, text_overflow, block_ellipsis, matrix)
    from pipeline.render import actualtext  # imports WeasyPrint

    return actualtext.draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
