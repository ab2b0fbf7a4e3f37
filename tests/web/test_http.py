"""The dashboard's doors, tried with real HTTP and websocket clients against real `gt dashboard`
servers, as the adversarial run tried them: the secret, the Host and the Origin on every
request; what another user of the machine can see (`ps`, the token's files); and `gt
dashboard`'s bad input (one line, exit code, nothing served)."""

from __future__ import annotations

import asyncio
import http.client
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest

from gastown_tui.web.server import lan_address
from web_helpers import GT, Dashboard, clean_env, descendants, free_port, make_town

ENV_TOKEN = f"env-token-{secrets.token_hex(12)}"
FILE_TOKEN = f"file-token-{secrets.token_hex(12)}"
NO_APP = "data-session-websocket-url"  # in the app's page, and only there


@pytest.fixture(scope="module")
def town_root():
    base = Path(tempfile.mkdtemp(prefix="gt-web-http-"))
    try:
        make_town(base / "town", 1)
        yield base / "town"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def dash(town_root):
    """Loopback, as `gt dashboard` starts with no option: the town keeps its token."""
    with Dashboard(town_root) as running:
        yield running


@pytest.fixture(scope="module")
def wild(town_root):
    """Every address of the machine, its token from GT_DASHBOARD_TOKEN."""
    with Dashboard(town_root, "--bind", "0.0.0.0", env={"GT_DASHBOARD_TOKEN": ENV_TOKEN}) \
            as running:
        yield running


@pytest.fixture(scope="module")
def token_file(town_root):
    path = town_root.parent / "dashboard-secret"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, FILE_TOKEN.encode() + b"\n")
    os.close(fd)
    return path


@pytest.fixture(scope="module")
def filed(town_root, token_file):
    """Read-only, its token from --token-file."""
    with Dashboard(town_root, "--token-file", str(token_file), "--read-only") as running:
        yield running


def get(port: int, path: str = "/", headers: dict | None = None,
        host: str = "127.0.0.1") -> tuple[http.client.HTTPResponse, str]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response, body


def status(port: int, path: str = "/", headers: dict | None = None) -> int:
    return get(port, path, headers)[0].status


def cookie(dashboard: Dashboard, token: str | None = None) -> dict[str, str]:
    return {"Cookie": f"gt_dashboard_token_{dashboard.port}={token or dashboard.token}"}


async def _ws(port: int, path: str, headers: dict, frames: int) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"http://127.0.0.1:{port}{path}",
                                          headers=headers, timeout=aiohttp.ClientWSTimeout(
                                              ws_receive=30)) as ws:
                # Driving: the app started for this socket draws on it.
                for _ in range(frames):
                    message = await ws.receive(timeout=30)
                    assert message.type == aiohttp.WSMsgType.BINARY, message
                return 101
        except aiohttp.WSServerHandshakeError as e:
            return e.status


def websocket(port: int, headers: dict | None = None, path: str = "/ws",
              frames: int = 0) -> int:
    """The handshake's status for a websocket to the dashboard (after `frames` frames of the
    app's output when it opened)."""
    return asyncio.run(_ws(port, path, headers or {}, frames))


def test_without_the_secret_nothing_answers(dash):
    port = dash.port
    assert dash.token and len(dash.token) >= 32
    # What the adversarial run did: a bare websocket, no token, no Origin.
    assert websocket(port) == 401
    off_by_one = dash.token[:-1] + ("A" if dash.token[-1] != "A" else "B")
    for wrong in ({"Cookie": f"gt_dashboard_token_{port}=not-the-token-at-all"},
                  cookie(dash, off_by_one), {"Authorization": f"Bearer {off_by_one}"},
                  {"Authorization": f"Basic {dash.token}"},
                  {"Cookie": f"gt_dashboard_token_{port + 1}={dash.token}"}):  # another's
        assert websocket(port, wrong) == 401
        assert status(port, "/", wrong) == 401
    assert websocket(port, path=f"/ws?token={off_by_one}") == 401
    for path in ("/", "/?token=", f"/?token={off_by_one}", "/static/js/textual.js",
                 "/static/", "/download/x", "/no-such-page"):
        response, body = get(port, path)
        assert response.status == 401, path
        assert "<code>gt dashboard</code> printed" in body
        assert NO_APP not in body and "textual.js" not in body
        assert response.getheader("Set-Cookie") is None


def test_the_printed_url_keeps_the_secret_in_a_cookie_and_moves_on(dash, town_root):
    runtime = town_root / ".runtime"
    kept = runtime / "dashboard.token"
    assert kept.read_text().strip() == dash.token
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700

    response, body = get(dash.port, f"/?token={dash.token}&fontsize=18")
    assert response.status == 200
    set_cookie = response.getheader("Set-Cookie")
    assert set_cookie.startswith(f"gt_dashboard_token_{dash.port}={dash.token};")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in set_cookie
    assert response.getheader("Cache-Control") == "no-store"
    # Moves on to the same address without the secret; the app is not served under it.
    assert 'location.replace("/?fontsize=18")' in body and 'content="0;url=/?fontsize=18"' in body
    assert dash.token not in body and NO_APP not in body


