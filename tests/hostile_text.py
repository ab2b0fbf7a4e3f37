"""Hostile stored text: what an agent could put in a title, label, mail subject or body to act
on the terminal of the person who reads it, to disguise what it says, or to break a widget.
Shared by the tests of every place that shows stored text (loaded by tests/conftest.py)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

# name -> text. Each is one whole title; the names say what a terminal would do with it.
CATALOGUE = {
    "osc52-clipboard": "\x1b]52;c;cHduZWQ=\x07clip",
    "osc52-st": "\x1b]52;p;cHduZWQ=\x1b\\clip2",
    "osc8-hyperlink": "\x1b]8;;https://evil.example/\x1b\\innocent link\x1b]8;;\x1b\\",
    "osc0-title": "\x1b]0;window title\x07osc0",
    "osc2-title": "\x1b]2;window title\x1b\\osc2",
    "csi-2j-clear": "\x1b[2J\x1b[Hcleared",
    "csi-private-modes": "\x1b[?1049h\x1b[?25l\x1b[?1000halt screen",
    "csi-sgr-hide": "shown\x1b[8mhidden\x1b[0m",
    "c1-csi": "\x9b2J c1 csi",
    "c1-osc": "\x9d52;c;cHduZWQ=\x9c c1 osc",
    "c1-all": "c1:" + "".join(chr(c) for c in range(0x80, 0xa0)),
    "bidi-override": "invoice\u202eexe.txt\u202c",
    "bidi-all": "bidi:" + "".join(map(chr, [*range(0x202a, 0x202f), *range(0x2066, 0x206a)])),
    "invisible-format": "zero\u200bwidth\u2060joiner\ufeffbom\u200emark\U000e0041tag",
    "nul": "nul\x00byte",
    "del": "del\x7fchar",
    "lone-esc": "lone\x1besc",
    "bel": "bell\x07\x07",
    "backspace": "secret\x08\x08\x08\x08\x08\x08public",
    "carriage-return": "harmless\rEVIL",
    "newline-tab": "two\nlines\tand a tab",
    "rich-markup": "[bold red]x[/] [/] [link=https://evil.example]y[/link] [@click=app.quit]q[/]",
    "markup-backslash": "ends in a backslash\\",
    "markup-variable": "$accent $text-muted [$error]e[/]",
}

# What people see: the marks `gastown_tui.visible.visible` makes, written out by hand.
SHOWN = {
    "osc52-clipboard": "^[]52;c;cHduZWQ=^Gclip",
    "osc52-st": "^[]52;p;cHduZWQ=^[\\clip2",
    "osc8-hyperlink": "^[]8;;https://evil.example/^[\\innocent link^[]8;;^[\\",
    "osc0-title": "^[]0;window title^Gosc0",
    "osc2-title": "^[]2;window title^[\\osc2",
    "csi-2j-clear": "^[[2J^[[Hcleared",
    "csi-private-modes": "^[[?1049h^[[?25l^[[?1000halt screen",
    "csi-sgr-hide": "shown^[[8mhidden^[[0m",
    "c1-csi": "<U+009B>2J c1 csi",
    "c1-osc": "<U+009D>52;c;cHduZWQ=<U+009C> c1 osc",
    "c1-all": "c1:" + "".join(f"<U+{c:04X}>" for c in range(0x80, 0xa0)),
    "bidi-override": "invoice<U+202E>exe.txt<U+202C>",
    "bidi-all": "bidi:<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069>",
    "invisible-format": "zero<U+200B>width<U+2060>joiner<U+FEFF>bom<U+200E>mark<U+E0041>tag",
    "nul": "nul^@byte",
    "del": "del^?char",
    "lone-esc": "lone^[esc",
    "bel": "bell^G^G",
    "backspace": "secret^H^H^H^H^H^Hpublic",
    "carriage-return": "harmless^MEVIL",
    "newline-tab": "two^Jlines^Iand a tab",
    "rich-markup": CATALOGUE["rich-markup"],
    "markup-backslash": CATALOGUE["markup-backslash"],
    "markup-variable": CATALOGUE["markup-variable"],
}

# Characters that stay as they are: emoji sequences and Indic and Persian words need them.
JOINERS = {"\u200c", "\u200d"}


def unsafe_chars(text: str, keep: str = "\n") -> list[str]:
    """The characters of `text` a terminal would act on or that hide text: controls (but those
    in `keep`), C1, format characters, separators and lone surrogates."""
    return sorted({c for c in text if c not in keep and c not in JOINERS and
                   unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")})


def assert_safe(text: str, keep: str = "\n", where: str = "") -> None:
    bad = unsafe_chars(text, keep)
    assert not bad, f"{where}: shows {[f'U+{ord(c):04X}' for c in bad]} raw"


def label_of(text: str) -> str:
    """The catalogue entry as a label: labels hold no spaces or commas."""
    return "".join(c for c in text if not c.isspace() and c != ",")


def body_of(text: str) -> str:
    """A multi-line body around the entry: its newlines and tab stay, its controls show."""
    return f"{text}\nhostile second line\n\tindented {text}"


# The whole catalogue in one string, for what a command takes one of (`bd create TITLE`); an
# argument cannot carry NUL, so that entry reaches the ledger by the API only.
IN_ARGV = [n for n in CATALOGUE if n != "nul"]
COMBINED = " | ".join(CATALOGUE[n] for n in IN_ARGV)
COMBINED_SHOWN = " | ".join(SHOWN[n] for n in IN_ARGV)
EVERYTHING = " | ".join(CATALOGUE.values())
EVERYTHING_SHOWN = " | ".join(SHOWN.values())


@dataclass
class HostileTown:
    root: Path
    rig: str
    clone: Path                 # the rig's clone, whose ledger holds the beads
    beads: dict[str, str]       # catalogue name -> bead id (title, description, label, ...)
    convoys: dict[str, str]     # catalogue name -> convoy id (title)
    mail: dict[str, str]        # catalogue name -> message id to the overseer (subject, body)
    all_convoy: str             # tracks every bead; its title is EVERYTHING
    all_mail: str               # to the overseer: subject EVERYTHING, one entry per body line
    reply: str                  # the overseer's answer to it, in its thread


def build_town(base: Path, src_repo: Path) -> HostileTown:
    """A town whose ledgers hold the catalogue wherever stored text shows: a bead per entry in
    rig `proj` (title, description, label, comment; unassigned, so ready for anyone's Work
    panel), a convoy and a mail to the
    overseer per entry, and events quoting them. Made through the town's API, the way agents'
    commands make them; the renderers under test then read it like any other town."""
    from gastown_tui.host.events import append_event, make_event
    from gastown_tui.town import find_town
    from gastown_tui.town.convoys import create_convoy
    from gastown_tui.town.install import install
    from gastown_tui.town.mail import reply, send_mail
    from gastown_tui.town.rigs import add_rig

    root = base / "town"
    install(root)
    add_rig(find_town(root, {}), "proj", str(src_repo))
    town = find_town(root, {})
    led = town.rig("proj").ledger("proj/polecats/hostile")
    beads = {}
    for name, text in CATALOGUE.items():
        issue = led.create(text, description=body_of(text), labels=[label_of(text)])
        led.add_comment(issue.id, body_of(text))
        beads[name] = issue.id
    led.close_db()
    # Convoy names and subjects are one line when made; `bd update --title` (which agents
    # have too) then gives them any text, newlines included.
    convoys = {name: create_convoy(town, "convoy", [beads[name]], actor="mayor/").id
               for name in CATALOGUE}
    all_convoy = create_convoy(town, "convoy", list(beads.values()), actor="mayor/").id
    mail = {name: send_mail(town, "mayor/", "overseer", "mail", body_of(text))[0].id
            for name, text in CATALOGUE.items()}
    all_mail = send_mail(town, "mayor/", "overseer", "mail",
                         "\n".join(CATALOGUE.values()))[0].id
    answer = reply(town, all_mail, "overseer", "\n".join(CATALOGUE.values())).id
    town_led = town.ledger("mayor/")
    for name, text in CATALOGUE.items():
        town_led.update(convoys[name], title=text)
        town_led.update(mail[name], title=text)
    town_led.update(all_convoy, title=EVERYTHING)
    town_led.update(all_mail, title=EVERYTHING)
    town_led.close_db()
    for name, text in CATALOGUE.items():
        append_event(root, make_event("mail", id=mail[name], to="overseer", sender="mayor/",
                                      subject=text))
        append_event(root, make_event("convoy_landed", id=convoys[name], title=text))
    return HostileTown(root, "proj", town.rig("proj").beads_dir.parent, beads, convoys, mail,
                       all_convoy, all_mail, answer)
