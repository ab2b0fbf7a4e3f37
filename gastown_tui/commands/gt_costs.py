"""`gt costs`: tokens and cost by agent, convoy, rig or day, from what the agents record."""

from __future__ import annotations

import click

from .core import get_env
from .render import table, to_jsonable, view
from .towncli import current_town

HEADERS = {"agent": ("AGENT", "PRESET"), "convoy": ("CONVOY", "TITLE"), "rig": ("RIG",),
           "day": ("DAY",)}
NUMBERS = ["INPUT", "OUTPUT", "CACHE WRITE", "CACHE READ", "COST"]  # never shortened


def tokens(n: int | None) -> str:
    """A token count short enough for a column: 950, 12.3k, 4.56M."""
    if n is None:
        return "-"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            value = n / size
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return str(n)


def dollars(row) -> str:
    if row.cost is None or row.tokens is None:
        return "-"
    # Cents hide a small agent's cost entirely; below a dollar, show four places.
    text = f"${row.cost:,.2f}" if row.cost >= 1 or not row.cost else f"${row.cost:.4f}"
    return text + ("*" if row.unpriced else "")


@view
class Costs:
    report: object

    def to_json(self) -> dict:
        return to_jsonable(self.report)

    def render_text(self) -> str:
        r = self.report
        heads = HEADERS[r.by]
        since = f"since {r.since}" if r.since else "everything recorded"
        prices = f"prices per million tokens: {r.prices}"
        lines = []
        if r.rows:
            body = [[row.key, *([row.label or "-"] if len(heads) > 1 else []),
                     *_counts(row), dollars(row)] for row in r.rows]
            body.append(["TOTAL", *([""] if len(heads) > 1 else []), *_counts(r.total),
                         dollars(r.total)])
            lines.append(table(body, [*heads, *NUMBERS], keep=NUMBERS))
            lines.append(f"{since} · {prices}")
        else:
            lines.append("no token use recorded" + (f" since {r.since}" if r.since else "")
                         + ": agents record it as they work (Claude Code, Codex and Gemini CLI "
                         "do; other presets show -)")
        if r.unpriced_models:
            first = r.unpriced_models[0]
            lines.append(f"* tokens of models without a price, not in the cost: "
                         f"{', '.join(r.unpriced_models)}; give one with `gt config set "
                         f"prices.{first}.input N` (and output, cache_write, cache_read)")
        if r.bad_lines:
            lines.append(f"skipped {r.bad_lines} unreadable line"
                         f"{'' if r.bad_lines == 1 else 's'} in {r.bad_files} transcript"
                         f"{'' if r.bad_files == 1 else 's'}")
        return "\n".join(lines)


def _counts(row) -> list[str]:
    t = row.tokens
    return [tokens(None if t is None else getattr(t, f))
            for f in ("input", "output", "cache_write", "cache_read")]


def register(root: click.Group) -> None:
    @root.command("costs")
    @click.option("--by", "by", default="agent", show_default=True,
                  type=click.Choice(["agent", "convoy", "rig", "day"], case_sensitive=False),
                  help="Group by agent, convoy, rig or day.")
    @click.option("--since", metavar="DATE",
                  help="From DATE on (2026-12-01, 2026-12-01T09:00, today, yesterday, 7d); "
                       "default: everything recorded.")
    def costs(by: str, since: str | None):
        """Tokens and cost of the agents' work by agent, convoy, rig or day, read from what
        the agents record (Claude Code, Codex, Gemini CLI); prices per million tokens from
        settings (`gt config set prices.MODEL.input 3`)."""
        from ..town.costs import cost_report, parse_since

        start = parse_since(since)
        return Costs(cost_report(current_town(), by.lower(), start, get_env().environ))
