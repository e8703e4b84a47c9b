"""The one Jinja environment factory: campaign templates first, then handbill's own.

The `ui` translations are installed as new-style gettext callables. Jinja's new-style gettext
marks a translation as safe HTML (Markup) in autoescaped templates; translations are untrusted,
so our callables escape the translation themselves when the template autoescapes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import escape

from pipeline.errors import RenderError
from pipeline.render.translations import Translations

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


UI_VARIABLE = "_ui"  # a render variable that overrides the environment's own translations


def make_environment(ui: Translations | None = None, campaign_root: Path | None = None
                     ) -> Environment:
    """An environment whose loader looks in source/<campaign>/templates/ first.

    The ui translations are those given here, or per render through the `_ui` variable, so one
    environment (and its compiled templates) can serve every language: see `environment_for`.
    """
    loaders = []
    if campaign_root is not None and (campaign_root / "templates").is_dir():
        loaders.append(FileSystemLoader(str(campaign_root / "templates")))
    loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
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


def render_template(env: Environment, name: str, **context) -> str:
    """Render one template; template errors become a RenderError naming file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template error: {exc.message}", exc.filename or name,
                          exc.lineno) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template uses an unknown variable: {exc.message}", name) from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name!r} not found") from None
