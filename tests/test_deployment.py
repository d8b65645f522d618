"""The team deployment: docker-compose.yml follows the Compose specification (checked with
the specification's own JSON schema, since Docker cannot run on the build machines) and
says what the README promises; the Dockerfile only copies what exists."""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
import shutil
import subprocess

import jsonschema
import pytest
import yaml

from conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    # compose-spec's schema (compose-spec/compose-spec, schema/compose-spec.json) as vendored
    # by check-jsonschema (its builtin "vendor.compose-spec"), installed with the dev extra
    text = (importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
            / "compose-spec.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["title"] == "Compose Specification"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def problems(validator: jsonschema.protocols.Validator, document: dict) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                  for e in validator.iter_errors(document))


def test_compose_file_follows_the_compose_specification(compose_validator, compose):
    assert problems(compose_validator, compose) == []


def _misspelt_condition(doc: dict) -> None:
    doc["services"]["api"]["depends_on"]["neo4j"]["condition"] = "service_healty"


def _unknown_top_level_key(doc: dict) -> None:
    doc["servces"] = doc.pop("services")


def _healthcheck_test_as_a_number(doc: dict) -> None:
    doc["services"]["neo4j"]["healthcheck"]["test"] = 1


def _unknown_service_key(doc: dict) -> None:
    doc["services"]["neo4j"]["healthchek"] = doc["services"]["neo4j"].pop("healthcheck")


@pytest.mark.parametrize("breakage", [_misspelt_condition, _unknown_top_level_key, _healthcheck_test_as_a_number,
                                      _unknown_service_key])
def test_the_schema_check_rejects_a_broken_compose_file(compose_validator, compose, breakage):
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert problems(compose_validator, broken)


def test_every_variable_uses_compose_interpolation_syntax():
    text = COMPOSE.read_text(encoding="utf-8")
    bare = re.sub(r"\$\$", "", text)  # $$ is a literal $ for the container's shell
    uses = re.findall(r"\$\{[^}]*\}|\$\w+|\$", bare)
    valid = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}")
    assert uses and all(valid.fullmatch(u) for u in uses), uses


def test_neo4j_service_is_neo4j_5_with_required_password_a_volume_and_a_cypher_healthcheck(compose):
    neo4j = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5[\d.]*-community", neo4j["image"])
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD:?")
    assert "neo4j-data:/data" in neo4j["volumes"] and "neo4j-data" in compose["volumes"]
    test = " ".join(neo4j["healthcheck"]["test"])
    assert "cypher-shell" in test and "'RETURN 1'" in test


def test_api_waits_for_a_healthy_neo4j_and_uses_it(compose):
    api = compose["services"]["api"]
    assert api["build"] == "."
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = api["environment"]
    assert env["POWERMAP_STORE"] == "neo4j" and env["NEO4J_URI"].endswith("//neo4j:7687")
    assert env["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD:?") and "POWERMAP_DEMO" in env


def test_dockerfile_copies_only_what_exists_and_loads_the_demo_on_request():
    copies = re.findall(r"^COPY\s+(.+?)\s+\S+$", DOCKERFILE.read_text(encoding="utf-8"), flags=re.M)
    sources = [s for line in copies for s in line.split()]
    assert sources and all((REPO / s).exists() for s in sources), sources
    script = ENTRYPOINT.read_text(encoding="utf-8")
    assert 'POWERMAP_DEMO' in script and "powermap demo" in script and 'exec "$@"' in script


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell to check the entrypoint with")
def test_entrypoint_is_valid_shell():
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)]).returncode == 0
