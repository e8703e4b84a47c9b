"""`handbill merge DIR...`: the output/ folders of `build --shard K/N` joined into output/.

Each shard's folder holds its units' folders (output/<lang>/<campaign>/), their packs and its
record (records.ShardRecord). Merge checks that the records belong together (the same inputs,
the same N, every shard once, every unit once), copies the units and packs into the project's
output/ and writes the download page: the result is byte-identical to one plain `handbill
build` of the same inputs (output/.site-stamp aside: a cache key of file times).

It reads the shards' folders without following a symlink (a link there is refused, not
copied), and writes only into an output folder handbill marked as its own.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pipeline import catalogs
from pipeline.config import Config, prepare_output
from pipeline.errors import HandbillError
from pipeline.files import check_output_folder, read_regular, write_if_changed
from pipeline.inputs import INPUTS, Hasher, project_inputs
from pipeline.names import UI_DOMAIN
from pipeline.plan import SHARD_RECORD_GLOB, PACKS_FOLDER, Plan, Unit
from pipeline.project import domains, load_plan
from pipeline.records import BuildStamp, ShardRecord

log = logging.getLogger(__name__)
_WHAT = {"handbill": "handbill version or code", "settings": "settings (handbill.toml or "
         "SOURCE_DATE_EPOCH)", "options": "build options (such as --allow-incomplete)",
         "templates": "handbill templates", "sources": "sources", "catalogs": "catalogs",
         "revision": "git revision"}
# What the merge's own checkout is compared on: the command-line options are the shards' only.
_PROJECT_INPUTS = tuple(kind for kind in INPUTS if kind != "options")


class MergeError(HandbillError):
    """Shards that cannot be merged (different inputs, one missing, a unit twice...)."""


@dataclass(frozen=True)
class Found:
    """One shard's record and the folder it came from."""

    folder: Path
    record: ShardRecord

    @property
    def name(self) -> str:
        return f"shard {self.record.index} of {self.record.count} ({self.folder})"


@dataclass
class MergeReport:
    shards: int = 0
    units: int = 0
    packs: int = 0
    files: int = 0
    seconds: float = 0.0
    site: Path | None = None
    failures: list[HandbillError] = field(default_factory=list)


def find_shards(folders: Sequence[Path]) -> list[Found]:
    """The shard records in the given folders (one or more each), without following links."""
    found = []
    for folder in folders:
        if not _is(folder, stat.S_ISDIR):
            raise MergeError("is not a folder (a symlink is not followed); give the output/ "
                             "folders of `handbill build --shard K/N`", folder)
        records = sorted(folder.glob(SHARD_RECORD_GLOB))
        if not records:
            raise MergeError("holds no shard record (.handbill-shard-K-of-N.json); give the "
                             "output/ folders of `handbill build --shard K/N`", folder)
        for path in records:
            record = ShardRecord.read(path)
            if record is None:
                raise MergeError("is not a shard record handbill can read; build the shard "
                                 "again", path)
            found.append(Found(folder, record))
    return found


def check_shards(found: list[Found], here: dict[str, str], plan: Plan) -> None:
    """Refuse, in one line, shards of different inputs or counts, a shard missing or given
    twice, and a unit built twice or by no shard."""
    first = found[0]
    inputs = dict(first.record.inputs)
    for other in found[1:]:
        if other.record.count != first.record.count:
            raise MergeError(f"{other.name} and {first.name} are shards of different builds "
                             f"(of {other.record.count} and of {first.record.count}); give "
                             "the shards of one build")
        _same_inputs(dict(other.record.inputs), inputs, other.name, first.name, INPUTS)
    _same_inputs(inputs, here, first.name, "this project", _PROJECT_INPUTS)
    count = first.record.count
    by_index: dict[int, Found] = {}
    for shard in found:
        if shard.record.index in by_index:
            raise MergeError(f"shard {shard.record.index} of {count} is given twice: "
                             f"{by_index[shard.record.index].folder} and {shard.folder}")
        by_index[shard.record.index] = shard
    missing = [str(k) for k in range(1, count + 1) if k not in by_index]
    if missing:
        raise MergeError(f"shard {', '.join(missing)} of {count} is missing: give the output "
                         f"folders of all {count} shards (found {len(found)})")
    owner: dict[str, Found] = {}
    for shard in found:
        for key, _ in shard.record.units:
            if key in owner:
                raise MergeError(f"unit {key} was built twice: by {owner[key].name} and by "
                                 f"{shard.name}")
            owner[key] = shard
    for unit in plan.units:
        if unit.key not in owner:
            raise MergeError(f"unit {unit.key} was built by no shard; build every shard of "
                             "the same project with `handbill build --shard K/N`")


