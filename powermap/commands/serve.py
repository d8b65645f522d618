"""``powermap serve``: the HTTP API (FastAPI under uvicorn)."""

from __future__ import annotations

import signal
import socket

import click

from graph.exceptions import PowermapError
from powermap.cli import app, err, open_cli_store, out, store_opener
from powermap.commands.keys import api_settings, api_state

__all__ = ["serve", "run_server", "listen", "PortUnavailable"]

#: The key `powermap serve` makes for its sign-in link is named ``serve@<host>:<port>`` (one
#: per server, as several servers may share one API state; replaced at each start, revoked at exit).
SERVE_KEY = "serve"


def serve_key_name(port: int) -> str:
    """The sign-in key's name of the server on ``port`` of this machine."""
    return f"{SERVE_KEY}@{socket.gethostname()}:{port}"


@app.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port.")
@click.option("--no-sign-in-link", is_flag=True,
              help="Do not make the browser sign-in key (an admin key named 'serve') or print its link.")
def serve(host: str, port: int, no_sign_in_link: bool) -> None:
    """Run the HTTP API: REST resources, bulk import, exports, webhooks, /docs.

    Every endpoint but /healthz needs an API key (`powermap keys create`). Unless
    --no-sign-in-link, a key named 'serve' (admin, PII) is made for this run and a
    sign-in link carrying it is printed, as Jupyter does; it is revoked when the server
    stops. The API's own state (keys, sessions, audit log, webhooks) lives in the Neo4j
    database with --store neo4j, shared by every server on it (run several behind a load
    balancer), else beside the store, in POWERMAP_API_DB (default: <store>.api.db).

    \b
    Examples:
      powermap serve
      powermap --db /data/powermap.db serve --host 0.0.0.0 --port 8080
      powermap --store neo4j serve --port 8001     # a second server on the same Neo4j
    """
    run_server(host, port, no_sign_in_link=no_sign_in_link)


class PortUnavailable(PowermapError):
    """The address to serve on is taken (another server runs there) or not ours to use."""

    exit_code = 2  # bad usage: choose another --port


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), before anything else happens: a busy port fails here,
    with one line, before a sign-in key is made (or the running server's key revoked)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        shown = f"[{host}]" if ":" in host else host
        raise PortUnavailable(f"cannot listen on {shown}:{port}: {error.strerror or error} "
                              "(is another powermap running there? choose another --port)") from error
    return sock


def run_server(host: str, port: int, *, no_sign_in_link: bool = False, sock: socket.socket | None = None) -> None:
    """Serve the API on ``sock`` (bound here to host:port when not given), with the sign-in link."""
    import uvicorn

    from api.app import create_app
    from api.security import is_loopback_host
    from api.state import KeyNotFound

    sock = sock or listen(host, port)
    port = sock.getsockname()[1]  # the real one when --port 0 asked for any
    settings = api_settings()
    open_cli_store().close()  # fail now (exit 4) if the store cannot be opened
    state = api_state()
    key_name = serve_key_name(port)
    if not no_sign_in_link:
        try:
            state.revoke_key(key_name, by="serve")
        except KeyNotFound:
            pass
        _, secret = state.create_key(key_name, "admin", pii=True, by="serve")
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        shown = f"[{shown}]" if ":" in shown else shown
        err.print("Open the maps in a browser with this link (it carries an admin key for this run; "
                  "the API's docs are at /docs):", markup=False)
        out.print(f"  http://{shown}:{port}/login?key={secret}&next=/", markup=False, soft_wrap=True)
    if not is_loopback_host(host):
        err.print(f"warning: listening on {host} over plain HTTP: keys and data travel in clear; "
                  "put a TLS proxy in front", markup=False)
    # uvicorn re-raises the signal that stopped it once it has shut down: turn SIGTERM, like
    # Ctrl-C, into KeyboardInterrupt so that the sign-in key is revoked on the way out
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        web_app = create_app(settings, open_store=open_cli_store, open_state=api_state, worker_store=store_opener())
        config = uvicorn.Config(web_app, host=host, port=port, log_level="info", server_header=False)
        server = uvicorn.Server(config)
        stop = server.handle_exit

        def handle_exit(sig: int, frame: object) -> None:
            # uvicorn waits for running requests before it stops: stop the imports among them first
            web_app.state.running_imports.cancel_all("the server is shutting down")
            stop(sig, frame)

        server.handle_exit = handle_exit  # type: ignore[method-assign]
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        err.print("stopped", markup=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not no_sign_in_link:
            try:
                state.revoke_key(key_name, by="serve")
            except KeyNotFound:
                pass
        state.close()
        sock.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
