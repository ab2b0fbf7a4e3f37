"""The dashboard's doors, checked with a plain HTTP client: tokens, Host and Origin; and
`gt dashboard`'s bad input (one line, exit code, nothing served)."""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gastown_tui.web.server import lan_address
from web_helpers import GT, Dashboard, clean_env, free_port, make_town


@pytest.fixture(scope="module")
def town_root():
    base = Path(tempfile.mkdtemp(prefix="gt-web-http-"))
    try:
        make_town(base / "town", 1)
        yield base / "town"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def get(port: int, path: str = "/", headers: dict | None = None,
        websocket: bool = False, host: str = "127.0.0.1") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    headers = dict(headers or {})
    if websocket:
        headers.update({"Connection": "Upgrade", "Upgrade": "websocket",
                        "Sec-WebSocket-Version": "13",
                        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()})
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_beyond_loopback_a_token_is_generated_and_required(town_root):
    with Dashboard(town_root, "--bind", "0.0.0.0") as dash:
        token = dash.token
        assert token and len(token) >= 24
        assert "every address" in dash.output()
        port = dash.port
        address = lan_address()
        if address:  # a machine with a route: the URL for other machines works, token and all
            assert f"other machines open http://{address}:{port}/?token={token}" in dash.output()
            assert get(port, f"/?token={token}", host=address).status == 200
        assert get(port).status == 401
        assert get(port, "/?token=not-the-token").status == 401
        assert get(port, "/static/js/textual.js").status == 401
        assert get(port, "/ws", websocket=True).status == 401
        assert get(port, "/ws?token=wrong", websocket=True).status == 401

        page = get(port, f"/?token={token}")
        assert page.status == 200
        cookie = page.getheader("Set-Cookie")
        assert f"gt_dashboard_token_{port}={token}" in cookie and "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        cookie_header = {"Cookie": f"gt_dashboard_token_{port}={token}"}
        assert get(port, "/static/js/textual.js", cookie_header).status == 200
        assert get(port, "/", {"Authorization": f"Bearer {token}"}).status == 200
        # The page's own websocket (with the cookie) upgrades; one opened by another site's
        # page does not, even with the cookie.
        assert get(port, "/ws", cookie_header, websocket=True).status == 101
        foreign = dict(cookie_header, Origin="http://evil.example")
        assert get(port, "/ws", foreign, websocket=True).status == 403


def test_a_given_token_is_required_on_loopback_too(town_root):
    token = "a-token-of-my-own-1234"
    with Dashboard(town_root, "--token", token) as dash:
        assert dash.token == token
        assert get(dash.port).status == 401
        assert get(dash.port, f"/?token={token}").status == 200


def test_loopback_refuses_foreign_host_names_and_origins(town_root):
    with Dashboard(town_root) as dash:
        assert dash.token is None
        port = dash.port
        assert get(port).status == 200
        assert get(port, headers={"Host": f"localhost:{port}"}).status == 200
        # DNS rebinding: a name that resolves to 127.0.0.1 but is not ours.
        assert get(port, headers={"Host": f"attacker.example:{port}"}).status == 403
        assert get(port, "/ws", {"Origin": "http://attacker.example"},
                   websocket=True).status == 403
        assert get(port, "/ws", {"Origin": f"http://127.0.0.1:{port}"},
                   websocket=True).status == 101


def test_the_page_points_its_websocket_at_the_host_it_was_loaded_from(town_root):
    with Dashboard(town_root) as dash:
        conn = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=10)
        conn.request("GET", "/", headers={"Host": f"localhost:{dash.port}"})
        body = conn.getresponse().read().decode()
        conn.close()
        assert f'data-session-websocket-url="ws://localhost:{dash.port}/ws"' in body
        assert "fonts.googleapis.com" not in body


def test_open_hands_the_printed_url_to_the_browser(town_root, tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the URL for %s: a stand-in that writes it down.
    monkeypatch.setenv("BROWSER", f"{sys.executable} -c \"import sys; "
                       f"open({str(opened)!r}, 'w').write(sys.argv[1])\" %s")
    with Dashboard(town_root, "--bind", "0.0.0.0", "--open") as dash:
        deadline = time.monotonic() + 10
        while not (opened.exists() and opened.read_text()):
            assert time.monotonic() < deadline, dash.output()
            time.sleep(0.05)
        assert opened.read_text() == dash.url and "?token=" in dash.url


def gt(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GT, *args], cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("args, words", [
    (["--port", "0"], "--port 0 is not a port"),
    (["--port", "70000"], "is not a port"),
    (["--port", "http"], "not a valid integer"),
    (["--bind", "example.com"], "is not an IP address"),
    (["--token", "short"], "--token must be"),
    (["--token", "has spaces in it, sixteen+"], "--token must be"),
    (["--wat"], "No such option"),
])
def test_bad_usage_is_one_line_and_exit_2(town_root, args, words):
    done = gt(town_root, "dashboard", *args)
    assert done.returncode == 2, done
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


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
