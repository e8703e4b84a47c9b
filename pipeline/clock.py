"""The build time: the only clock of handbill, so SOURCE_DATE_EPOCH is honoured everywhere."""

from __future__ import annotations

import datetime as dt
import os


def now() -> dt.datetime:
    """The build time, honouring SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
