"""13.3 (serve), 13.9 (serve), 13.10 (serve): `handbill serve` serves only regular files that
are not dotfiles, lists no folder, times idle connections out, says one line when its port is
taken or a client drops a download, rebuilds on the main thread and re-reads handbill.toml."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import Cli, default_sigint
from pipeline import build as build_stage
from pipeline.config import load_config
from pipeline.serve import Server
from security.helpers import fill, project

BIN = Path(sys.executable).parent


@pytest.fixture
def built(tmp_path):
    root = project(tmp_path / "proj")
    Cli(root)("build", "--jobs", "1")
    return root


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def server(built):
    srv = Server(load_config(built), 0, watch=False, timeout=0.5).start()
    yield srv
    srv.stop()


def test_serves_pages_but_no_symlink_dotfile_or_listing(built, server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    out = built / "output"
    (out / "es/demo/planted.txt").symlink_to(secret)
    (out / "es/linked").symlink_to(tmp_path, target_is_directory=True)
    assert _status(server.url + "index.html") == 200
    assert _status(server.url + "es/demo/leaflet.pdf") == 200
    assert _status(server.url) == 200  # a folder with an index.html shows it
    for path in ("es/demo/planted.txt", "es/linked/secret.txt", "es/demo/.build-stamp.json",
                 ".handbill-output", ".site-stamp", "es/demo/", "packs/", "es/demo/cards/",
                 "es/demo/%2e%2e/%2e%2e/index.html", "..%2f..%2fhandbill.toml",
                 "es/demo/render.json/.."):
        status = _status(server.url + path)
        assert status in (403, 404), (path, status)
    body = urllib.request.urlopen(server.url + "index.html", timeout=10).read()
    assert b"TOP-SECRET" not in body


def _threads() -> int:
    return threading.active_count()


def test_idle_connections_time_out_and_their_threads_end(built):
    server = Server(load_config(built), 0, watch=False, timeout=1.5).start()
    before = _threads()
    host, port = server.httpd.server_address[:2]
    sockets = []
    try:
        for _ in range(50):
            conn = socket.create_connection((host, port), timeout=5)
            conn.sendall(b"GET /index.html HTTP/1.1\r\n")  # half a request, then silence
            sockets.append(conn)
        deadline = time.monotonic() + 5
        while _threads() < before + 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _threads() >= before + 10, "the server did take the connections"
        deadline = time.monotonic() + 10
        while _threads() > before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _threads() <= before, f"{_threads() - before} threads still held"
        assert _status(server.url + "index.html") == 200, "still serving"
    finally:
        for conn in sockets:
            conn.close()
        server.stop()


def _stop(proc: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """Ctrl-C the server and collect its output; kill it if it outlives `timeout`."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


def test_a_client_dropping_a_download_prints_no_traceback(built, tmp_path):
    big = built / "output/es/demo/leaflet.pdf"
    big.write_bytes(os.urandom(8 << 20))  # 8 MB: more than the socket buffers hold
    proc = subprocess.Popen([str(BIN / "handbill"), "--project", str(built), "serve",
                             "--port", "0", "--no-watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=default_sigint)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving "), line  # (reading stderr here would wait forever)
        url = line.split(" at ")[1].split()[0]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        for _ in range(3):
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"GET /es/demo/leaflet.pdf HTTP/1.1\r\nHost: x\r\n\r\n")
            conn.recv(1000)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()  # a reset mid-download
        time.sleep(1)
        assert _status(url + "index.html") == 200
    finally:
        out, err = _stop(proc, 30)
    assert "Traceback" not in err and "Error" not in err, err


def test_a_port_in_use_is_one_line(built):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        started = time.monotonic()
        result = Cli(built)("serve", "--port", str(port), "--no-watch", expect=1)
    finally:
        taken.close()
    assert time.monotonic() - started < 30
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_rebuilds_run_on_the_main_thread_and_reread_handbill_toml(built):
    """A change is rebuilt by the thread that calls run(); a broken handbill.toml is one error
    line and the last good output keeps being served; fixing it rebuilds."""
    cfg = load_config(built)
    calls: list[tuple[str, tuple]] = []
    errors: list[str] = []

    def rebuild(new_cfg):
        build_stage.build(new_cfg, options=build_stage.BuildOptions(jobs=1))
        calls.append((threading.current_thread().name, new_cfg.languages))

    srv = Server(cfg, 0, watch=True, interval=0.1, timeout=2).start()
    config = built / "handbill.toml"
    good = config.read_text()
    steps = iter([
        lambda: fill(built, "es", prefix="NUEVO"),
        lambda: config.write_text(good + "[project\nbroken"),
        lambda: config.write_text(good.replace('"es"', '"es", "fr"')),
    ])
    seen: list[str] = []

    def driver():
        try:
            for step in steps:
                done = len(calls) + len(errors)
                step()
                deadline = time.monotonic() + 60
                while len(calls) + len(errors) == done and time.monotonic() < deadline:
                    time.sleep(0.1)
                seen.append(urllib.request.urlopen(srv.url + "es/index.html", timeout=10)
                            .read().decode())
        finally:
            srv.stopping.set()

    thread = threading.Thread(target=driver)
    thread.start()
    try:
        srv.run(rebuild, errors.append)
    finally:
        thread.join(timeout=120)
        srv.stop()
    assert [name for name, _ in calls] == ["MainThread", "MainThread"], calls
    assert "NUEVO Free them all" in seen[0]
    assert len(errors) == 1 and "handbill.toml:" in errors[0] and "\n" not in errors[0], errors
    assert "NUEVO Free them all" in seen[1], "the last good output is still served"
    assert calls[-1][1] == ("es", "fr"), "the fixed handbill.toml is read again"


def test_serve_command_prints_one_line_for_a_broken_handbill_toml(built):
    proc = subprocess.Popen([str(BIN / "handbill"), "--project", str(built), "serve",
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, preexec_fn=default_sigint)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving "), line
        time.sleep(1.5)
        (built / "handbill.toml").write_text("[project]\nlanguages = [\"es\"]\nwrap = -3\n")
        time.sleep(4)
    finally:
        out, err = _stop(proc, 60)
    assert "handbill.toml:3: [project] wrap" in err, err
    assert "Traceback" not in err
