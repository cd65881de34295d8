"""Lessons: a session plus a few short steps that make one claim about cross and isolated margin.

A lesson is a JSON file beside its session file (``resources/lessons/``; see its README):

```json
{"format": "margin-sandbox-lesson", "version": 1,
 "title": "Isolated caps the loss at the position's margin",
 "claim": "An isolated position can lose only the margin you gave it; the rest of the account lives on.",
 "session": "01-isolated-caps-the-loss.jsonl",
 "steps": [{"text": "…", "t": 1000},
           {"text": "Where does it die? Drag the marker.", "t": 1000,
            "predict": {"kind": "liquidation_price", "position": "p1", "variant": "as_traded",
                        "reveal": "The engine says {answer}."}}]}
```

Each step has the text a person reads and, optionally, the moment ``t`` (session ms) the window
seeks or plays to. A step may ask for a prediction before the session plays on:

- ``liquidation_price``: where ``position`` dies in the ``variant`` twin, as it stands at the
  step's ``t``: the person drags a marker on the price chart. The answer is the engine's
  liquidation price as every screen shows it (``engine.text.liquidation``): the first tick at
  which it fires, or "none within reach".
- ``loss``: how much the ``variant`` twin has lost (equity against what was paid in) by ``until``
  (the session's end when omitted).
- ``survives``: whether the ``variant`` twin (or its ``position``) gets through to ``until``
  without a liquidation.

The answers are never written in the file: ``load_lesson`` replays the session with its twins
and computes them (``Lesson.answers``, one per step), so what the window reveals is what the
engine does. ``reveal`` is the sentence shown with it, ``{answer}`` standing for the answer.

Lesson files are read like every other file from outside: a regular file of at most
``MAX_LESSON_BYTES``, valid JSON within the nesting limit, checked field by field; the session
is named by a plain file name in the lesson's own folder, never a path. Anything else is a
``LessonError``: one sentence naming the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..engine import text
from ..engine.limits import MAX_TIME_MS
from ..errors import FileProblem
from ..market.untrusted import open_regular, size_text
from .model import MAX_ID_LENGTH, depth_problem
from .reader import Session, SessionError, read_session
from .timeline import Timeline
from .twins import Variant, clock

# Where the bundled lessons live (the one place that knows; the caller may pass any folder).
LESSONS_DIR = Path(str(files("sandbox").joinpath("resources", "lessons")))  # inside the package
FORMAT = "margin-sandbox-lesson"
MAX_LESSON_BYTES = 256 << 10  # a lesson is a few kB of text
MAX_STEPS = 20
_SESSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.jsonl(\.gz)?")
_ANSWER = "{answer}"

Time = Annotated[int, Field(ge=0, le=MAX_TIME_MS)]
Sentence = Annotated[str, Field(min_length=1, max_length=600)]


class LessonError(FileProblem):
    """Something wrong in a lesson file (or in the session it names)."""


class Predict(BaseModel):
    """What the person is asked to predict at a step (the answer is computed, never given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["liquidation_price", "loss", "survives"]
    variant: Variant = "as_traded"
    position: Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)] | None = None
    until: Time | None = None
    reveal: Sentence | None = None

    @field_validator("reveal")
    @classmethod
    def _one_placeholder(cls, value: str | None) -> str | None:
        if value is not None and ("{" in value.replace(_ANSWER, "") or "}" in value.replace(_ANSWER, "")):
            raise ValueError("a reveal may hold {answer} and no other braces")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Predict:
        if self.kind == "liquidation_price":
            if self.position is None:
                raise ValueError("a liquidation_price prediction names its position")
            if self.until is not None:
                raise ValueError("a liquidation_price prediction is about the step's own moment t, not until")
        return self


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Sentence
    t: Time | None = None
    predict: Predict | None = None

    @model_validator(mode="after")
    def _moment(self) -> Step:
        if self.predict is not None and self.predict.kind == "liquidation_price" and self.t is None:
            raise ValueError("a step that asks for a liquidation price says when (t)")
        return self


class LessonFile(BaseModel):
    """The lesson file as written (validated); ``Lesson`` adds the computed answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["margin-sandbox-lesson"]
    version: Literal[1]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    claim: Annotated[str, Field(min_length=1, max_length=300)]
    session: str
    steps: Annotated[tuple[Step, ...], Field(min_length=1, max_length=MAX_STEPS)]

    @field_validator("session")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not _SESSION_NAME.fullmatch(name):
            raise ValueError(
                f"{name[:60]!r} is not a session file name in the lesson's folder "
                f"(letters, digits, '.', '_', '-', ending .jsonl or .jsonl.gz; never a path)"
            )
        return name


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's answer to a step's prediction.

    ``value`` is exact: a price on the instrument's tick (None: no liquidation price), a loss in
    USDT, or whether it survived. ``shown`` is how the window writes it; ``symbol`` is the price
    chart the marker belongs on (for a price); ``t`` the moment the answer is about."""

    kind: str
    variant: str
    position: str | None
    value: Decimal | bool | None
    shown: str
    symbol: str | None
    t: int
    reveal: str


