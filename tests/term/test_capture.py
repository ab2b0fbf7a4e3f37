"""`gt term capture`: escapes, waiting, output like `tmux capture-pane`, ending the program, and
errors with exit codes — through the real command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gastown_tui
from gastown_tui.term.capture import parse_escapes, parse_size
from gastown_tui.term.mux import Multiplexer

from .conftest import gt_capture


def gt(args, env, cwd, timeout=30):
    return subprocess.run([sys.executable, "-c", "from gastown_tui.commands.gt import main; main()",
                           *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def cli_env(term_env):
    # The CLI process itself needs our interpreter and the package under test (not another
    # installed copy); the program it captures gets exactly this environment too, which is
    # what a user's shell would pass.
    return dict(term_env, PATH=os.path.dirname(sys.executable) + ":" + term_env["PATH"],
                PYTHONPATH=os.path.dirname(os.path.dirname(gastown_tui.__file__)))


@pytest.mark.parametrize("text, expected", [
    (r"ls\r", b"ls\r"), (r"a\nb\tc", b"a\nb\tc"), (r"\e:q\r", b"\x1b:q\r"),
    (r"\x03\x7f", b"\x03\x7f"), (r"back\\slash", b"back\\slash"), ("é", "é".encode()),
    (r"\x41\x4a", b"AJ"),
])
def test_escapes(text, expected):
    assert parse_escapes(text) == expected


@pytest.mark.parametrize("text", [r"\q", "end\\", r"\x4", r"\xZZ"])
def test_bad_escapes(text):
    with pytest.raises(ValueError):
        parse_escapes(text)


def test_sizes():
    assert parse_size("80x24") == (80, 24)
    assert parse_size("200X50") == (200, 50)
    for bad in ("80", "x24", "0x24", "80x0", "80x24x1", "axb", "99999x24"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_prints_the_screen_like_capture_pane(cli_env, tmp_path):
    done = gt(["term", "capture", "--size", "30x5", "--delay", "0.2", "--",
               "printf", r"one\n\033[1;31mtwo\033[0m   \nthree"], cli_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "one\ntwo\nthree\n\n\n"
    assert done.stderr == ""


def test_ansi_and_history(cli_env, tmp_path):
    result = gt_capture(["--size", "20x3", "--delay", "0.2", "--ansi", "--history", "2", "--",
                         "sh", "-c", r"seq 1 9; printf '\033[32mgreen\033[0m'"],
                        cli_env, tmp_path)
    assert result.ok, result.error
    lines = result.render().split("\n")
    assert lines[:4] == ["6", "7", "8", "9"]
    assert "\x1b[" in lines[4] and "green" in lines[4]
    assert result.data.exit_code == 0 and result.data.exited


def test_inputs_wait_for_a_quiet_screen(term_env, tmp_path):
    result = gt_capture(["--size", "40x6", "--delay", "0.3", "--input", r"echo one\r",
                         "--input", r"echo two\r", "--", "bash", "--norc", "--noprofile"],
                        term_env, tmp_path)
    assert result.ok, result.error
    assert result.data.lines == ["$ echo one", "one", "$ echo two", "two", "$", ""]
    assert not result.data.exited  # the shell was still running, and has been ended


def test_timeout_captures_a_program_that_never_settles(term_env, tmp_path):
    started = time.monotonic()
    result = gt_capture(["--size", "20x4", "--delay", "0.5", "--timeout", "1.5", "--",
                         "sh", "-c", "while :; do date +%N; sleep 0.05; done"],
                        term_env, tmp_path)
    assert result.ok, result.error
    assert result.data.timed_out
    assert time.monotonic() - started < 4.0


def test_ends_the_command_and_its_process_group(term_env, tmp_path):
    pidfile = tmp_path / "child.pid"
    result = gt_capture(["--delay", "0.3", "--", "bash", "--norc", "--noprofile", "-c",
                         f"sleep 100 & echo $! > {pidfile}; echo started; sleep 100"],
                        term_env, tmp_path)
    assert result.ok and result.data.lines[0] == "started"
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{child}"), "a background child outlived the capture"


def test_answers_queries_tmux_leaves_unanswered(term_env, tmp_path):
    # DECRQM for synchronized output, XTVERSION and colour queries: agents ask these at start.
    program = ("import os, select, tty\ntty.setraw(0)\nout = []\n"
               "for q in (b'\\x1b[?2026$p', b'\\x1b[>q', b'\\x1b]11;?\\x07'):\n"
               "    os.write(1, q)\n"
               "    ready = select.select([0], [], [], 1.0)[0]\n"
               "    out.append(os.read(0, 100) if ready else b'none')\n"
               "os.write(1, b'\\r\\n'.join(repr(o).encode() for o in out))\n")
    result = gt_capture(["--delay", "0.3", "--", sys.executable, "-c", program], term_env,
                        tmp_path)
    assert result.ok, result.error
    answers = result.data.lines[:3]
    assert answers[0] == r"b'\x1b[?2026;2$y'"
    assert answers[1].startswith(r"b'\x1bP>|") and answers[1].endswith(r"\x1b\\'")
    assert answers[2].startswith(r"b'\x1b]11;rgb:")


@pytest.mark.parametrize("args, code, message", [
    (["--size", "80", "--", "sh"], 2, "bad size '80'"),
    (["--input", r"\q", "--", "sh"], 2, "unknown escape"),
    (["--delay", "-1", "--", "sh"], 2, "--delay"),
    (["--timeout", "0", "--", "sh"], 2, "--timeout"),
    (["--delay", "nan", "--timeout", "nan", "--", "sh"], 2, "--timeout"),
    ([], 2, "Missing argument"),
    (["--", "no-such-program-xyz"], 1, "cannot run 'no-such-program-xyz': not found on PATH"),
])
def test_bad_input_is_a_one_line_error(cli_env, tmp_path, args, code, message):
    done = gt(["term", "capture", *args], cli_env, tmp_path)
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stdout == ""


@given(st.text(max_size=40))
def test_escape_parsing_never_fails_unexpectedly(text):
    try:
        data = parse_escapes(text)
    except ValueError as e:
        assert "\\" in text and str(e).startswith(("unknown escape", "input '"))
    else:
        if "\\" not in text:
            assert data == text.encode()


def test_replay_prints_what_a_transcript_draws(cli_env, tmp_path):
    async def record():
        mux = Multiplexer()
        s = mux.spawn("r", ["sh", "-c", r"seq 1 30; printf '\033]0;done\007\033[1;32mgreen'"],
                      env=cli_env, cols=30, rows=5, transcript=tmp_path / "rt" / "r.raw")
        await mux.wait("r", 10)
        lines = s.screen.text_lines()
        await mux.shutdown()
        return lines

    live = asyncio.run(record())
    done = gt(["term", "replay", "--size", "30x5", "--history", "2", "rt/r.raw"], cli_env,
              tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:-1] == ["25", "26"] + live

    missing = gt(["term", "replay", "rt/nothing.raw"], cli_env, tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("gt: error: cannot read transcript rt/nothing.raw: "
                                      "No such file or directory")


def test_capture_from_inside_a_running_loop(term_env, tmp_path):
    # The app's command bar runs `term capture` in-process, on its own event loop.
    async def from_the_app():
        return gt_capture(["--size", "20x2", "--delay", "0.2", "--", "echo", "inside"],
                          term_env, tmp_path)

    result = asyncio.run(from_the_app())
    assert result.ok, result.error
    assert result.data.lines == ["inside", ""]
