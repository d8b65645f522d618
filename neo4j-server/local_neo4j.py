"""A local Neo4j Community server for development, tests and benchmarks (standard library only).

``./dev neo4j`` runs one in the foreground; the tests and scripts start one in the background::

    from local_neo4j import LocalNeo4j

    with LocalNeo4j.start(home=some_empty_dir) as server:   # builds the launcher when needed
        server.uri, server.user, server.password             # bolt://127.0.0.1:PORT, neo4j, …

The server is the real DBMS (``org.neo4j:neo4j``, the version pinned in ``pom.xml``, the same as
docker-compose.yml's image) started in-process by ``Main.java``. :func:`build` compiles it with
Maven once and again only when ``pom.xml`` or the sources change (a stamp in ``target/``); Maven
takes the jars from Maven Central into its usual cache (``~/.m2``).
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LocalNeo4j", "LauncherError", "build", "java_command", "free_port", "HERE"]

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target"
STAMP = TARGET / ".built"
MAIN_CLASS = "powermap.neo4j.Main"
#: the heap of a local server: a transaction may use 70 % of it (Neo4j's default), and an import is one
DEFAULT_HEAP = "1g"
DEFAULT_PAGECACHE_MB = 128
#: Neo4j's own JVM flags (from its launcher): Netty and the page cache reach into these modules
JVM_FLAGS = ("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
             "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true",
             "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError")


class LauncherError(RuntimeError):
    """The local server could not be built or started; the message says why and what to do."""


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in [HERE / "pom.xml", *sorted((HERE / "src").rglob("*"))]:
        if path.is_file():
            digest.update(str(path.relative_to(HERE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LauncherError(f"the local Neo4j server needs {name!r} on PATH (Java 17 and Maven 3.8+; "
                            "`./dev neo4j` and `./dev test` install Debian's openjdk-17-jdk-headless and maven "
                            "when run as root)")
    return found


def build(say: Callable[[str], None] = lambda text: None) -> None:
    """Compile the launcher and copy its jars into ``target/`` unless the stamp says it is current."""
    wanted = _sources_digest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    mvn = _tool("mvn")
    _tool("java")
    say("building the local Neo4j server (mvn compile in neo4j-server; jars from Maven Central, "
        "about 125 MB the first time)")
    result = subprocess.run([mvn, "--batch-mode", "--quiet", "--no-transfer-progress", "clean", "compile"],
                            cwd=HERE, capture_output=True, text=True)
    if result.returncode:
        output = (result.stdout + result.stderr).strip()[-4000:]
        raise LauncherError(f"building the local Neo4j server failed (mvn exit {result.returncode}):\n{output}")
    STAMP.write_text(wanted)


def java_command(home: Path, *, port: int, password: str | None = None, heap: str = DEFAULT_HEAP,
                 pagecache_mb: int = DEFAULT_PAGECACHE_MB, stop_on_stdin_eof: bool = False,
                 settings: dict[str, str] | None = None) -> list[str]:
    """The ``java …`` command line of a server on 127.0.0.1:``port`` keeping its files in ``home``;
    ``settings``: more Neo4j settings (name → value), e.g. ``{"db.memory.transaction.max": "64m"}``."""
    classpath = os.pathsep.join([str(TARGET / "classes"), str(TARGET / "lib" / "*")])
    command = [_tool("java"), f"-Xmx{heap}", *JVM_FLAGS, "-cp", classpath, MAIN_CLASS,
               "--home", str(home), "--port", str(port), "--pagecache-mb", str(pagecache_mb)]
    if password is not None:
        command += ["--password", password]
    if stop_on_stdin_eof:
        command += ["--stop-on-stdin-eof", "true"]
    for name, value in (settings or {}).items():
        command += ["--setting", f"{name}={value}"]
    return command


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalNeo4j:
    """A running local server; :meth:`stop` (or leaving the ``with`` block) shuts it down cleanly."""

    uri: str
    user: str
    password: str
    home: Path
    process: subprocess.Popen = field(repr=False)

    @classmethod
    def start(cls, home: Path, *, port: int | None = None, password: str | None = None,
              heap: str = DEFAULT_HEAP, pagecache_mb: int = DEFAULT_PAGECACHE_MB,
              settings: dict[str, str] | None = None, timeout: float = 300.0) -> LocalNeo4j:
        """Build if needed, start a server in ``home`` and wait until Bolt answers.

        The server also stops when this process dies (it watches the pipe to its standard input),
        so no orphan keeps the port. Its own messages go to ``home/launcher.log``.
        """
        build()
        home = Path(home).resolve()
        home.mkdir(parents=True, exist_ok=True)
        command = java_command(home, port=port or free_port(), password=password, heap=heap,
                               pagecache_mb=pagecache_mb, stop_on_stdin_eof=True, settings=settings)
        log = open(home / "launcher.log", "ab")
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        finally:
            log.close()
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout] + [lines.put(b"")],
                         daemon=True, name="neo4j-stdout").start()
        try:
            line = lines.get(timeout=timeout).decode()
        except queue.Empty:
            _stop(process)
            raise LauncherError(f"the local Neo4j server did not answer within {timeout:.0f} s "
                                f"(see {home / 'launcher.log'} and {home / 'logs' / 'debug.log'})") from None
        if not line.startswith("NEO4J_URI="):
            _stop(process)
            tail = (home / "launcher.log").read_text(errors="replace")[-2000:]
            raise LauncherError(f"the local Neo4j server exited before Bolt answered "
                                f"(exit {process.returncode}):\n{tail}")
        values = dict(part.split("=", 1) for part in line.split())
        return cls(values["NEO4J_URI"], values["NEO4J_USER"], values["NEO4J_PASSWORD"], home, process)

    def stop(self, timeout: float = 60.0) -> int:
        """Shut the DBMS down (SIGTERM, as Ctrl-C would); its exit code."""
        return _stop(self.process, timeout)

    def __enter__(self) -> LocalNeo4j:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop(process: subprocess.Popen, timeout: float = 60.0) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout):
        if stream:
            stream.close()
    return process.returncode
