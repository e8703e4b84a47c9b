"""WeasyPrint 70's draw_first_line, rewritten to write each cluster with the text it stands for.

See pipeline/render/pdftext.py for why and when this replaces WeasyPrint's function. Everything
WeasyPrint computes for a glyph (advance, offsets, rise, .notdef, colour glyphs) is computed
the same way here; what differs is that glyphs are grouped into units of text (a harfbuzz
cluster with the combining marks written after it) and a unit whose glyphs do not map to its
text is written as a /Span with /ActualText.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from io import BytesIO
from xml.etree import ElementTree

from PIL import Image
from pydyf import Dictionary, String
from weasyprint.images import RasterImage, SVGImage
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango
from weasyprint.text.fonts import get_hb_object_data
from weasyprint.text.line_break import get_last_word_end

# Right-to-left units of several characters (a letter and its shadda, the lam-alef ligature)
# get their text in drawing order, the order of the glyphs on the page, the reverse of reading
# order: poppler (pdftotext, Evince, Okular) lays the characters of one glyph or span left to
# right and then reverses the right-to-left line character by character, and pdfminer, pypdf
# and PyMuPDF users report the same for ligatures. Measured on the Arabic leaflet: 381 of 382
# words intact in pdftotext and 360 in PDFium (Chrome's and Android's viewer), against 356 and
# 356 with the text in reading order, which is ISO 32000's reading, what Chromium writes and
# what PDFBox expects since PDFBOX-4531. False gives reading order.
RTL_TEXT_IN_DRAWING_ORDER = True


def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """WeasyPrint's draw_first_line, writing each cluster with its text (see the module)."""
    first_line = _first_line(textbox, text_overflow, block_ellipsis)
    if first_line is None:
        return []
    stream.set_text_matrix(*matrix.values)
    writer = _Writer(stream)
    utf8_text = textbox.pango_layout.text.encode()
    previous_pango_font = font = font_size = None
    emojis: list = []
    x_advance = 0.0
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font, font_size = _use_font(stream, writer, pango_font, textbox)
        glyphs = []
        for info in _glyph_infos(glyph_item):
            glyph = _measure(stream, font, font_size, pango_font, info)
            x_advance = _emoji(stream, font, font_size, pango_font, glyph, textbox, emojis,
                               x_advance)
            glyphs.append(glyph)
        writer.run(font, _units(glyph_item, utf8_text, glyphs))
    writer.flush()
    return emojis


def _first_line(textbox, text_overflow, block_ellipsis):
    """The first line of the layout, ellipsised as WeasyPrint does; None if nothing to draw."""
    if not textbox.text.strip():
        return None
    if textbox.style['font_size'] < 1e-6:  # default float precision used by pydyf
        return None
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    if text_overflow == 'ellipsis' or block_ellipsis != 'none':
        assert textbox.pango_layout.max_width is not None
        max_width = textbox.pango_layout.max_width
        pango.pango_layout_set_width(textbox.pango_layout.layout, int(max_width * TO_UNITS))
        if text_overflow == 'ellipsis':
            pango.pango_layout_set_ellipsize(textbox.pango_layout.layout,
                                             pango.PANGO_ELLIPSIZE_END)
        else:
            if block_ellipsis == 'auto':
                ellipsis = '…'
            else:
                assert block_ellipsis[0] == 'string'
                ellipsis = block_ellipsis[1]
            new_text = textbox.pango_layout.text
            if new_text.endswith(textbox.style['hyphenate_character']):
                last_word_end = get_last_word_end(
                    new_text[:-len(textbox.style['hyphenate_character'])],
                    textbox.style['lang'])
                if last_word_end:
                    new_text = new_text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
    first_line, index = textbox.pango_layout.get_first_line()
    if block_ellipsis != 'none':
        while index:
            last_word_end = get_last_word_end(
                textbox.pango_layout.text[:-len(ellipsis)], textbox.style['lang'])
            if last_word_end is None:
                break
            new_text = textbox.pango_layout.text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
            first_line, index = textbox.pango_layout.get_first_line()
    return first_line


def _use_font(stream, writer, pango_font, textbox):
    font, font_size = stream.add_font(pango_font)
    # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
    # This is also needed by raster emoji fonts, see #2800.
    if pango.pango_version() < 14802 or font.png:
        font_size = textbox.style['font_size']
    writer.flush()
    writer.size = 1 if font.bitmap else font_size
    stream.set_font_size(font.hash, writer.size)
    return font, font_size


def _glyph_infos(glyph_item):
    glyph_string = glyph_item.glyphs
    return glyph_string.glyphs[0:glyph_string.num_glyphs]