def test_the_cookie_alone_opens_page_assets_and_websocket(dash):
    port = dash.port
    response, body = get(port, "/", cookie(dash))
    assert response.status == 200 and NO_APP in body
    assert response.getheader("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy")
    assert status(port, "/static/js/textual.js", cookie(dash)) == 200
    assert status(port, "/", {"Authorization": f"Bearer {dash.token}"}) == 200
    own = cookie(dash) | {"Origin": f"http://127.0.0.1:{port}"}
    assert websocket(port, own, frames=1) == 101


def test_the_page_points_its_websocket_at_the_host_it_was_loaded_from(dash):
    response, body = get(dash.port, "/", cookie(dash) | {"Host": f"localhost:{dash.port}"})
    assert response.status == 200
    assert f'data-session-websocket-url="ws://localhost:{dash.port}/ws"' in body
    assert "fonts.googleapis.com" not in body


def test_another_sites_page_cannot_open_the_websocket(dash):
    port = dash.port
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port + 1}",
                   f"http://localhost:{port}"):  # not the Host it was opened under
        assert websocket(port, cookie(dash) | {"Origin": origin}) == 403, origin
        assert status(port, "/", cookie(dash) | {"Origin": origin}) == 403


def test_dns_rebinding_is_refused(dash):
    port = dash.port
    for host in (f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1"):
        rebound = cookie(dash) | {"Host": host}
        response, body = get(port, "/", rebound)
        assert response.status == 403, host
        assert NO_APP not in body and f"127.0.0.1:{port}" in body
        assert status(port, "/static/js/textual.js", rebound) == 403
        assert websocket(port, rebound | {"Origin": f"http://{host}"}) == 403
    for host in (f"localhost:{port}", f"[::1]:{port}"):
        assert status(port, "/", cookie(dash) | {"Host": host}) == 200


def test_every_address_answers_to_this_machine_only_with_the_token(wild):
    port = wild.port
    assert wild.token == ENV_TOKEN and "every address" in wild.output()
    address = lan_address()
    if address:  # a machine with a route: the URL for other machines works, token and all
        assert f"other machines open http://{address}:{port}/?token={ENV_TOKEN}" \
            in wild.output()
        assert get(port, f"/?token={ENV_TOKEN}", host=address)[0].status == 200
    assert status(port) == 401 and websocket(port) == 401
    for host in (f"{socket.gethostname()}:{port}", f"10.9.8.7:{port}", f"localhost:{port}"):
        assert status(port, "/", cookie(wild) | {"Host": host}) == 200, host
    assert status(port, "/", cookie(wild) | {"Host": f"evil.example:{port}"}) == 403


def command_lines() -> str:
    out = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            out.append(entry.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return "\n".join(out)


def test_the_secret_is_on_no_command_line_and_stays_with_the_server(dash, wild, filed,
                                                                     token_file):
    assert filed.token == FILE_TOKEN and "(read-only)" in filed.output()
    before = command_lines()

    async def open_tab():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"http://127.0.0.1:{wild.port}/ws", headers={
                    "Authorization": f"Bearer {ENV_TOKEN}"}) as ws:
                assert (await ws.receive(timeout=30)).type == aiohttp.WSMsgType.BINARY
                tabs = descendants(wild.proc.pid)
                environs = [Path(f"/proc/{pid}/environ").read_bytes() for pid in tabs]
                return tabs, environs, command_lines()

    tabs, environs, during = asyncio.run(open_tab())
    assert tabs and all(b"GT_DASHBOARD_TOKEN" not in env and ENV_TOKEN.encode() not in env
                        for env in environs)
    for lines in (before, during):
        for token in (dash.token, ENV_TOKEN, FILE_TOKEN):
            assert token not in lines
    assert f"--token-file {token_file}" in before


def test_a_read_only_dashboards_websocket_runs_a_read_only_app(filed):
    async def open_tab():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"http://127.0.0.1:{filed.port}/ws", headers={
                    "Authorization": f"Bearer {FILE_TOKEN}"}) as ws:
                assert (await ws.receive(timeout=30)).type == aiohttp.WSMsgType.BINARY
                return [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                        for pid in descendants(filed.proc.pid)]

    apps = [argv for argv in asyncio.run(open_tab()) if b"gastown_tui.web" in argv]
    assert apps and all(b"--read-only" in argv for argv in apps)


PROBE = r"""
say() { printf '%s %s\n' "$1" "$2"; }
for port in $PORTS; do
  if exec 3<>/dev/tcp/127.0.0.1/$port; then
    printf '%s\r\n' "GET /ws HTTP/1.1" "Host: 127.0.0.1:$port" "Connection: Upgrade" \
      "Upgrade: websocket" "Sec-WebSocket-Version: 13" \
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" "" >&3
    read -r -t 10 line <&3
    say "ws-$port" "${line%$'\r'}"
    exec 3<&-
  fi
done
say town-listed "$(ls "$TOWN" >/dev/null 2>&1; echo $?)"
say runtime-listed "$(ls "$TOWN/.runtime" >/dev/null 2>&1; echo $?)"
say kept-token-read "$(cat "$TOWN/.runtime/dashboard.token" >/dev/null 2>&1; echo $?)"
say token-file-read "$(cat "$TOKEN_FILE" >/dev/null 2>&1; echo $?)"
say environ-read "$(cat /proc/$SERVER/environ >/dev/null 2>&1; echo $?)"
say cmdline-read "$(cat /proc/$SERVER/cmdline >/dev/null 2>&1; echo $?)"
echo ---
for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null; echo; done
"""


