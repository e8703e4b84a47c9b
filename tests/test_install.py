"""A normal install works (#15.9): a wheel built from the sources, installed (not editable)
into a fresh virtual environment, starts a project and builds it from a folder outside the
repository, finding its templates, scaffolds and interface catalogs as package data.

No network: the wheel is built with this environment's setuptools, and the new environment
sees the dependencies already installed here through a .pth file (handbill itself left out,
so the only handbill it can import is the wheel's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import REPO

_NOT_DEPENDENCIES = ("pipeline", "handbill-", "__editable__", "_handbill", "__pycache__")


def _run(argv: list, cwd: Path, env: dict, timeout: int = 600) -> str:
    result = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _dependencies_only(tmp_path: Path) -> Path:
    """This environment's site-packages without handbill, as symlinks."""
    site = Path(sysconfig.get_paths()["purelib"])
    deps = tmp_path / "deps"
    deps.mkdir()
    for item in site.iterdir():
        if not item.name.startswith(_NOT_DEPENDENCIES) and item.suffix != ".pth":
            (deps / item.name).symlink_to(item)
    return deps


def build_wheel(tmp_path: Path) -> Path:
    """The wheel of a clean copy of the sources (no build/ or egg-info in the worktree)."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "pipeline", src / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", wheels, src], tmp_path, os.environ.copy())
    [wheel] = wheels.glob("handbill-*.whl")
    return wheel


def test_wheel_carries_every_data_file_of_the_package(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "pipeline"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    data = [name for name in tracked if not name.endswith(".py")]
    assert data, "the package has data files"
    missing = [name for name in data if name not in names]
    assert not missing, f"pyproject's package-data misses {missing}"
    assert "pipeline/ui-catalogs/ja.po" in names and "pipeline/templates/site/index.html" in names


def test_installed_wheel_starts_and_builds_a_project(tmp_path):
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Without pip: the venv's bundled setuptools would shadow the one handbill needs; this
    # environment's pip installs into it (pip --python).
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path, env).strip())
    (site / "handbill_test_dependencies.pth").write_text(f"{_dependencies_only(tmp_path)}\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index",
          "--find-links", wheel.parent, "handbill"], tmp_path, env)
    where = _run([python, "-c", "import pipeline; print(pipeline.__file__)"], tmp_path, env)
    assert where.startswith(str(site)), where  # the wheel's copy, not this worktree

    handbill = venv / "bin" / "handbill"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    _run([handbill, "init-project", "movement"], work, env)
    project = work / "movement"
    assert (project / ".github/workflows/handbill.yml").is_file()
    assert (project / ".gitignore").is_file()
    _run([handbill, "new", "march"], project, env)
    assert (project / "source/march/leaflet.md").is_file()
    _run([handbill, "init", "es"], project, env)
    ui = (project / "locales/es/LC_MESSAGES/ui.po").read_text()
    assert 'msgstr "Imprimir este volante"' in ui  # seeded from the package's catalogs
    out = _run([handbill, "build"], project, env, timeout=900)
    assert "built" in out
    assert (project / "output/index.html").is_file()
    assert (project / "output/en/march/leaflet.pdf").stat().st_size > 1000
    page = (project / "output/en/march/leaflet.html").read_text()
    assert "<html" in page and "march" in out
