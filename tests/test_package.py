"""The installable package: `python -m build` makes a wheel carrying every runtime file, and
that wheel, installed (not editable) into a fresh virtualenv, runs the demo, a map export
and the server from a folder outside the checkout.

To keep the run short the fresh virtualenv gets only the wheel (``--no-deps``); the
dependencies it declares are taken from the test environment's site-packages through a
path file (not its ``.pth`` files, so the editable checkout stays invisible), and
``pip check`` verifies them against the wheel's metadata. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

#: every file the installed package reads at run time: each script and stylesheet of the maps,
#: the default cadence policy, the demo workbook
RUNTIME_FILES = ("graph/analysis/cadence_policy.toml", "powermap/data/demo.xlsx",
                 *(f"viz/static/{p.name}" for p in sorted((REPO / "viz" / "static").iterdir())))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh virtualenv's bin folder, the wheel's file names)."""
    tmp = tmp_path_factory.mktemp("package")
    # `python -m build` as a release would run it: the sdist first, the wheel built from it (so nothing
    # left over in the checkout's build/ can slip in); --no-isolation: this environment's setuptools
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp / "dist"),
                            str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next((tmp / "dist").glob("powermap-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    venv.EnvBuilder(with_pip=False).create(tmp / "venv")
    bin_dir = tmp / "venv" / "bin"
    site = subprocess.run([bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "_powermap_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=300)
    assert "powermap" not in check.stdout, check.stdout  # every dependency the wheel declares is there
    return bin_dir, names


def test_the_wheel_carries_every_runtime_file(installed):
    _, names = installed
    assert set(RUNTIME_FILES) <= set(names)
    assert not any(name.startswith(("tests/", "bench/", "demo/")) for name in names)


def test_the_installed_wheel_runs_the_demo_a_map_and_the_server(installed, tmp_path):
    bin_dir, _ = installed
    env = {**os.environ, "POWERMAP_DB": str(tmp_path / "store.db"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)

    def powermap(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / "powermap"), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300, **kwargs)

    where = subprocess.run([bin_dir / "python", "-c", "import powermap, viz, graph; print(powermap.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert str(bin_dir.parent) in where  # the wheel's copy, not the checkout
    from powermap import __version__
    assert powermap("--version").stdout.strip() == f"powermap, version {__version__}"
    demo = powermap("demo", "--no-serve")
    assert demo.returncode == 0, demo.stderr
    assert "powermap show A-G1" in demo.stdout
    mapped = powermap("map", "A-G1", "-o", "x.html")
    assert mapped.returncode == 0, mapped.stderr
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    # self-contained: its scripts (read from the installed package) inlined, nothing loaded from elsewhere
    assert "华东重工集团" in page and page.count("<script") >= 2 and " src=" not in page

    with socket.socket() as probe:  # a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(bin_dir / "powermap"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    health = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert health is not None, server.stderr.read() if server.poll() is not None else "no answer"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/map.js", timeout=5) as response:
            assert response.status == 200  # a packaged script, served
    finally:
        server.terminate()
        server.wait(timeout=30)
