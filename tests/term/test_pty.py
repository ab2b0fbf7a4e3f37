"""Real programs in real ptys: output, exit status, resize, backpressure, process groups,
transcripts."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from gastown_tui.term.pty import HIGH_WATER, READ_CHUNK, PtySession, SpawnError
from gastown_tui.term.transcript import Transcript


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def drain(s: PtySession, out: bytearray | None = None) -> bytes:
    """Take output until the program has finished and everything was read."""
    out = bytearray() if out is None else out
    while not (s.finished and not s.pending):
        out += s.take(8192)
        await asyncio.sleep(0.001)
    return bytes(out)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); its state letter says it is dead.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.02)
    return False


def test_output_exit_code_env_and_cwd(tmp_path, term_env):
    async def main():
        s = PtySession.spawn(["sh", "-c", 'echo "$TERM $COLORTERM $PWD"; exit 3'],
                             cwd=tmp_path, env=term_env)
        out = await drain(s)
        s.close()
        return s, out

    s, out = run(main())
    assert out == f"xterm-256color truecolor {tmp_path}\r\n".encode()
    assert (s.exit_code, s.exit_signal, s.alive, s.eof) == (3, None, False, True)


def test_the_environment_path_finds_the_program(tmp_path, term_env):
    tool = tmp_path / "bin" / "hello-tool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho from the tool\n")
    tool.chmod(0o755)
    env = dict(term_env, PATH=f"{tool.parent}:{term_env['PATH']}")

    async def main():
        s = PtySession.spawn(["hello-tool"], env=env)
        out = await drain(s)
        s.close()
        return out

    assert run(main()) == b"from the tool\r\n"


def test_the_program_sees_its_argv_as_given(term_env):
    async def main():
        s = PtySession.spawn(["sh", "-c", r"tr '\0' ' ' < /proc/$$/cmdline", "-x"], env=term_env)
        out = await drain(s)
        s.close()
        return out

    assert run(main()).decode() == r"sh -c tr '\0' ' ' < /proc/$$/cmdline -x "


def test_a_program_that_cannot_be_executed_is_a_spawn_error(tmp_path):
    script = tmp_path / "bad-interpreter.sh"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)

    async def main():
        PtySession.spawn([str(script)])

    with pytest.raises(SpawnError, match="cannot run .*bad-interpreter.sh.: No such file"):
        run(main())


def test_exit_by_signal():
    async def main():
        s = PtySession.spawn(["sh", "-c", "kill -TERM $$"])
        await drain(s)
        s.close()
        return s

    s = run(main())
    assert (s.exit_code, s.exit_signal) == (None, signal.SIGTERM)


def test_resize_reaches_the_program_with_sigwinch(term_env):
    async def main():
        s = PtySession.spawn(["bash", "--norc", "--noprofile", "-c",
                              "trap 'echo WINCH $(stty size)' WINCH; echo ready; "
                              "while :; do sleep 0.05; done"], env=term_env, cols=80, rows=24)
        out = bytearray()
        while b"ready" not in out:
            out += s.take(8192)
            await asyncio.sleep(0.01)
        s.resize(100, 30)
        while b"WINCH" not in out:
            out += s.take(8192)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        out += s.take(8192)
        s.terminate()
        await drain(s, out)
        s.close()
        return bytes(out)

    assert b"WINCH 30 100" in run(main())


def test_backpressure_stops_reading_and_loses_nothing():
    total = 3 * 1024 * 1024

    async def main():
        s = PtySession.spawn(["python3", "-c", "import sys\n"
                              f"for i in range({total // 16}):\n"
                              "    sys.stdout.write('%015d\\n' % i)\n"])
        # Nobody takes the output: the reader must stop near the mark, the child must block.
        await asyncio.sleep(1.0)
        paused_at = len(s.pending)
        assert not s.reading and s.paused_count >= 1
        assert HIGH_WATER <= paused_at < HIGH_WATER + READ_CHUNK
        assert s.alive
        out = await drain(s)
        s.close()
        return s, out

    s, out = run(main())
    assert s.exit_code == 0
    lines = out.split(b"\r\n")
    assert lines[-1] == b""
    assert lines[:-1] == [b"%015d" % i for i in range(total // 16)]


def test_output_written_just_before_exit_is_kept():
    async def main():
        s = PtySession.spawn(["sh", "-c", "seq 1 20000; printf LAST"])
        out = await drain(s)
        s.close()
        return out

    out = run(main())
    assert out.endswith(b"20000\r\nLAST")


def test_input_larger_than_the_pty_buffer_arrives_whole(term_env):
    lines = [("%05d" % i) * 20 for i in range(2000)]  # 200 KB in 100-byte lines

    async def main():
        s = PtySession.spawn(["python3", "-c", "import sys; d = sys.stdin.read(); "
                              "print('GOT', len(d.splitlines()), len(d))"], env=term_env)
        s.write(("\n".join(lines) + "\n").encode() + b"\x04")
        out = await drain(s)
        s.close()
        return out

    assert f"GOT 2000 {2000 * 101}".encode() in run(main())


def test_cooked_mode_erase_removes_a_whole_utf8_character(term_env):
    """The pty is set up as tmux sets it (IUTF8): erase after a two- or four-byte character in
    cooked mode removes the character, not its last byte."""
    async def main():
        s = PtySession.spawn(["python3", "-c", "import sys, subprocess; "
                              "print(subprocess.run(['stty', '-a'], capture_output=True, "
                              "text=True).stdout.split()); "
                              "print('GOT', repr(sys.stdin.buffer.readline()))"], env=term_env)
        s.write("aé\x7f😀\x7fb\r".encode())
        out = await drain(s)
        s.close()
        return out.decode(errors="replace")

    out = run(main())
    assert "'iutf8'" in out and "'-iutf8'" not in out
    assert "GOT b'ab\\n'" in out


def test_the_pane_size_wins_over_columns_and_lines_in_the_environment(term_env):
    """COLUMNS/LINES of whoever started the host are not the pane's size (a parallel test run
    sets COLUMNS=80 while panes are 120 wide): programs asking for their size get the pty's."""
    async def main():
        s = PtySession.spawn(["python3", "-c",
                              "import shutil; print(tuple(shutil.get_terminal_size()))"],
                             env={**term_env, "COLUMNS": "33", "LINES": "7"}, cols=120, rows=36)
        out = await drain(s)
        s.close()
        return out

    assert b"(120, 36)" in run(main())


