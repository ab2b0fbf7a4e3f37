"""Faithfulness: the same program, size, TERM and keystrokes under tmux and `gt term capture`
must leave the same screen. tmux 3.3 is the oracle (issue 4, point 8)."""

from __future__ import annotations

import shutil
import sys
import textwrap

import pytest

BASH = ["bash", "--norc", "--noprofile"]

# Typed into bash, so a backslash for printf is written `\\` in the input escape language.
COLOURS = (r"printf '\\e[31mred\\e[0m \\e[1;32mbold green\\e[0m \\e[4;38;5;208morange\\e[0m "
           r"\\e[38;2;10;200;30;48;5;17mtrue\\e[0m \\e[7minverse\\e[27m plain\\n'\r")
UNICODE = r"echo 'emoji 😀 🎉 ok | CJK 漢字テスト 한국어 | é ß ∑'\r"


def _same(screens) -> None:
    assert screens.ours == screens.tmux, "screens differ:\n" + screens.diff()


def test_shell_colours_emoji_cjk(oracle):
    screens = oracle(BASH, [COLOURS, UNICODE])
    _same(screens)
    assert "red bold green orange true inverse plain" in screens.ours
    assert "emoji 😀 🎉 ok | CJK 漢字テスト 한국어 | é ß ∑" in screens.ours


def test_shell_colours_with_styles(oracle):
    screens = oracle(BASH, [COLOURS], ansi=True)
    _same(screens)
    assert any("('orange', (('fg', ('palette', 208)), ('underline', True)))" in row
               for row in screens.ours)


NOTES = {"notes.txt": "first line\nsecond line\n"}


def test_vim_open_and_edit(oracle):
    _same(oracle(BASH, [r"vim -u NONE -i NONE -N -n notes.txt\r",
                        r"Go<- added by the test\e", r"gg0ifront \e"], files=NOTES))


def test_vim_quit_returns_to_the_shell(oracle):
    _same(oracle(BASH, [r"echo before vim\r", r"vim -u NONE -i NONE -N -n notes.txt\r",
                        r"ddihello\e", r":w\r", r":q\r", r"cat notes.txt\r"], files=NOTES))


def test_less_with_a_search(oracle):
    numbers = "".join(f"line {i} of the file\n" for i in range(400))
    _same(oracle(BASH, [r"less numbers.txt\r", r"/line 150\r", r"n"],
                 files={"numbers.txt": numbers}))


def test_python_repl(oracle):
    _same(oracle([sys.executable, "-q"], [r"1 + 1\r", r"print('héllo 世界')\r",
                                          r"for i in range(3):\r", r"  print(i * 'ab')\r",
                                          r"\r"]))


CURSES_PROGRAM = textwrap.dedent("""\
    import curses

    def main(scr):
        curses.start_color()
        curses.use_default_colors()
        curses.init_pair(1, curses.COLOR_RED, -1)
        curses.init_pair(2, curses.COLOR_WHITE, curses.COLOR_BLUE)
        curses.init_pair(3, 208, 236)
        curses.curs_set(0)
        scr.border()
        scr.addstr(1, 2, "curses boxes", curses.A_BOLD)
        win = curses.newwin(6, 30, 3, 4)
        win.bkgd(" ", curses.color_pair(2))
        win.box()
        win.addstr(2, 2, "inside a blue box", curses.color_pair(2) | curses.A_UNDERLINE)
        scr.addstr(10, 4, "red text", curses.color_pair(1))
        scr.addstr(11, 4, "256 colours", curses.color_pair(3) | curses.A_REVERSE)
        scr.refresh()
        win.refresh()
        scr.getch()
        scr.addstr(13, 4, "got a key")
        scr.refresh()
        scr.getch()

    curses.wrapper(main)
    """)


@pytest.mark.parametrize("ansi", [False, True], ids=["text", "styles"])
def test_curses_boxes_and_colours(oracle, ansi):
    _same(oracle([sys.executable, "boxes.py"], ["x"], ansi=ansi,
                 files={"boxes.py": CURSES_PROGRAM}))


def test_long_scrolling_output_and_history(oracle):
    _same(oracle(BASH, [r"seq 1 3000\r", r"for i in $(seq 1 40); do echo row $i; done\r"],
                 history=60))


QUERY_PROGRAM = textwrap.dedent("""\
    import os, select, sys, termios, tty

    def ask(query):
        os.write(1, query)
        ready, _, _ = select.select([0], [], [], 1.0)
        return os.read(0, 1000) if ready else b"(no answer)"

    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        os.write(1, b"\\x1b[5;10H")
        answers = [ask(q) for q in sys.argv[1:]]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
    for a in answers:
        print(repr(a))
    input("done> ")
    """)


def test_program_querying_the_terminal(oracle):
    # The queries a detached tmux 3.3 answers: cursor position, DA1, DA2, status.
    queries = [r"\x1b[6n", r"\x1b[c", r"\x1b[>c", r"\x1b[5n"]
    argv = [sys.executable, "-c", f"import sys; sys.argv[1:] = [eval('b\"%s\"' % q) for q in "
            f"{queries!r}]; exec(open('query.py').read())"]
    screens = oracle(argv, delay=0.6, files={"query.py": QUERY_PROGRAM})
    _same(screens)
    assert "(no answer)" not in "\n".join(screens.ours)
    assert any("\\x1b[5;10R" in line for line in screens.ours), screens.ours


