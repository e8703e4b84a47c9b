"""Sharded builds (#18): `build --shard K/N` on separate copies of a project, then `merge`,
give the same bytes as one plain build; merge refuses shards that do not belong together."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Cli, REPO, write_demo
from pipeline.errors import UsageError
from pipeline.plan import Cost, Shard, Unit, parse_shard, partition
from security.helpers import fill, one_error_line

EPOCH = "1645790400"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path (the page's stat cache left out)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".site-stamp"}


def copy_project(source: Path, target: Path) -> Path:
    """What a CI runner checks out: handbill.toml, source/, locales/ (no output/)."""
    target.mkdir(parents=True)
    shutil.copy(source / "handbill.toml", target)
    for folder in ("source", "locales"):
        if (source / folder).exists():
            shutil.copytree(source / folder, target / folder)
    return target


def build_sharded(project: Path, work: Path, count: int) -> tuple[Path, list[Path]]:
    """A plain build of a copy of `project`, and `count` shards each built in its own copy;
    (the plain copy, the shards' output folders)."""
    plain = copy_project(project, work / "plain")
    Cli(plain)("build")
    outputs = []
    for k in range(1, count + 1):
        copy = copy_project(project, work / f"shard{k}")
        Cli(copy)("build", "--shard", f"{k}/{count}")
        outputs.append(copy / "output")
    return plain, outputs


def assert_disjoint(outputs: list[Path]) -> None:
    """No two shards write the same file (the output marker, the same bytes, aside)."""
    seen: dict[str, Path] = {}
    for output in outputs:
        for name in tree(output):
            if name != ".handbill-output":
                assert name not in seen, f"{name} written by {seen[name]} and {output}"
                seen[name] = output


@pytest.fixture(scope="module")
def shipped_shards(tmp_path_factory):
    """The shipped campaign built plainly and as 3 shards, each in its own copy."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    work = tmp_path_factory.mktemp("shipped")
    try:
        yield (REPO, *build_sharded(REPO, work, 3))
    finally:
        mp.undo()


def test_three_shards_and_merge_equal_a_plain_build_of_the_shipped_campaign(
        shipped_shards, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    repo, plain, outputs = shipped_shards
    assert_disjoint(outputs)
    assert all(any(o.glob("packs/*.zip")) for o in outputs)  # 7 units: every shard has work
    merged = copy_project(repo, tmp_path / "merge")
    result = Cli(merged)("merge", *map(str, outputs))
    assert "merged 3 shards: 7 units, 7 packs" in result.stdout
    expected, got = tree(plain / "output"), tree(merged / "output")
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if expected[name] != got[name]] == []
    assert not list((merged / "output").glob(".handbill-shard-*"))
    # Merging again into the same output changes nothing.
    Cli(merged)("merge", *map(str, reversed(outputs)))
    assert tree(merged / "output") == expected


def _multi_project(root: Path) -> Path:
    """Three campaigns; es, ar (RTL) and zh_Hans (CJK); one campaign serves only es, and one
    language of one campaign is untranslated (a skipped unit, listed on the page)."""
    for name in ("alpha", "beta", "gamma"):
        write_demo(root, languages=("es", "ar", "zh_Hans"), campaign=name)
    with (root / "source" / "gamma" / "campaign.yml").open("a") as handle:
        handle.write("languages: [es]\n")
    (root / "handbill.toml").write_text('[project]\nlanguages = ["es", "ar", "zh_Hans"]\n'
                                        'campaigns = ["gamma", "alpha", "beta"]\n')
    Cli(root)("update")
    for campaign, lang in [("alpha", "es"), ("alpha", "ar"), ("alpha", "zh_Hans"),
                           ("beta", "es"), ("beta", "zh_Hans"), ("gamma", "es")]:
        fill(root, lang, campaign)
    return root


def test_three_shards_and_merge_equal_a_plain_build_of_many_campaigns(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = _multi_project(tmp_path / "project")
    plain, outputs = build_sharded(project, tmp_path, 3)
    assert_disjoint(outputs)
    records = [json.loads(next(o.glob(".handbill-shard-*")).read_text()) for o in outputs]
    keys = sorted(k for r in records for k in r["units"])
    assert keys == sorted([f"{c}/{lang}" for c in ("alpha", "beta")
                           for lang in ("en", "es", "ar", "zh_Hans")] + ["gamma/en", "gamma/es"])
    assert len({r["inputs"]["catalogs"] for r in records}) == 1
    merged = copy_project(project, tmp_path / "merge")
    Cli(merged)("merge", *map(str, outputs))
    expected, got = tree(plain / "output"), tree(merged / "output")
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if expected[name] != got[name]] == []
    assert b"beta" in expected["ar/index.html"]  # the skipped unit is listed, from a shard


# ---------------------------------------------------------------------------- refusals


@pytest.fixture
def merge_copy(shipped_shards, tmp_path, monkeypatch):
    """A fresh checkout to merge in, and copies of the three shards' outputs."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    repo, _, outputs = shipped_shards
    shards = []
    for k, output in enumerate(outputs, 1):
        shards.append(tmp_path / "shards" / str(k))
        shutil.copytree(output, shards[-1], symlinks=True)
    return copy_project(repo, tmp_path / "merge"), shards


def _refused(root: Path, *folders: Path):
    result = Cli(root)("merge", *map(str, folders), expect=1)
    assert "Traceback" not in result.stdout + result.stderr
    assert not (root / "output" / "index.html").exists()
    return result


def test_merge_refuses_a_missing_shard(merge_copy):
    root, shards = merge_copy
    result = _refused(root, shards[0], shards[2])
    line = one_error_line(result, "shard 2 of 3 is missing")
    assert len(result.stderr.strip().splitlines()) == 1, line


def test_merge_refuses_a_shard_given_twice(merge_copy):
    root, shards = merge_copy
    one_error_line(_refused(root, shards[0], shards[1], shards[1], shards[2]),
                   "shard 2 of 3 is given twice")


def test_merge_refuses_a_unit_built_twice(merge_copy):
    root, shards = merge_copy
    first = next(shards[0].glob(".handbill-shard-*"))
    second = json.loads(next(shards[1].glob(".handbill-shard-*")).read_text())
    data = json.loads(first.read_text())
    stolen = next(iter(second["units"]))
    data["units"][stolen] = second["units"][stolen]
    first.write_text(json.dumps(data))
    one_error_line(_refused(root, *shards), f"unit {stolen} was built twice", "shard 1 of 3",
                   "shard 2 of 3")


@pytest.mark.parametrize("kind, change", [
    ("catalogs", lambda root: (root / "locales" / "es" / "LC_MESSAGES" / "free-assange.po")
     .open("a").write("\n")),
    ("sources", lambda root: (root / "source" / "free-assange" / "posts.yml").open("a")
     .write("\n")),
    ("settings", lambda root: (root / "handbill.toml").open("a").write("\n")),
])
def test_merge_refuses_shards_of_other_inputs_and_names_which(merge_copy, kind, change):
    root, shards = merge_copy
    change(root)  # the merge job checked out another commit than the shards
    one_error_line(_refused(root, *shards), "shard 1 of 3", f"other {kind}", "this project")


def test_merge_refuses_shards_that_differ_from_each_other(merge_copy):
    root, shards = merge_copy
    path = next(shards[2].glob(".handbill-shard-*"))
    data = json.loads(path.read_text())
    data["inputs"]["handbill"] = "0.0.9+0123456789abcdef"
    path.write_text(json.dumps(data))
    one_error_line(_refused(root, *shards), "shard 3 of 3", "other handbill version",
                   "shard 1 of 3")


def test_merge_refuses_shards_of_another_count_and_a_folder_without_record(merge_copy):
    root, shards = merge_copy
    path = next(shards[0].glob(".handbill-shard-*"))
    data = json.loads(path.read_text())
    data["of"] = 4
    path.rename(path.with_name(".handbill-shard-1-of-4.json"))
    path.with_name(".handbill-shard-1-of-4.json").write_text(json.dumps(data))
    one_error_line(_refused(root, *shards), "different builds")
    one_error_line(_refused(root, root / "source"), "holds no shard record")


# ---------------------------------------------------------------------------- the partition


def _unit(campaign: str, lang: str, messages: int, cards: int = 1, script: str = "Latn") -> Unit:
    where = Path("/nowhere")
    return Unit(campaign, lang, "en", where, where, None, where, where, where, where, where,
                Cost(messages, cards, script))


def test_partition_is_balanced_deterministic_and_independent_of_order():
    rng = random.Random(18)
    units = [_unit(f"c{c:02d}", lang, rng.randint(10, 300), rng.randint(0, 4),
                   rng.choice(["Latn", "Arab", "Hans", "Deva"]))
             for c in range(12) for lang in ("en", "es", "ar", "zh_Hans", "hi", "sw")]
    for count in (1, 2, 5, 7, 72, 100):
        shares = partition(units, count)
        keys = [[u.key for u in share] for share in shares]
        assert sorted(k for share in keys for k in share) == sorted(u.key for u in units)
        shuffled = units[:]
        rng.shuffle(shuffled)
        assert [sorted(u.key for u in s) for s in partition(shuffled, count)] == \
            [sorted(share) for share in keys]
        loads = [sum(u.cost.weight for u in share) for share in shares]
        # LPT: no share is heavier than the lightest by more than one unit's cost.
        assert max(loads) - min(loads) <= max(u.cost.weight for u in units)
        assert [u.key for u in shares[0]] == [u.key for u in units if u.key in set(keys[0])]


def test_partition_weighs_slow_scripts_and_cards():
    latin, cjk = _unit("a", "es", 100, 0), _unit("a", "zh_Hans", 100, 0, "Hans")
    assert cjk.cost.weight > latin.cost.weight
    assert _unit("a", "es", 100, 3).cost.weight > latin.cost.weight
    heavy = [_unit("big", "zh_Hans", 400, 4, "Hans")]
    light = [_unit(f"s{i}", "es", 40, 0) for i in range(8)]
    first, second = partition(light + heavy, 2)
    assert {u.key for u in first} == {"big/zh_Hans"} or {u.key for u in second} == {"big/zh_Hans"}


# ---------------------------------------------------------------------------- --shard values


def test_parse_shard_reads_k_of_n_and_ci_variables():
    assert parse_shard("2/4", {}) == Shard(2, 4)
    assert parse_shard("auto", {"HANDBILL_SHARD": "3/5"}) == Shard(3, 5)
    assert parse_shard("auto", {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "6"}) == Shard(1, 6)
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/3/5", ""):
        with pytest.raises(UsageError, match="write K/N"):
            parse_shard(bad, {})
    with pytest.raises(UsageError, match="CI_NODE_INDEX=7 CI_NODE_TOTAL=3"):
        parse_shard("auto", {"CI_NODE_INDEX": "7", "CI_NODE_TOTAL": "3"})
    with pytest.raises(UsageError, match="no shard in the environment"):
        parse_shard("auto", {})


def test_build_shard_auto_reads_gitlab_variables_and_a_bad_value_is_one_usage_line(
        tmp_path, monkeypatch):
    root = write_demo(tmp_path / "p", languages=("es",))
    cli = Cli(root)
    for var in ("HANDBILL_SHARD", "CI_NODE_INDEX", "CI_NODE_TOTAL"):
        monkeypatch.delenv(var, raising=False)
    result = cli("build", "--shard", "3/2", expect=2)
    assert result.stderr.strip().splitlines() == [
        "handbill: usage error: --shard 3/2: not a shard; write K/N with 1 <= K <= N (2/4 is "
        "the second of four shards), or auto"]
    assert not (root / "output").exists()
    result = cli("build", "--shard", "auto", expect=2, env={"CI_NODE_INDEX": "x"})
    assert len(result.stderr.strip().splitlines()) == 1
    cli("build", "--shard", "auto", env={"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"})
    record = json.loads((root / "output" / ".handbill-shard-2-of-2.json").read_text())
    assert (record["shard"], record["of"]) == (2, 2) and len(record["units"]) == 1
    assert not (root / "output" / "index.html").exists()  # the page is merge's
    one_error_line(cli("build", "--shard", "1/2", "--lang", "es", expect=1), "--shard")


def test_merge_takes_the_shards_build_options_and_refuses_mixed_ones(tmp_path, monkeypatch):
    """--allow-incomplete is the shards' option: merge (which has none) accepts it, as long as
    every shard was built with it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = write_demo(tmp_path / "project", languages=("es",))
    Cli(project)("update")  # es stays untranslated: published only with --allow-incomplete
    runs = {}
    for name, args in (("a", ["--shard", "1/2", "--allow-incomplete"]),
                       ("b", ["--shard", "2/2"]), ("c", ["--shard", "2/2", "--allow-incomplete"])):
        runs[name] = copy_project(project, tmp_path / name)
        Cli(runs[name])("build", *args)
    merged = copy_project(project, tmp_path / "merge")
    result = Cli(merged)("merge", str(runs["a"] / "output"), str(runs["b"] / "output"), expect=1)
    one_error_line(result, "shard 2 of 2", "other build options", "shard 1 of 2")
    Cli(merged)("merge", str(runs["a"] / "output"), str(runs["c"] / "output"))
    plain = copy_project(project, tmp_path / "plain")
    Cli(plain)("build", "--allow-incomplete")
    assert tree(merged / "output") == tree(plain / "output")


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@localhost",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def _revision(root: Path) -> str:
    from pipeline.config import load_config
    from pipeline.inputs import project_inputs

    return project_inputs(load_config(root), None)["revision"]


def test_a_project_names_the_commit_of_the_checkout_that_tracks_it_and_no_other(
        tmp_path, monkeypatch):
    """A project tracked by a checkout stamps its commit (-dirty once its catalogs change); a
    copy of it made in an ignored folder of some checkout (a scratch copy, a benchmark's
    runner) stamps none: that checkout's HEAD moved with every commit there, and two shards
    built in two such copies a commit apart could not be merged."""
    from pipeline.inputs import git_revision as source_revision
    from pipeline.packs import build_time

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = tmp_path / "repo"
    project = write_demo(repo / "campaigns")
    (repo / ".gitignore").write_text("scratch/\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "campaigns", "--date", "2022-02-25T12:00:00Z")
    head = _git(repo, "rev-parse", "HEAD")
    assert _revision(project).startswith(f"{head}@")
    assert source_revision(project) == head
    (project / "source" / "demo" / "posts.yml").open("a").write("\n")
    assert source_revision(project) == f"{head}-dirty"
    assert _revision(project).startswith(f"{head}-dirty@")

    copies = []
    for name in ("runner-1", "runner-2"):
        copy = repo / "scratch" / name
        shutil.copytree(project, copy)
        copies.append(copy)
        assert _revision(copy) == "-", name
        assert source_revision(copy) is None
        # Not the checkout's commit time: the newest input's time, as outside any checkout.
        stamp = 1_600_000_000
        os.utime(copy / "handbill.toml", (stamp, stamp))
        assert build_time(copy, [copy / "handbill.toml"]).timestamp() == stamp
        (repo / "note.txt").write_text(name)  # the checkout moves on between the two shards
        _git(repo, "add", "note.txt")
        _git(repo, "commit", "-q", "-m", name)
    assert _revision(copies[0]) == _revision(copies[1]) == "-"
