"""What showing stored text safely costs `bd list` on 10,000 beads.

Every cell of the bead table goes through `visible`, the text of the whole result once more
(lines kept), and `--json` through `visible_json`. Timed in one process, median of N runs:
- the table as `bd list -n 0` renders it, beside the same renderer with `visible` replaced by
  a function that returns its argument (the reference: what the table cost before);
- the pass over the whole text, and over the JSON text;
each for plain titles (ASCII and other scripts, the common case) and for a ledger where one
bead in ten carries an escape sequence, a C1 control or a bidi override.

    python3 benchmarks/visible.py [--beads 10000] [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from gastown_tui.commands import ledger_calls
from gastown_tui.commands.ledger_calls import IssueList
from gastown_tui.visible import visible, visible_json

PLAIN = ["Fix the parser for {n}", "Réparer l’analyseur n°{n}", "修复解析器 {n}",
         "Add retries to the mail queue ({n})", "ui: keep the highlighted row {n}"]
HOSTILE = ["\x1b]52;c;cHduZWQ=\x07clip {n}", "\x9b2J {n}", "invoice\u202eexe.txt {n}"]


def ledger_lines(total: int, hostile_share: float) -> list[str]:
    rnd = random.Random(7)
    lines = []
    for n in range(total):
        pool = HOSTILE if rnd.random() < hostile_share else PLAIN
        record = {"id": f"bn-{n:05x}", "title": rnd.choice(pool).format(n=n),
                  "status": rnd.choice(["open", "in_progress", "blocked"]),
                  "priority": rnd.randint(0, 4), "issue_type": "task",
                  "assignee": rnd.choice([None, "rig/polecats/nux", "rig/crew/alice"])}
        lines.append(json.dumps({k: v for k, v in record.items() if v is not None},
                                ensure_ascii=False, separators=(",", ":")))
    return lines


def median_ms(call, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    print(f"{'ledger':<22} {'what':<34} {'median ms':>10}")
    for label, share in (("plain titles", 0.0), ("1 in 10 hostile", 0.1)):
        beads = IssueList(ledger_lines(args.beads, share))
        table = beads.render_text()
        rows = [("bead table (reference)", None), ("bead table, cells shown", beads.render_text),
                ("whole text, lines kept", lambda: visible(table, lines=True)),
                ("JSON text", lambda: visible_json(beads.json_text()))]
        for what, call in rows:
            if call is None:
                shown = ledger_calls.visible
                ledger_calls.visible = lambda text, **_kw: text
                try:
                    ms = median_ms(beads.render_text, args.runs)
                finally:
                    ledger_calls.visible = shown
            else:
                ms = median_ms(call, args.runs)
            print(f"{label:<22} {what:<34} {ms:>10.1f}")
    print(f"{args.beads} beads, median of {args.runs} runs; the table includes parsing the "
          "ledger's JSON lines, as `bd list` does")


if __name__ == "__main__":
    main()
