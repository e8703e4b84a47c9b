"""Where catalogs live: the plan's answer (pipeline.plan is the one place that says where each
file lives); these names stay for the catalog stage's callers."""

from __future__ import annotations

from pipeline.plan import po_path, pot_path

__all__ = ["po_path", "pot_path"]