def _same_inputs(theirs: dict[str, str], ours: dict[str, str], name: str, other: str,
                 kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        if theirs.get(kind) != ours.get(kind):
            raise MergeError(f"{name} was built from other {_WHAT[kind]} than {other}; build "
                             "every shard (and merge) from the same commit and settings")


def _is(path: Path, kind) -> bool:
    try:
        return kind(os.lstat(path).st_mode)
    except OSError:
        return False


def copy_tree(source: Path, target: Path, output: Path) -> int:
    """Copy the folder `source` to `target` inside `output`, file by file (atomically),
    refusing a symlink or anything but files and folders; the number of files copied."""
    copied = 0
    check_output_folder(output, target)
    with os.scandir(source) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_symlink():
                raise MergeError("is a symlink; merge copies only files and folders a shard "
                                 "built (it follows no link)", path)
            if entry.is_dir(follow_symlinks=False):
                copied += copy_tree(path, target / entry.name, output)
            else:  # read_regular refuses a FIFO, a device or a link swapped in meanwhile
                # Not fsynced file by file (4-7 ms each, 47 ms a unit): merge() syncs once at
                # the end, and a merge cut short is run again.
                write_if_changed(target / entry.name, read_regular(path, error=MergeError),
                                 durable=False)
                copied += 1
    return copied


def _copy_unit(cfg: Config, shard: Found, unit: Unit) -> tuple[int, bool]:
    """Copy one unit's folder and pack from a shard into output/; (files, packed)."""
    output = cfg.output_dir
    relative = unit.out_dir.relative_to(output)
    source = shard.folder / relative
    for step in (shard.folder / relative.parts[0], source):
        if not _is(step, stat.S_ISDIR):
            raise MergeError(f"unit {unit.key} is missing from {shard.name} (or is a symlink); "
                             "build that shard again", step)
    check_output_folder(output, unit.out_dir)
    if _is(unit.out_dir, stat.S_ISDIR):
        shutil.rmtree(unit.out_dir)  # inside the marked output/; never follows a link
    copied = copy_tree(source, unit.out_dir, output)
    stamp = BuildStamp.read(source / unit.stamp.name)
    pack = shard.folder / PACKS_FOLDER / unit.pack.name
    check_output_folder(output, unit.pack.parent)
    if stamp is not None and stamp.pack and _is(pack, stat.S_ISREG):
        write_if_changed(unit.pack, read_regular(pack, error=MergeError), durable=False)
        return copied + 1, True
    unit.pack.unlink(missing_ok=True)  # the shard made no pack: neither does a plain build
    return copied, False


def _ui_catalogs(cfg: Config, plan: Plan) -> None:
    """Extract and update the `ui` catalogs as build does: the page's strings come from them."""
    ui = [d for d in domains(plan) if d.name == UI_DOMAIN]
    if ui:
        catalogs.extract(cfg, ui)
        catalogs.update(cfg, ui, list(plan.ui_languages), jobs=1)


def merge(cfg: Config, folders: Sequence[Path]) -> MergeReport:
    """Check the shards in `folders`, copy their units and packs into output/, write the page."""
    from pipeline.build import write_site_if_changed

    started = time.perf_counter()
    report = MergeReport()
    loaded = load_plan(cfg, tolerant=True)
    plan = loaded.plan
    report.failures += loaded.failures
    here = project_inputs(cfg, plan.options, Hasher())
    found = find_shards([Path(f) for f in folders])
    check_shards(found, here, plan)
    report.shards = len(found)
    prepare_output(cfg)  # refuse a folder that is not handbill's before writing anything
    _ui_catalogs(cfg, plan)
    owner = {key: shard for shard in found for key, _ in shard.record.units}
    for unit in plan.units:
        copied, packed = _copy_unit(cfg, owner[unit.key], unit)
        report.units += 1
        report.files += copied
        report.packs += packed
    os.sync()  # the copies' data reach the disk once, not file by file
    for old in cfg.output_dir.glob(SHARD_RECORD_GLOB):
        old.unlink()  # a plain build's output holds no shard record
    report.site = write_site_if_changed(cfg, plan, Hasher(), True)
    report.seconds = time.perf_counter() - started
    log.info("merged %d units from %d shards in %.1f s", report.units, report.shards,
             report.seconds)
    return report
