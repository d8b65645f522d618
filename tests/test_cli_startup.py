"""The CLI answers at once: heavy libraries are imported only by the commands that need them
(checked on ``sys.modules``, not by timing; `bench/cli_bench.py` measures), the command
table behind ``powermap --help`` matches the commands, shell completion and ``--version``."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib.metadata import version

import powermap
from powermap.cli import app
from powermap.commands import COMMANDS

HEAVY = ("pandas", "numpy", "networkx", "scipy", "fastapi", "openpyxl", "pyvis", "uvicorn")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The heavy top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = code + f"\nimport json, sys; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_and_its_help_import_no_heavy_library():
    assert _loaded_after("import powermap.cli") == set()
    assert _loaded_after("from powermap.cli import main; main(['--help'])") == set()


def test_listing_accounts_imports_no_heavy_library(tmp_path):
    db = str(tmp_path / "s.db")
    subprocess.run([sys.executable, "-m", "powermap", "--db", db, "import", "demo/demo.xlsx"], check=True,
                   capture_output=True, timeout=300, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert _loaded_after(f"from powermap.cli import main; main(['--db', {db!r}, 'accounts'])") == set()
    assert _loaded_after(f"from powermap.cli import main; main(['--db', {db!r}, 'stats'])") == set()
    # the tree needs the graph (NetworkX) but not the history's strength derivation (pandas, NumPy)
    assert _loaded_after(f"from powermap.cli import main; main(['--db', {db!r}, 'show', 'A-G1'])") == {"networkx"}


def test_the_tree_without_the_history_is_the_same_tree(tmp_path):
    from graph.embedded import EmbeddedStore
    from graph.tree import account_tree
    from importers import import_paths
    from powermap.wiring import DEMO_WORKBOOK

    with EmbeddedStore(tmp_path / "demo.db") as store:
        import_paths([DEMO_WORKBOOK], store)
        for account in ("A-G1", "A-JN"):
            assert account_tree(store.account_subgraph(account, history=False)) == \
                account_tree(store.account_subgraph(account))


def test_the_command_table_matches_the_commands_the_modules_register():
    for module in {m for m, _ in COMMANDS.values()}:
        importlib.import_module(f"powermap.commands.{module}")
    missing, stale = set(app.commands) - set(COMMANDS), set(COMMANDS) - set(app.commands)
    assert not missing, f"add {sorted(missing)} to powermap.commands.COMMANDS (module, first sentence of its help)"
    assert not stale, f"{sorted(stale)} in powermap.commands.COMMANDS are no command"
    for name, (module, summary) in COMMANDS.items():
        command = app.commands[name]
        assert command.callback.__module__ == f"powermap.commands.{module}", name
        assert command.get_short_help_str(limit=10_000) == summary, f"update {name}'s summary in COMMANDS"


def test_help_lists_every_command(run):
    code, out, _ = run("--help")
    assert code == 0 and all(f"  {name} " in out for name in COMMANDS)


def test_shell_completion_the_click_way():
    powermap_exe = os.path.join(os.path.dirname(sys.executable), "powermap")
    script = subprocess.run([powermap_exe], env={**os.environ, "_POWERMAP_COMPLETE": "bash_source"},
                            capture_output=True, text=True, timeout=60)
    assert "complete " in script.stdout and "_POWERMAP_COMPLETE" in script.stdout
    words = subprocess.run([powermap_exe], capture_output=True, text=True, timeout=60, env={
        **os.environ, "_POWERMAP_COMPLETE": "bash_complete", "COMP_WORDS": "powermap acc", "COMP_CWORD": "1"})
    assert words.stdout.split() == ["plain,accounts"]
    options = subprocess.run([powermap_exe], capture_output=True, text=True, timeout=60, env={
        **os.environ, "_POWERMAP_COMPLETE": "bash_complete", "COMP_WORDS": "powermap template --la",
        "COMP_CWORD": "2"})
    assert "plain,--lang" in options.stdout.split()


def test_version_comes_from_one_place(run):
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"powermap, version {powermap.__version__}"
    assert version("powermap") == powermap.__version__