@dataclass(frozen=True, slots=True)
class Lesson:
    path: Path
    file: LessonFile
    session_path: Path
    answers: tuple[Answer | None, ...]  # one per step

    @property
    def title(self) -> str:
        return self.file.title

    @property
    def claim(self) -> str:
        return self.file.claim

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.file.steps

    def session(self) -> Session:
        """The lesson's session, read again (a window's timeline takes its inputs over)."""
        return read_session(self.session_path)


def load_lessons(folder: str | Path = LESSONS_DIR) -> list[Lesson]:
    """Every lesson in ``folder`` (each ``*.json``), in the order of their file names."""
    return [load_lesson(p) for p in sorted(Path(folder).glob("*.json"))]


def load_lesson(path: str | Path) -> Lesson:
    """The lesson in ``path`` with its answers computed from its session; ``LessonError`` if the
    file, its session or what it asks is not right."""
    path = Path(path)
    lesson = _parse(path, _read(path))
    session_path = path.parent / lesson.session
    try:
        session = read_session(session_path)
    except SessionError as exc:
        raise LessonError(path, None, f"its session {exc}") from None
    return Lesson(path, lesson, session_path, _answers(path, lesson, session))


def _read(path: Path) -> str:
    with open_regular(path, LessonError) as f:
        data = f.read(MAX_LESSON_BYTES + 1)
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(path, None, f"a lesson file is at most {size_text(MAX_LESSON_BYTES)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(path, None, "not UTF-8 text") from None


def _parse(path: Path, body: str) -> LessonFile:
    try:
        raw = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LessonError(path, exc.lineno, f"not valid JSON ({exc.msg})") from None
    except (RecursionError, ValueError):
        raise LessonError(path, None, "nests too deep or holds a number too long to read") from None
    problem = depth_problem(raw)
    if problem:
        raise LessonError(path, None, problem)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise LessonError(path, None, f'not a lesson file (a JSON object with "format": "{FORMAT}")')
    try:
        return LessonFile.model_validate(raw)
    except ValidationError as exc:
        raise LessonError(path, None, _sentence(exc)) from None


def _sentence(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    if err["type"] == "missing":
        return f"missing field '{where}'"
    message = err["msg"].removeprefix("Value error, ")
    return f"field '{where}': {message}" if where else message


def _answers(path: Path, lesson: LessonFile, session: Session) -> tuple[Answer | None, ...]:
    """Each prediction answered by replaying the session with its twins (one timeline, sought
    to each moment asked about)."""
    timeline = Timeline.from_session(session)
    out: list[Answer | None] = []
    for number, step in enumerate(lesson.steps, start=1):
        ask = step.predict
        if ask is None:
            out.append(None)
            continue
        at = step.t if ask.kind == "liquidation_price" else ask.until
        if at is None:
            timeline.seek_index(len(timeline))
            at = timeline.t
        else:
            timeline.seek(at)
        try:
            answer = _answer(ask, timeline, at)
        except ValueError as exc:
            raise LessonError(path, None, f"step {number}: {exc}") from None
        out.append(answer)
    return tuple(out)


def _answer(ask: Predict, timeline: Timeline, at: int) -> Answer:
    twins = timeline.twins
    assert twins is not None  # a lesson's timeline has them
    twin = twins.twin(ask.variant)
    label = ask.variant.replace("_", " ")
    symbol: str | None = None
    value: Decimal | bool | None
    if ask.kind == "liquidation_price":
        pid = ask.position
        assert pid is not None
        p = twin.account.positions.get(pid)
        if p is None:
            raise ValueError(f"{pid} is not open in {label} at {clock(at)}, so it has no liquidation price")
        symbol = p.symbol
        mark = twin.account.marks[symbol]
        exact = twin.account.liquidation_price(pid)
        shown = text.liquidation(exact, mark, p.instrument.tick_size)
        value = text.liquidation_at_tick(exact, mark, p.instrument.tick_size)
    elif ask.kind == "loss":
        value = -twin.result
        shown = f"{text.money(value)} USDT"
    else:
        died = [e for e in twin.liquidations if ask.position is None or ask.position in e.positions]
        value = not died
        shown = "survives" if value else f"liquidated at {clock(died[0].t)}"
    reveal = (ask.reveal or "The engine says {answer}.").replace(_ANSWER, shown)
    return Answer(ask.kind, ask.variant, ask.position, value, shown, symbol, at, reveal)
