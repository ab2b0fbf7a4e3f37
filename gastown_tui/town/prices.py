"""The price table `gt costs` multiplies tokens by: built-in defaults, and the town's own
`[prices."MODEL"]` tables in settings/config.toml (`gt config set prices.MODEL.input 3`), which
win field by field.

Prices are US dollars per million tokens, in four kinds: `input` (not from a cache), `output`
(reasoning included), `cache_write` and `cache_read`. A model the table does not know has its
tokens counted and its cost shown as "-", never guessed.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Mapping

from .errors import usage

FIELDS = ("input", "output", "cache_write", "cache_read")
MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$")

# Where the defaults come from. Claude's are Claude Code 2.1.197's own table (what its /cost
# charges); OpenAI's and Google's are their published API prices as of the date given, for
# the models their CLIs used then. OpenAI and Google charge nothing extra to write a cache,
# so their cache_write is the input price.
TAKEN = "Claude Code 2.1.197's of 2026-12-06, OpenAI's and Google's of 2025-11"


_SONNET, _OPUS_4, _OPUS_45 = (3, 15, 3.75, 0.3), (15, 75, 18.75, 1.5), \
    (5, 25, 6.25, 0.5)
_DEFAULTS: dict[str, tuple] = {
    "claude-3-5-haiku": (0.8, 4, 1, 0.08),
    "claude-haiku-4-5": (1, 5, 1.25, 0.1),
    "claude-3-5-sonnet": _SONNET, "claude-3-7-sonnet": _SONNET, "claude-sonnet-4": _SONNET,
    "claude-sonnet-4-0": _SONNET, "claude-sonnet-4-5": _SONNET, "claude-sonnet-4-6": _SONNET,
    "claude-sonnet-5": _SONNET,
    "claude-opus-4": _OPUS_4, "claude-opus-4-0": _OPUS_4, "claude-opus-4-1": _OPUS_4,
    "claude-opus-4-5": _OPUS_45, "claude-opus-4-6": _OPUS_45, "claude-opus-4-7": _OPUS_45,
    "claude-opus-4-8": _OPUS_45,
    "claude-fable-5": (10, 50, 12.5, 1), "claude-mythos-5": (10, 50, 12.5, 1),
    "gpt-5": (1.25, 10, 1.25, 0.125), "gpt-5-codex": (1.25, 10, 1.25, 0.125),
    "gpt-5.1": (1.25, 10, 1.25, 0.125),
    "gpt-5.1-codex": (1.25, 10, 1.25, 0.125),
    "gpt-5.1-codex-max": (1.25, 10, 1.25, 0.125),
    "gpt-5-mini": (0.25, 2, 0.25, 0.025),
    "gpt-5.1-codex-mini": (0.25, 2, 0.25, 0.025),
    "gpt-5-nano": (0.05, 0.4, 0.05, 0.005),
    "gemini-2.5-pro": (1.25, 10, 1.25, 0.125),
    "gemini-2.5-flash": (0.3, 2.5, 0.3, 0.03),
    "gemini-2.5-flash-lite": (0.1, 0.4, 0.1, 0.01),
    "gemini-3-pro-preview": (2, 12, 2, 0.2),
}


@dataclasses.dataclass(frozen=True)
class Price:
    model: str
    input: float
    output: float
    cache_write: float
    cache_read: float
    source: str   # "built-in <date>" or "settings"

    def cost(self, tokens: "Mapping[str, int] | Any") -> float:
        get = tokens.get if isinstance(tokens, Mapping) else (lambda k: getattr(tokens, k))
        return sum(get(f) * getattr(self, f) for f in FIELDS) / 1_000_000


def default_prices() -> dict[str, Price]:
    return {m: Price(m, i, o, w, r, f"built-in ({TAKEN})")
            for m, (i, o, w, r) in _DEFAULTS.items()}


def price_table(own: Mapping[str, Mapping[str, float]]) -> dict[str, Price]:
    """The defaults with the town's own prices (its settings' `prices` table) over them; a
    model of its own needs all four."""
    table = default_prices()
    for model, fields in own.items():
        base = table.get(model)
        values = {f: fields.get(f, getattr(base, f) if base else None) for f in FIELDS}
        if any(v is None for v in values.values()):
            continue  # incomplete: the model stays unpriced rather than half-priced
        table[model] = Price(model, *(float(values[f]) for f in FIELDS), "settings")
    return table


_DATE = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")
_CLOUD = re.compile(r"^(?:[a-z]+\.)?(?:anthropic\.|google/|openai/)|-v\d+(?::\d+)?$")


def lookup(table: Mapping[str, Price], model: str) -> Price | None:
    """The price of `model` as an agent recorded it: exactly, else without a date suffix
    (claude-sonnet-4-5-20250929) or a cloud provider's wrapping (us.anthropic.…-v1:0).
    Never by a shorter name's prefix: gpt-5's price is not gpt-5-mini's."""
    for name in (model, _DATE.sub("", model), _DATE.sub("", _CLOUD.sub("", model))):
        found = table.get(name) or table.get(name.lower())
        if found is not None:
            return found
    return None


def parse_key(key: str) -> tuple[str, str]:
    """`prices.MODEL.FIELD` (MODEL may hold dots: gpt-5.1) -> (MODEL, FIELD)."""
    head, _, rest = key.partition(".")
    model, _, field = rest.rpartition(".")
    if head != "prices" or not model or field not in FIELDS:
        raise usage(f"bad price key {key!r}: give prices.MODEL.FIELD with FIELD one of "
                    f"{', '.join(FIELDS)} (dollars per million tokens)")
    if not MODEL_NAME.match(model):
        raise usage(f"bad model name {model!r}: use the name the agent records, such as "
                    "claude-sonnet-4-5 or gpt-5-codex")
    return model, field


def parse_price(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise usage(f"{key} must be dollars per million tokens (a number such as 3 or 0.3), "
                    f"not {text!r}")
    return value


def price_gaps(own: Mapping[str, Mapping[str, float]], model: str) -> list[str]:
    """The prices `model` still lacks in the settings' `prices` table `own` before `gt costs`
    can price it (none for a built-in)."""
    if model in _DEFAULTS:
        return []
    return [f for f in FIELDS if f not in own.get(model, {})]
