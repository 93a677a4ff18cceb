"""Every error the recommender raises on purpose.

    RecommenderError                 base class; never raised itself
    ├── InputError                   the user's input cannot be used (CLI exit status 2)
    │   ├── DocumentError            a file or text is not a usable YAML/JSON document
    │   └── WorkloadError            the document is a mapping, but not a valid workload
    ├── RuleBaseError                one or more rule files are invalid; lists every problem
    └── EngineError                  the rule engine failed in a way that is our fault (exit 1)

Each error carries a list of `Problem`s so that a caller can report all of them at once. The
string form of an error is the one-paragraph message the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = [
    "Problem",
    "RecommenderError",
    "InputError",
    "DocumentError",
    "WorkloadError",
    "RuleBaseError",
    "EngineError",
    "did_you_mean",
]


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong: where (`where`: a file, `key`: a dotted key path) and what."""

    message: str
    key: str | None = None
    where: str | None = None
    allowed: tuple[str, ...] = field(default=())
    suggestion: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}:")
        if self.key:
            parts.append(f"key `{self.key}`:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.allowed:
            text += f"; allowed: {', '.join(self.allowed)}"
        if self.suggestion:
            text += f" (did you mean `{self.suggestion}`?)"
        return text


class RecommenderError(Exception):
    """Base class of the recommender's own errors."""

    def __init__(self, problems: Sequence[Problem] | str, where: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        if where is not None:
            problems = [p if p.where else Problem(p.message, p.key, where, p.allowed, p.suggestion)
                        for p in problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def located(self, where: str) -> "RecommenderError":
        """The same error with `where` (a file name) filled into every problem that lacks one."""
        return type(self)(self.problems, where=where)


class InputError(RecommenderError):
    """Raised when user input (a workload file, text or mapping) cannot be used."""


class DocumentError(InputError):
    """Raised when a document is missing, unreadable, too large, too deep, or not valid YAML."""


class WorkloadError(InputError):
    """Raised when a workload mapping breaks the workload contract (unknown key, bad value, ...)."""


class RuleBaseError(RecommenderError):
    """Raised by the rule loader when any rule file is invalid; lists every problem found."""


class EngineError(RecommenderError):
    """Raised when the rule engine fails internally; a bug, not a user mistake."""


def did_you_mean(word: str, choices: Iterable[str], *, strong: bool = False) -> str | None:
    """The closest spelling of `word` among `choices`, or None when nothing is close enough to
    be a likely typo (a weak resemblance is worse than no suggestion). `strong` asks for a
    closer match still (for guessing a subcommand from a word that may be a file name)."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and word not in choices:
        return lowered[word.lower()]
    normal = word.lower().replace("-", "_").replace(" ", "_")
    if normal in choices and normal != word:
        return normal
    cutoff = 0.8 if strong else 0.72
    import difflib  # only when a suggestion is wanted
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[hits[0]] if hits else None
