"""GNU msgcat as the reference for canonical PO files; shared by the tests (conftest) and by
benchmarks/msgcat_identity.py, so it imports nothing from pytest."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def msgcat_args(path: Path, width: int = 79) -> list[str]:
    return ["msgcat", str(path)] + ([f"--width={width}"] if width else ["--no-wrap"])


def msgcat_reference(path: Path, width: int = 79) -> str:
    """What GNU msgcat writes for a file, as Latin-1 text (lossless for any charset)."""
    return subprocess.run(msgcat_args(path, width), capture_output=True,
                          check=True).stdout.decode("latin-1")


# The flags GNU gettext 0.21 knows: fuzzy, [no-|possible-]<lang>-format, range: N..M, wrap.
_KNOWN_FLAG = re.compile(r"^(fuzzy|(no-|possible-)?[a-z-]+-format|range: ?\d+ ?\.\. ?\d+|"
                         r"(no-)?wrap)$")


def drop_unknown_flags(text: str) -> str:
    """msgcat 0.21 drops flags it does not know (Weblate's max-length:N and ignore-*, po4a's
    markdown-text); handbill keeps them."""
    def fix(match: re.Match) -> str:
        flags = [f.strip() for f in match.group(1).split(",")]
        known = [f for f in flags if _KNOWN_FLAG.match(f)]
        return ("#, " + ", ".join(known) + "\n") if known else ""
    return re.sub(r"^#, (.*)\n", fix, text, flags=re.M)


def sorted_flags(text: str) -> str:
    """Every `#,` line with its flags sorted, to compare files whose flag order may differ."""
    def fix(match: re.Match) -> str:
        return "#, " + ", ".join(sorted(f.strip() for f in match.group(1).split(","))) + "\n"
    return re.sub(r"^#, (.*)\n", fix, text, flags=re.M)
