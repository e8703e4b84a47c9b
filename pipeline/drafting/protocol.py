"""What an engine is: the protocol the runner calls, what it sends and gets back, its errors.

Engines import this module (and settings, langcodes), never the registry or the runner; the
registry finds engines by module name, so nothing imports back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

from pipeline.drafting.settings import EngineSettings
from pipeline.errors import EngineError


_OUT = threading.local()  # this thread's hook: called once its request is on the wire


def when_sent(hook: Callable[[], None] | None) -> None:
    """The runner's side: call `hook` in this thread when the engine says that the request it
    is making now has been sent (see request_sent); None: no hook."""
    _OUT.hook = hook


def request_sent() -> None:
    """An engine's side: the request of this translate() call is written to the server (an
    engine that says so sets `tells_sent`). The runner holds back other work of its own until
    then: a thread sending a request gives up the GIL at each socket call, and got it back
    only after whatever the others were doing, up to 1.8 ms before its request left."""
    hook = getattr(_OUT, "hook", None)
    if hook is not None:
        hook()


class Unsupported(EngineError):
    """The engine cannot translate this language pair; reported per language."""


class Transient(EngineError):
    """A failure worth retrying: HTTP 429 or 5xx, a timeout, a dropped connection."""

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = retry_after


class Fatal(EngineError):
    """A failure that every further request would repeat (a refused key, a quota used up)."""


@dataclass(frozen=True)
class Segment:
    """One text to translate (masked: protected pieces are [[n]] tokens) and its context,
    the same a translator sees in the catalog."""

    text: str
    role: str = ""  # "leaflet paragraph", "social post for X and Bluesky", "share card slogan"
    notes: tuple[str, ...] = ()  # the entry's #. comments
    limit: int | None = None  # at most this many characters once the tokens are put back
    budget: int | None = None  # the same limit counted on the masked text (tokens as sent)
    glossary: tuple[tuple[str, str], ...] = ()  # (source term, agreed rendering) in this text
    plural: str = ""  # which plural form this text is, and the language's plural rules
    shorten: str = ""  # a previous draft that was over the limit: ask for a shorter one


@dataclass(frozen=True)
class Request:
    """What every text of one translate() call shares: the language pair and its terms."""

    source: str
    target: str
    target_name: str = ""  # "Portuguese (Brazil)", for engines that read instructions
    protected: tuple[str, ...] = ()  # names kept as written (they reach engines as tokens)
    glossary: tuple[tuple[str, str], ...] = ()  # every (term, rendering) for this target


@dataclass(frozen=True)
class Answer:
    """An engine's answer to one Segment: a draft, or why there is none."""

    text: str = ""
    score: float | None = None  # similarity of a translation-memory match (1.0: exact)
    missing: str = ""  # no draft and no failure: the engine has nothing (memory: no match)
    failed: str = ""  # this text failed (a wrong answer); the others of the call stand

    @property
    def ok(self) -> bool:
        return bool(self.text.strip()) and not self.failed


class Engine(Protocol):
    """What the runner needs from an engine. translate() is called from many threads."""

    name: str
    identity: str  # what, besides the name, makes answers differ (a server URL): cache key
    batch_size: int  # segments per translate() call
    concurrency: int  # translate() calls at once
    retries: int  # further attempts after a Transient error
    timeout: float
    masks: bool  # text is masked before translate() and checked after
    cacheable: bool
    reads_context: bool  # answers depend on a Segment's context, not only its text
    shortens: bool  # can be asked again for a text within a length limit
    tells_sent: bool  # calls request_sent() once each request is written

    def check(self, source: str, target: str) -> None:
        """Raise Unsupported unless the engine serves source -> target (gettext codes)."""

    def takes_glossary(self, source: str, target: str) -> bool:
        """True if the engine applies the glossary itself (context, API); otherwise the runner
        masks glossary terms and puts their renderings back."""

    def translate(self, segments: list[Segment], request: Request) -> list[Answer]:
        """One Answer per segment, in order."""

    def close(self) -> None:
        """Close the engine's connections: the stage is over (or was interrupted)."""


Factory = Callable[[EngineSettings], Engine]


@dataclass(frozen=True)
class EngineSpec:
    """An engine as the registry lists it: how to build it and what settings it takes."""

    name: str
    factory: Factory
    settings: tuple[str, ...] = ()  # settings besides settings.COMMON_SETTINGS
    secrets: tuple[str, ...] = ()  # read only from HANDBILL_<NAME>_<SECRET>
    summary: str = ""
    details: Callable[[], str] | None = field(default=None, compare=False)  # e.g. installed pairs


class BaseEngine:
    """Defaults for the protocol's attributes; engines override what differs."""

    batch_size = 1
    masks = True
    cacheable = True
    reads_context = False
    shortens = False
    tells_sent = False

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self.name = settings.name
        self.identity = ""
        self.timeout = settings.timeout
        self.concurrency = settings.concurrency
        self.retries = settings.retries

    def check(self, source: str, target: str) -> None:
        """Every pair is served unless an engine says otherwise."""

    def takes_glossary(self, source: str, target: str) -> bool:
        return False

    def close(self) -> None:
        """Nothing held open by default."""

    def translate(self, segments: list[Segment], request: Request) -> list[Answer]:
        texts = self.translate_texts([s.text for s in segments], request.source, request.target)
        return [Answer(text) for text in texts]

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        """For engines that only see texts: one translation per text, "" where none."""
        raise NotImplementedError