@dataclass(slots=True)
class _Glyph:
    """One shaped glyph, in WeasyPrint's units (thousandths of the font size)."""

    id: int
    empty: bool  # Pango's zero-width empty glyph: only moves the pen by `advance`
    advance: float  # the empty glyph's move
    offset: float  # x offset from the pen
    rise: float  # y offset (text rise)
    width: int  # the font's advance for the glyph (the PDF /W entry)
    kerning: float  # what brings the pen from offset + width to the shaped advance
    hex: str = ""

    @property
    def after(self) -> float:
        """How far the pen moves for this glyph (WeasyPrint's truncation included)."""
        if self.empty:
            return self.advance
        return self.offset + self.width - (int(self.kerning) if self.kerning else 0)


def _measure(stream, font, font_size, pango_font, glyph_info) -> _Glyph:
    """A glyph's numbers, as WeasyPrint computes them (widths and .notdef ids recorded)."""
    glyph_id = glyph_info.glyph
    width = glyph_info.geometry.width
    if glyph_id == pango.PANGO_GLYPH_EMPTY:
        return _Glyph(glyph_id, True, width / font_size, 0, 0, 0, 0)
    if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
        codepoint = glyph_id - pango.PANGO_GLYPH_UNKNOWN_FLAG
        LOGGER.warning(
            '.notdef glyph rendered for Unicode string unsupported by fonts: '
            '"%s" (U+%04X)', chr(codepoint), codepoint)
        glyph_id = font.get_unused_glyph_id(codepoint)
        font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
        if 0 not in font.widths:
            font.widths[0] = font.widths[glyph_id]
    offset = glyph_info.geometry.x_offset / font_size
    rise = glyph_info.geometry.y_offset / 1000
    if glyph_id in font.widths:
        logical_width = font.widths[glyph_id]
    else:
        pango.pango_font_get_glyph_extents(
            pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        logical_width = font.widths[glyph_id] = round(
            stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
    kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
    hex_id = f'{glyph_id:02x}' if font.bitmap else f'{glyph_id:04x}'
    return _Glyph(glyph_id, False, 0, offset, rise, logical_width, kerning, hex_id)


def _emoji(stream, font, font_size, pango_font, glyph: _Glyph, textbox, emojis: list,
           x_advance: float) -> float:
    """WeasyPrint's colour-glyph (emoji) collection for one glyph; the new x_advance."""
    if glyph.empty:
        return x_advance
    if font.svg or font.png or font.colr:
        _colour_glyph(stream, font, font_size, pango_font, glyph, textbox, emojis, x_advance)
    return x_advance + (glyph.width + glyph.offset - glyph.kerning) / 1000


def _colour_glyph(stream, font, font_size, pango_font, glyph, textbox, emojis,
                  x_advance) -> None:
    glyph_id, kerning = glyph.id, glyph.kerning
    if font.svg:
        svg_data = get_hb_object_data(font.hb_face, 'svg', glyph_id)
        if svg_data:
            # Do as explained in specification
            # https://learn.microsoft.com/typography/opentype/spec/svg
            tree = ElementTree.fromstring(svg_data)
            if tree.get('id') != f'glyph{glyph_id}':
                defs = ElementTree.Element('defs')
                for child in list(tree):
                    defs.append(child)
                    tree.remove(child)
                tree.append(defs)
                ElementTree.SubElement(tree, 'use', attrib={'href': f'#glyph{glyph_id}'})
            if 'viewBox' not in tree.attrib:
                tree.attrib['viewBox'] = f'0 0 {font.upem} {font.upem}'
            emojis.append([SVGImage(tree, None, None, None), font, 1, 1, x_advance, 0])
    elif font.png:
        png_data = get_hb_object_data(font.hb_font, 'png', glyph_id)
        if png_data:
            pillow_image = Image.open(BytesIO(png_data))
            image = RasterImage(pillow_image, f'{font.hash}{glyph_id}', png_data)
            d = glyph.width / 1000
            a = pillow_image.width / pillow_image.height * d
            pango.pango_font_get_glyph_extents(
                pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
            f = -stream.logical_rect.y
            f = f * FROM_UNITS / font_size - font_size
            emojis.append([image, font, a, d, x_advance, f])
    elif font.colr:
        svg_data = get_hb_object_data(font.hb_font, 'colr', glyph_id)
        if svg_data:
            tree = ElementTree.fromstring(svg_data)
            emojis.append([SVGImage(tree, None, None, None), font, 1, 1,
                           x_advance - kerning, -textbox.baseline])


# ------------------------------------------------------------------------ clusters and spans


@dataclass(slots=True)
class _Unit:
    """Text and the glyphs drawing it, in visual order; `pieces` are Pango's clusters in it
    when there are several (marks joined to their base)."""

    text: str
    glyphs: list[_Glyph]
    pieces: list[tuple[str, list[_Glyph]]] | None = None

    def clusters(self) -> list[tuple[str, list[_Glyph]]]:
        return self.pieces or [(self.text, self.glyphs)]


def _units(glyph_item, utf8_text: bytes, glyphs: list[_Glyph]) -> list[_Unit]:
    """The text units of a run, in the run's (visual) order.

    Pango's log_clusters give each glyph the byte offset of its cluster's first character; a
    cluster's text runs to the next larger offset in the run (or the run's end), whichever
    the direction. Glyphs of one cluster are adjacent (harfbuzz's monotone cluster levels).
    Pango keeps a combining mark (Devanagari "े", "ं", Arabic shadda) in a cluster of its own,
    drawn with an offset back over its base: such a cluster joins the one it is written
    after, so that a letter and its marks are one unit of text.
    """
    item = glyph_item.item
    clusters = glyph_item.glyphs.log_clusters
    rtl = item.analysis.level % 2
    starts = ffi.unpack(clusters, len(glyphs))
    ordered = sorted(set(starts))
    ends = dict(zip(ordered, ordered[1:] + [item.length]))
    spans = []  # (start, first glyph, end glyph) per cluster, visual order
    i, count = 0, len(glyphs)
    while i < count:
        j = i + 1
        while j < count and starts[j] == starts[i]:
            j += 1
        spans.append((starts[i], i, j))
        i = j
    if rtl:
        spans.reverse()  # logical order, to attach marks to what they follow
    units: list[_Unit] = []
    offset, last_end = item.offset, None
    for start, i, j in spans:
        end = ends[start]
        text = utf8_text[offset + start:offset + end].decode(errors="replace")
        if units and last_end == start and _is_mark(text):
            unit = units[-1]
            if unit.pieces is None:
                unit.pieces = [(unit.text, unit.glyphs)]
            unit.pieces.append((text, glyphs[i:j]))
            unit.text += text
            unit.glyphs = glyphs[i:j] + unit.glyphs if rtl else unit.glyphs + glyphs[i:j]
        else:
            units.append(_Unit(text, glyphs[i:j]))
        last_end = end
    if rtl:
        units.reverse()
        if RTL_TEXT_IN_DRAWING_ORDER:
            for unit in units:
                unit.text = unit.text[::-1]
    return units


def _is_mark(text: str) -> bool:
    """Does the text start with a combining mark, drawn over or under a base?"""
    return bool(text) and unicodedata.category(text[0]) in ("Mn", "Me")


class _Writer:
    """Builds a line's TJ arrays; wraps units whose glyphs do not map to their text."""

    def __init__(self, stream):
        self.stream = stream
        self.size = 1.0  # the font size of Tf, which TJ numbers are thousandths of
        self.parts: list[str] = []  # the TJ array being built: "<hex>" runs and numbers

    def flush(self) -> None:
        if self.parts:
            self.stream.show_text(" ".join(self.parts))
            self.parts = []

    def _number(self, value) -> None:
        """A TJ adjustment: moves the pen left by value thousandths of the font size."""
        if value:
            self.parts.append(f"{value}")

    def _glyph(self, glyph: _Glyph, move: float) -> None:
        """Draw a glyph `move` (thousandths) right of the pen (WeasyPrint's operators)."""
        if glyph.rise:
            self.flush()
            self.stream.set_text_rise(-glyph.rise)
        self._number(-move)
        if self.parts and self.parts[-1][0] == "<":
            self.parts[-1] = f"{self.parts[-1][:-1]}{glyph.hex}>"
        else:
            self.parts.append(f"<{glyph.hex}>")
        if glyph.rise:
            self.flush()
            self.stream.set_text_rise(0)

    def simple(self, glyphs: list[_Glyph]) -> None:
        """Glyphs drawn one after the other, exactly as WeasyPrint writes them."""
        parts = self.parts
        for glyph in glyphs:
            if glyph.empty:
                self._number(-glyph.advance)
            elif glyph.rise:
                self._glyph(glyph, glyph.offset)
                if glyph.kerning:
                    self._number(int(glyph.kerning))
            else:  # the common case, inlined: [offset] <glyph> [kerning]
                if glyph.offset:
                    parts.append(f"{-glyph.offset}")
                if parts and parts[-1][0] == "<":
                    parts[-1] = f"{parts[-1][:-1]}{glyph.hex}>"
                else:
                    parts.append(f"<{glyph.hex}>")
                if glyph.kerning and int(glyph.kerning):
                    parts.append(f"{int(glyph.kerning)}")

    def run(self, font, units: list[_Unit]) -> None:
        """A run's units; a space between two spans goes into the second one, because
        PDFium drops a text object that is only a space (it has no ink) and then sees no
        gap between the words."""
        pending = None
        mapped, provisional = font.to_unicode, _provisional(font)
        for index, unit in enumerate(units):
            glyphs = unit.glyphs
            if (not pending and len(glyphs) == 1 and mapped.get(glyphs[0].id) == unit.text
                    and not glyphs[0].empty and glyphs[0].id not in provisional
                    and not (unit.text.isspace() and not self.parts)):
                self.simple(glyphs)  # most units: one glyph, already mapped to its text
                continue
            if pending:
                unit = _Unit(pending.text + unit.text, pending.glyphs + unit.glyphs,
                             pending.clusters() + unit.clusters())
                pending = None
            following = units[index + 1] if index + 1 < len(units) else None
            if (unit.text.isspace() and not self.parts and following is not None
                    and _needs_span(font, following)):
                pending = unit
                continue
            self.unit(font, unit)

    def unit(self, font, unit: _Unit) -> None:
        """One unit: plain glyphs if it is one glyph whose ToUnicode entry is its text."""
        provisional = _provisional(font)
        if len(unit.glyphs) == 1:  # most units: one glyph, already mapped to the same text
            glyph = unit.glyphs[0]
            if (not glyph.empty and font.to_unicode.get(glyph.id) == unit.text
                    and glyph.id not in provisional):
                return self.simple(unit.glyphs)
        real = [g for g in unit.glyphs if not g.empty]
        if len(real) == 1 and unit.text:
            glyph_id = real[0].id
            if glyph_id not in font.to_unicode or glyph_id in provisional:
                font.to_unicode[glyph_id] = unit.text
                provisional.discard(glyph_id)
            if font.to_unicode[glyph_id] == unit.text:
                return self.simple(unit.glyphs)
        # Every drawn glyph needs an entry (the font subset keeps only those glyphs). For
        # readers that ignore ActualText, a glyph first met here gets what WeasyPrint gives
        # it (its cluster's text on one glyph), until a unit of its own claims it.
        for text, members in unit.clusters():
            drawn = [g for g in members if not g.empty]
            for glyph in drawn:
                if glyph.id not in font.to_unicode:
                    font.to_unicode[glyph.id] = text if glyph is drawn[-1] else ""
                    provisional.add(glyph.id)
        if not real or not unit.text:
            return self.simple(unit.glyphs)
        self.span(unit.text, unit.glyphs)

    def span(self, text: str, glyphs: list[_Glyph]) -> None:
        """The glyphs in a /Span with /ActualText. Text extractors put a span's text from
        where its first glyph starts to where its last glyph ends (poppler's ActualText
        addChar and end), so the first glyph is the leftmost one on the baseline, the last
        the one on the baseline ending rightmost; if that is one glyph, the marks follow
        it, and character spacing (Tc) carries the last mark's end to the unit's end."""
        pens, pen = [], 0.0
        for glyph in glyphs:
            pens.append(pen)
            pen += glyph.after
        drawn = [(p + g.offset, g) for p, g in zip(pens, glyphs) if not g.empty]
        flat = [d for d in drawn if not d[1].rise]
        order = drawn
        if flat:
            first = min(flat, key=lambda d: d[0])
            last = max(flat, key=lambda d: d[0] + d[1].width)
            rest = [d for d in drawn if d is not first and d is not last]
            order = [first, *rest] + ([last] if last is not first else [])
        self.flush()
        self.stream.begin_marked_content("Span", Dictionary({"ActualText": String(text)}))
        here = 0.0
        for index, (position, glyph) in enumerate(order):
            short = pen - (position + glyph.width)
            stretch = index == len(order) - 1 and index > 0 and short > 0
            if stretch:
                self.flush()
                self.stream.stream.append(f"{short * self.size / 1000:f} Tc".encode())
            self._glyph(glyph, position - here)
            here = position + glyph.width + (short if stretch else 0)
            if stretch:
                self.flush()
                self.stream.stream.append(b"0 Tc")
        self.flush()
        self.stream.end_marked_content()
        self._number(-(pen - here))


def _needs_span(font, unit: _Unit) -> bool:
    """Will `unit` be written in a span (not one glyph already mapped to its text)?"""
    real = [g for g in unit.glyphs if not g.empty]
    if len(real) != 1:
        return bool(real)
    mapped = font.to_unicode.get(real[0].id)
    return mapped is not None and mapped != unit.text and real[0].id not in _provisional(font)


def _provisional(font) -> set:
    """Glyph ids of `font` whose ToUnicode entry only stands in (all their uses are spans)."""
    try:
        return font.handbill_provisional
    except AttributeError:
        font.handbill_provisional = set()
        return font.handbill_provisional