PYTHON_SOURCE = ("def f(x):\n    # comment\n    return {'a': [1, 2.5, \"s\"]}\n\n"
                 "class K(object):\n    pass\n")


def test_vim_syntax_colours(oracle):
    # A detached tmux does not answer vim's background-colour query and this engine does, so
    # the background is fixed for both.
    _same(oracle(["vim", "-u", "NONE", "-i", "NONE", "-N", "-n", "+set bg=light", "+syntax on",
                  "+set nu", "f.py"], ansi=True, files={"f.py": PYTHON_SOURCE}))


def test_line_editing_across_a_wrapped_line(oracle):
    _same(oracle(BASH, ["echo " + "abcdefghij" * 9 + r"\x7f\x7f\x7f\x01\x05\r",
                        r"printf 'a\\tb\\tc\\rX\\n12345\\033[3D\\033[K\\n'\r"], ansi=True))


def test_wide_characters_at_the_last_column(oracle):
    _same(oracle(BASH, [r"printf '%079d世界\\n' 0\r", r"printf '😀%.0s' $(seq 1 45); echo\r"]))


def test_joined_emoji_and_combining_marks(oracle):
    _same(oracle(BASH, [r"printf 'a\\u2764\\ufe0fb \\U0001F468\\u200d\\U0001F469\\u200d\\U0001F467"
                        r" c \\u00e9e\\u0301 d\\n'\r"]))


def test_less_with_colours(oracle):
    _same(oracle(BASH, [r"for i in $(seq 1 50); do printf '\\033[31mred\\033[0m line %d\\n' $i;"
                        r" done | less -R\r", " "], ansi=True))


def test_alternate_screen_leaves_the_shell_as_it_was(oracle):
    _same(oracle(BASH, [r"seq 1 5\r",
                        r"printf '\\033[?1049h\\033[2J\\033[5;5Halt\\033[?1049l'; echo back\r"]))


def test_scroll_regions_and_scroll_up_down(oracle):
    _same(oracle(BASH, [r"clear; seq 1 30; printf '\\033[5;10r\\033[10;1H\\n\\n\\nXX\\033[r"
                        r"\\033[1S\\033[2T'\r"], ansi=True))


def test_less_in_a_small_terminal(oracle):
    _same(oracle(BASH, [r"seq 1 100 | less\r", r"G", r"g"], size=(50, 10)))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed here")
def test_node_repl_with_completion_and_colours(oracle):
    _same(oracle(["node"], [r"1 + 1\r", r"[1, 2, 3].map(x => x * 2)\r", r"'abc'.toUpp", r"\t",
                            r"\r", r"const o = {a: 1, b: 'two', c: [null, undefined, true]}\r",
                            r"o\r"], ansi=True))


GIT_REPO = (r"git init -q r && cd r && git config user.email a@b && git config user.name A && "
            r"for i in 1 2 3 4 5; do echo $i > f$i; git add f$i; "
            r"GIT_AUTHOR_DATE=2020-01-0${i}T00:00:00 GIT_COMMITTER_DATE=2020-01-0${i}T00:00:00 "
            r"git commit -qm 'commit '$i; done; clear\r")


def test_git_log_graph_in_the_pager(oracle):
    _same(oracle(BASH, [GIT_REPO, r"git log --graph --stat --color=always | less -R\r", "j",
                        r"/commit 3\r"], ansi=True))


# Editing and mode sequences full-screen programs use, each at its own place on the screen.
SEQUENCES = r"""
p() { printf "$@"; }
p '\033[2J\033[H'
p 'line one\r\nline two\r\nline three\r\n'
p '\033[1;6H\033[3@XYZ'                   # ICH
p '\033[2;3H\033[2P'                      # DCH
p '\033[3;2H\033[3X'                      # ECH
p '\033[5;1Habc\033[4b'                   # REP
p '\033[6;20H\033[2Zq'                    # CBT
p '\0337\033[8;8HSAVED\0338R'             # DECSC / DECRC
p '\033[9;1H\033[4hINS\033[4l'            # insert mode
p '\033[10;1H\033)0\016lqqk\017 text'     # G1 = line drawing, SO / SI
p '\033[11;1H\033[2;3;9mstyled\033[0m \033[91;104mbright\033[0m'
p '\033[12;75H\033[?7lno wrap at all here\033[?7h'
p '\033[13;1H\033[3g\033[13;5H\033H\033[13;1H\ta\tb'   # tab stops cleared and set
p '\033[14;1Hxx\033[1L\033[15;1H\033[1M'  # IL / DL
p '\033[20;1Hbottom\033[18;22r\033[22;1H\n\n\033[r'    # scrolling inside a region
p '\033[24;1H\033[?6h\033[2;4r\033[1;1Horigin\033[?6l\033[r'
sleep 30
"""


def test_editing_and_mode_sequences(oracle):
    _same(oracle(["bash", "s.sh"], ansi=True, files={"s.sh": SEQUENCES}))


def test_reverse_index_at_the_top(oracle):
    script = r"seq 1 8; printf '\033[H\033M\033MTOP'; sleep 30"
    _same(oracle(["bash", "s.sh"], ansi=True, files={"s.sh": script}, size=(20, 5), history=5))


def test_the_terminal_modes_a_program_finds_are_tmux_s(oracle):
    """`stty -a` prints the same in our pane as in tmux's: the same control characters and
    flags, IUTF8 among them (cooked-mode erase of a multi-byte character)."""
    _same(oracle(["sh", "-c", "stty -a; sleep 30"], size=(100, 12)))