def test_terminate_ends_the_whole_process_group(term_env):
    async def main():
        s = PtySession.spawn(["bash", "--norc", "--noprofile", "-c",
                              "sleep 100 & echo child=$!; sleep 100"], env=term_env)
        out = bytearray()
        while b"\n" not in out:
            out += s.take(8192)
            await asyncio.sleep(0.01)
        child = int(out.split(b"child=")[1].split()[0])
        s.terminate()
        await drain(s, out)
        s.close()
        return s, child

    s, child = run(main())
    assert s.exit_signal in (signal.SIGHUP, signal.SIGTERM)
    assert wait_gone(child), "the background child outlived terminate()"


def test_kill_and_close_leave_no_process(term_env):
    async def main():
        s = PtySession.spawn(["sh", "-c", "trap '' HUP TERM; sleep 100"], env=term_env)
        await asyncio.sleep(0.2)
        s.terminate()
        await asyncio.sleep(0.2)
        still = s.alive
        s.close()
        await s.wait()
        return s, still

    s, still_after_terminate = run(main())
    assert still_after_terminate  # it ignores SIGHUP and SIGTERM...
    assert s.exit_signal == signal.SIGKILL  # ...so close() killed it, and it was reaped
    assert wait_gone(s.pid)


def test_transcript_is_bounded_and_rotated(tmp_path):
    path = tmp_path / "runtime" / "agent.raw"

    async def main():
        s = PtySession.spawn(["sh", "-c", "seq 1 30000"], transcript=Transcript(path, 50_000))
        out = await drain(s)
        s.close()
        return out

    out = run(main())
    rotated = path.with_name("agent.raw.1")
    assert rotated.exists() and path.exists()
    assert rotated.stat().st_size < 50_000 + READ_CHUNK
    assert path.stat().st_size < 50_000
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    kept = rotated.read_bytes() + path.read_bytes()
    assert out.endswith(kept)


@pytest.mark.parametrize("argv, cwd, message", [
    (["no-such-program-here"], None, "not found on PATH"),
    (["./nothing.sh"], None, "no such executable file"),
    (["sh"], "/no/such/dir", "no such directory"),
    ([], None, "the command is empty"),
])
def test_spawn_errors_are_one_line(argv, cwd, message):
    async def main():
        PtySession.spawn(argv, cwd=cwd)

    with pytest.raises(SpawnError) as info:
        run(main())
    assert message in str(info.value) and "\n" not in str(info.value)
