"""`init-project --shards N` writes CI that runs (#18.3): the YAML is valid with the right
structure, and its commands, run here as the jobs would run them (one copy of the project per
shard with its variables, then the merge job's copy with the artifacts where the download
step puts them), give the same bytes as one plain build."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import Cli, write_demo
from security.helpers import fill
from test_shard import copy_project, tree

BIN = Path(sys.executable).parent
N = 3
# Lines that set up a runner (packages, handbill itself): this environment already has them.
SETUP = ("sudo apt-get", "apt-get", "pip install")


def _env(**extra: str) -> dict:
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
            "SOURCE_DATE_EPOCH": "1645790400", **extra}


def _run_lines(text: str, cwd: Path, env: dict, ran: list[str]) -> None:
    """Run a `run:` block or `script:` line as the job's shell would, skipping setup lines."""
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith(SETUP):
            continue
        ran.append(line.strip())
        done = subprocess.run(["bash", "-eo", "pipefail", "-c", line], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"


def _copy_artifact(source: Path, target: Path, hidden: bool) -> None:
    """What upload-artifact then download-artifact make of a folder (v4 leaves dotfiles out
    unless include-hidden-files is true)."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and (hidden or not any(p.startswith(".") for p in relative.parts)):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A content repository made by init-project --shards 3, with a translated campaign, and
    its plain build's output."""
    root = tmp_path_factory.mktemp("ci") / "repo"
    Cli(root)("init-project", str(root), "--shards", str(N))
    write_demo(root, languages=("es", "ar"))  # its own handbill.toml: [project] languages
    Cli(root)("update")
    for lang in ("es", "ar"):
        fill(root, lang)
    plain = copy_project(root, root.parent / "plain")
    subprocess.run(["handbill", "build"], cwd=plain, env=_env(), check=True,
                   capture_output=True)
    return root, tree(plain / "output")


def test_the_generated_yaml_is_valid_and_shaped_as_a_matrix_and_a_merge(scaffolded):
    root, _ = scaffolded
    github = yaml.safe_load((root / ".github" / "workflows" / "handbill.yml").read_text())
    jobs = github["jobs"]
    assert jobs["build"]["strategy"]["matrix"]["shard"] == list(range(1, N + 1))
    assert jobs["merge"]["needs"] == "build" and jobs["build"]["needs"] == "catalogs"
    uses = {step.get("uses", "").split("@")[0]: step for job in jobs.values()
            for step in job["steps"]}
    assert uses["actions/upload-artifact"]["with"]["include-hidden-files"] is True
    assert uses["actions/download-artifact"]["with"]["pattern"] == "shard-*"
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    runs = [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]
    assert f"handbill build --shard ${{{{ matrix.shard }}}}/{N}" in runs
    assert "handbill merge shards/shard-*" in runs
    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    assert gitlab["build"]["parallel"] == N
    assert gitlab["pages"]["needs"] == ["build"]
    assert gitlab["stages"] == ["check", "build", "merge"]
    assert "handbill build --shard auto" in gitlab["build"]["script"]
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]


def _github_step(step: dict, cwd: Path, shard: int | None, artifacts: Path, ran: list[str]):
    matrix = (lambda text: text.replace("${{ matrix.shard }}", str(shard))) if shard else str
    uses = step.get("uses", "").split("@")[0]
    if "run" in step:
        _run_lines(matrix(step["run"]), cwd, _env(), ran)
    elif uses == "actions/upload-artifact":
        options = step["with"]
        _copy_artifact(cwd / options["path"], artifacts / matrix(options["name"]),
                       options.get("include-hidden-files", False))
    elif uses == "actions/download-artifact":
        options = step["with"]
        for artifact in sorted(artifacts.iterdir()):
            if fnmatch.fnmatch(artifact.name, options["pattern"]):
                shutil.copytree(artifact, cwd / options["path"] / artifact.name)
    elif uses == "actions/upload-pages-artifact":
        shutil.copytree(cwd / step["with"]["path"], artifacts / "github-pages")


def test_the_github_workflow_runs_here_and_equals_a_plain_build(scaffolded, tmp_path):
    root, expected = scaffolded
    jobs = yaml.safe_load((root / ".github" / "workflows" / "handbill.yml").read_text())["jobs"]
    artifacts, ran = tmp_path / "artifacts", []
    artifacts.mkdir()
    for shard in jobs["build"]["strategy"]["matrix"]["shard"]:
        runner = copy_project(root, tmp_path / f"build-{shard}")
        for step in jobs["build"]["steps"]:
            _github_step(step, runner, shard, artifacts, ran)
    runner = copy_project(root, tmp_path / "merge")
    for step in jobs["merge"]["steps"]:
        _github_step(step, runner, None, artifacts, ran)
    assert ran == [f"handbill build --shard {k}/{N}" for k in range(1, N + 1)] + [
        "handbill merge shards/shard-*"]
    assert tree(artifacts / "github-pages") == expected


def test_the_gitlab_pipeline_runs_here_and_equals_a_plain_build(scaffolded, tmp_path):
    root, expected = scaffolded
    pipeline = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    build, pages = pipeline["build"], pipeline["pages"]
    merge_runner = copy_project(root, tmp_path / "pages")
    ran: list[str] = []
    for index in range(1, build["parallel"] + 1):
        runner = copy_project(root, tmp_path / f"build-{index}")
        env = _env(CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(build["parallel"]))
        for line in pipeline["default"]["before_script"] + build["script"]:
            _run_lines(line, runner, env, ran)
        for path in build["artifacts"]["paths"]:  # every artifact unpacks into the checkout
            _copy_artifact(runner / path, merge_runner / path, hidden=True)
    for line in pages["script"]:
        _run_lines(line, merge_runner, _env(), ran)
    assert ran.count("handbill build --shard auto") == N and "handbill merge shards/*" in ran
    assert tree(merge_runner / pages["artifacts"]["paths"][0]) == expected


def test_without_hidden_files_the_merge_refuses_in_one_line(scaffolded, tmp_path):
    """upload-artifact's default (no dotfiles) loses the shard records: merge says so."""
    root, _ = scaffolded
    runner = copy_project(root, tmp_path / "build")
    subprocess.run(["handbill", "build", "--shard", "1/1"], cwd=runner, env=_env(), check=True,
                   capture_output=True)
    _copy_artifact(runner / "output", tmp_path / "shards" / "shard-1", hidden=False)
    done = subprocess.run(["handbill", "merge", str(tmp_path / "shards" / "shard-1")],
                          cwd=runner, env=_env(), capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "holds no shard record" in done.stderr