@pytest.fixture
def other_user():
    """A throwaway second user of this machine, removed at the end."""
    if os.geteuid() != 0:
        pytest.skip("creating a second local user needs root (CI runs as root)")
    name = f"gtweb{os.getpid() % 100000}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/false", name],
                   check=True, capture_output=True)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def test_another_user_can_neither_drive_the_dashboard_nor_read_its_secret(
        other_user, town_root, token_file, dash, wild, filed):
    # The town and the token file's folder open to others, as a home folder often is: what
    # keeps the secret is its own file's mode and the runtime folder's.
    for folder in (town_root.parent, town_root):
        os.chmod(folder, 0o755)
    done = subprocess.run(
        ["bash", "-c", PROBE], user=other_user.pw_uid, group=other_user.pw_gid,
        extra_groups=[], cwd="/", capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PORTS": f"{dash.port} {wild.port} {filed.port}",
             "TOWN": str(town_root), "TOKEN_FILE": str(token_file),
             "SERVER": str(wild.proc.pid)})
    said = dict(line.split(" ", 1) for line in done.stdout.split("\n---\n")[0].splitlines())
    for port in (dash.port, wild.port, filed.port):
        assert said[f"ws-{port}"] == "HTTP/1.1 401 Unauthorized", done.stdout[:2000]
    assert said["town-listed"] == "0" and said["cmdline-read"] == "0"  # it can look around
    for denied in ("runtime-listed", "kept-token-read", "token-file-read", "environ-read"):
        assert said[denied] != "0", denied
    for token in (dash.token, ENV_TOKEN, FILE_TOKEN):
        assert token not in done.stdout
    assert "gastown_tui" in done.stdout  # it did read the dashboards' command lines


def test_open_gives_the_browser_a_private_page_not_the_secret(town_root, tmp_path,
                                                              monkeypatch):
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the URL for %s: a stand-in that writes it down, as
    # every user would read it in `ps`.
    monkeypatch.setenv("BROWSER", f"{sys.executable} -c \"import sys; "
                       f"open({str(opened)!r}, 'w').write(sys.argv[1])\" %s")
    with Dashboard(town_root, "--open") as running:
        deadline = time.monotonic() + 10
        while not (opened.exists() and opened.read_text()):
            assert time.monotonic() < deadline, running.output()
            time.sleep(0.05)
        given = opened.read_text()
        page = town_root / ".runtime" / f"dashboard-open-{running.port}.html"
        assert given == page.as_uri() and running.token not in given
        assert stat.S_IMODE(page.stat().st_mode) == 0o600
        assert f'location.replace("{running.url}")' in page.read_text()
    assert not page.exists()  # gone with the server


def gt(cwd, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GT, *args], cwd=cwd, env=clean_env(**env), capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("args, env, words", [
    (["--port", "0"], {}, "--port 0 is not a port"),
    (["--port", "70000"], {}, "is not a port"),
    (["--port", "http"], {}, "not a valid integer"),
    (["--bind", "example.com"], {}, "is not an IP address"),
    (["--token", "a-token-of-my-own-1234"], {}, "--token puts the secret where every user"),
    (["--token-file", "/no/such/file"], {}, "cannot read --token-file /no/such/file"),
    (["--token-file", "/etc/passwd"], {}, "chmod 600 /etc/passwd"),
    (["--token-file", "/etc"], {}, "--token-file /etc is not a file"),
    ([], {"GT_DASHBOARD_TOKEN": "short"}, "GT_DASHBOARD_TOKEN must be 16-256 characters"),
    (["--new-token"], {"GT_DASHBOARD_TOKEN": "a-token-of-my-own-1234"},
     "--new-token replaces the token the town keeps"),
    (["--wat"], {}, "No such option"),
])
def test_bad_usage_is_one_line_and_exit_2(town_root, args, env, words):
    done = gt(town_root, "dashboard", "--port", str(free_port()), *args, **env)
    assert done.returncode == 2, done
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == "" and "dashboard for" not in done.stderr


def test_outside_a_town(tmp_path):
    done = gt(tmp_path, "dashboard", "--port", str(free_port()))
    assert done.returncode == 1
    assert "not inside a town" in done.stderr and "Traceback" not in done.stderr


def test_a_busy_port_is_an_error_not_a_url(town_root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = gt(town_root, "dashboard", "--port", str(port))
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert "dashboard for" not in done.stderr and "Traceback" not in done.stderr


def test_an_address_this_machine_does_not_have(town_root):
    done = gt(town_root, "dashboard", "--port", str(free_port()), "--bind", "192.0.2.1")
    assert done.returncode == 1
    assert "not an address of this machine" in done.stderr
