"""The one Jinja environment factory: campaign templates first, then handbill's own.

Campaign templates come from contributors, so every template renders in Jinja2's immutable
sandbox (no attribute starting with `_`, no unsafe callables, no changing a list or dict,
`str.format` sandboxed, ranges capped), with `**` and sequence repetition capped too and a
time budget, and is loaded only as a regular
file inside its templates folder (no `..`, no symlink out: `files.read_inside`). Any failure
of a template becomes a RenderError at the template's own file and line.

The `ui` translations are installed as new-style gettext callables. Jinja's new-style gettext
marks a translation as safe HTML (Markup) in autoescaped templates; translations are untrusted,
so our callables escape the translation themselves when the template autoescapes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2 import (BaseLoader, ChoiceLoader, Environment, StrictUndefined, Undefined,
                    pass_context)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from markupsafe import escape

from pipeline import files
from pipeline.errors import RenderError

if TYPE_CHECKING:  # only a type here: the download page uses templates without the catalogs
    from pipeline.render.translations import Translations

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
UI_VARIABLE = "_ui"  # a render variable that overrides the environment's own translations
MAX_TEMPLATE_BYTES = 1_000_000
MAX_SEQUENCE = 100_000  # the longest string or list `*` may make (like the sandbox's MAX_RANGE)
MAX_EXPONENT = 1_000
TIME_BUDGET = 20.0  # seconds one template may take to render (ours take milliseconds)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, with `**` and `*` kept from making huge numbers, strings or lists."""

    intercepted_binops = frozenset(["**", "*"])

    def call_binop(self, context, operator: str, left, right):
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT \
                and isinstance(left, int) and abs(left) > 1:
            raise SecurityError(f"{left} ** {right} is too large a number for a template")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) \
                        and len(seq) * n > MAX_SEQUENCE:
                    raise SecurityError(f"repeating a text or list {n} times is too large for "
                                        "a template")
        return super().call_binop(context, operator, left, right)


class _Undefined(StrictUndefined):
    """StrictUndefined that stays a SecurityError along a chain: `x|attr('__init__')` is an
    unsafe undefined, and `|attr('__globals__')` on it would otherwise be a plain one."""

    __slots__ = ()

    def __init__(self, hint=None, obj=missing, name=None, exc=jinja2.UndefinedError):
        if isinstance(obj, Undefined) and obj._undefined_exception is SecurityError:
            exc, hint = SecurityError, obj._undefined_hint
        elif obj is not missing and isinstance(name, str) and name.startswith("_"):
            exc = SecurityError  # the sandbox allows no attribute starting with `_`
        super().__init__(hint, obj, name, exc)


class _FolderLoader(BaseLoader):
    """Templates from `root/folder`, read only as regular files that stay inside it."""

    def __init__(self, root: Path, folder: str, shown: str):
        self.root, self.folder, self.shown = root, folder, shown

    def get_source(self, environment, template: str):
        pieces = split_template_path(template)  # TemplateNotFound for `..` in a name
        path = self.root.joinpath(self.folder, *pieces)
        shown = "/".join([self.shown, *pieces])
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        data = files.read_inside(path, self.root, self.folder, shown, RenderError,
                                 MAX_TEMPLATE_BYTES)
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"template is not UTF-8 ({exc.reason}); save it as UTF-8",
                              shown) from None
        mtime = os.stat(path).st_mtime_ns

        def uptodate() -> bool:
            try:
                return os.stat(path).st_mtime_ns == mtime
            except OSError:
                return False

        return source, shown, uptodate


def _loaders(campaign_root: Path | None) -> list[BaseLoader]:
    loaders: list[BaseLoader] = []
    if campaign_root is not None and os.path.lexists(campaign_root / "templates"):
        shown = f"source/{campaign_root.name}/templates"
        if not (campaign_root / "templates").is_dir() or os.path.islink(campaign_root /
                                                                          "templates"):
            raise RenderError("is a symlink or a file, not a folder of templates; make it a "
                              "real folder inside the campaign", shown)
        loaders.append(_FolderLoader(campaign_root.parent.parent, shown, shown))
    loaders.append(_FolderLoader(TEMPLATES_DIR, "", "pipeline/templates"))
    return loaders


def make_environment(ui: Translations | None = None, campaign_root: Path | None = None
                     ) -> Environment:
    """A sandboxed environment whose loader looks in source/<campaign>/templates/ first.

    The ui translations are those given here, or per render through the `_ui` variable, so one
    environment (and its compiled templates) can serve every language: see `environment_for`.
    """
    env = _Sandbox(
        loader=ChoiceLoader(_loaders(campaign_root)),
        undefined=_Undefined,
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def lookup(context, message: str, msgctxt: str | None = None) -> str:
        translations = context.get(UI_VARIABLE) or ui
        text = translations.get(message, msgctxt) if translations is not None else message
        return escape(text) if context.eval_ctx.autoescape else text

    @pass_context
    def gettext(context, message: str) -> str:
        return lookup(context, message)

    @pass_context
    def ngettext(context, singular: str, plural: str, n: int) -> str:
        return lookup(context, singular if n == 1 else plural)

    @pass_context
    def pgettext(context, msgctxt: str, message: str) -> str:
        return lookup(context, message, msgctxt)

    @pass_context
    def npgettext(context, msgctxt: str, singular: str, plural: str, n: int) -> str:
        return lookup(context, singular if n == 1 else plural, msgctxt)

    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext,
                                  npgettext=npgettext)
    return env


@functools.lru_cache(maxsize=16)
def environment_for(campaign_root: Path | None) -> Environment:
    """One shared environment per campaign (per process): templates are compiled once."""
    return make_environment(None, campaign_root)


class _OutOfTime(Exception):
    pass


@contextlib.contextmanager
def _time_budget(seconds: float):
    """Raise _OutOfTime inside the block after `seconds` (main thread only: signals)."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return

    def expire(signum, frame):
        raise _OutOfTime(f"the template took more than {seconds:g} s to render")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a rendering error's traceback (Jinja rewrites
    the traceback so that template code shows as frames of the template file)."""
    where: tuple[str | None, int | None] = (None, None)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.startswith(("source/", "pipeline/templates/")):
            where = (name, line)
    return where


def render_template(env: Environment, name: str, **context) -> str:
    """Render one template; template errors become a RenderError naming file and line."""
    try:
        template = env.get_template(name)
        with _time_budget(TIME_BUDGET):
            return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template error: {exc.message}", exc.filename or name,
                          exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name!r} not found") from None
    except RenderError:
        raise
    except SecurityError as exc:
        path, line = _template_line(exc)
        raise RenderError(f"template uses an unsafe attribute ({exc}); templates may use only "
                          "the values handbill gives them", path or name, line) from None
    except jinja2.UndefinedError as exc:
        path, line = _template_line(exc)
        raise RenderError(f"template uses an unknown variable: {exc.message}", path or name,
                          line) from None
    except (_OutOfTime, ArithmeticError, TypeError, ValueError, LookupError, MemoryError,
            RecursionError) as exc:
        path, line = _template_line(exc)
        if path is None:
            raise
        raise RenderError(f"template failed: {type(exc).__name__}: {exc}", path, line) from None
