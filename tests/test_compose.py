"""
The production-like deployment (docker-compose.yml, Dockerfile) and .env.example.

There is no Docker engine in CI, so most of these tests read the files instead of running
them; the Dockerfile's collectstatic step is run for real (test_dockerfile_collectstatic_step_runs),
and .ci/production-smoke runs the production settings under gunicorn.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_FILE = ROOT / "sorplan" / "settings.py"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {"db", "redis", "web", "worker", "beat", "mailpit"}
# The services that run sorplan's own code (and so read its settings).
APP_SERVICES = ("web", "worker", "beat")

# env.str("NAME", ...), env.db_url("NAME"), env("NAME"), os.environ.get("NAME"),
# os.environ["NAME"], os.getenv("NAME")
SETTINGS_ENV_READ = re.compile(
    r"""\b(?:env(?:\.\w+)?\(|os\.environ\.get\(|os\.getenv\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# "NAME=value" or "# NAME=value" (a commented-out default still documents the variable).
ENV_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def load_compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services():
    return load_compose()["services"]


def command_words(service):
    """The service's command as a list of words, whether written as a list or a string."""
    command = service.get("command") or []
    if isinstance(command, str):
        return shlex.split(command)
    # ["sh", "-c", "a && b"]: look inside the shell string too.
    words = []
    for part in command:
        words.extend(shlex.split(part) if " " in part else [part])
    return words


def command_text(service):
    return " ".join(command_words(service))


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def mounts(service):
    """(source, target) of each of the service's volumes, short or long syntax."""
    pairs = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            pairs.append((volume.get("source"), volume.get("target")))
        else:
            source, target, *_options = volume.split(":")
            pairs.append((source, target))
    return pairs


def env_example_names():
    return set(ENV_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def settings_env_names():
    return set(SETTINGS_ENV_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8")))


def runs_beat(service):
    words = command_words(service)
    if "celery" not in words:
        return False
    # "celery beat" on its own, or a worker with an embedded beat (-B / --beat).
    return "beat" in words or "-B" in words or "--beat" in words


def test_all_services_exist():
    assert SERVICES <= set(services()), f"missing: {sorted(SERVICES - set(services()))}"


def test_web_migrates_then_runs_gunicorn_with_the_wsgi_app():
    text = command_text(services()["web"])
    assert re.search(r"\bgunicorn\s+sorplan\.wsgi(:application)?\b", text), text
    assert "--bind 0.0.0.0:8000" in text
    assert "migrate --noinput" in text
    assert text.index("migrate --noinput") < text.index("gunicorn"), "migrate before serving"


GUNICORN_CONFIG = "deploy/gunicorn.conf.py"
# Every place that starts gunicorn in production or measures it: the same config file,
# and no option there that the file should own.
GUNICORN_LAUNCHERS = (
    "Dockerfile",
    "docker-compose.yml",
    ".ci/production-smoke",
    "bench/management/commands/loadtest.py",
)


@pytest.mark.parametrize("path", GUNICORN_LAUNCHERS)
def test_gunicorn_is_started_with_the_one_config_file(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "gunicorn" in text
    assert GUNICORN_CONFIG in text, f"{path} starts gunicorn without {GUNICORN_CONFIG}"
    for option in ("--workers", "--threads", "--worker-class", "-w "):
        assert option not in text, f"{path} overrides {option.strip()} of {GUNICORN_CONFIG}"


def test_gunicorn_config_serves_with_threads_sized_by_the_environment():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    config = ["--config", GUNICORN_CONFIG, "--print-config", "sorplan.wsgi:application"]

    sizing = ("WEB_CONCURRENCY", "GUNICORN_THREADS")
    clean = {k: v for k, v in os.environ.items() if k not in sizing}

    def printed(**env):
        out = subprocess.run(
            [str(gunicorn), *config],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return dict(re.findall(r"^(\w+)\s+= (.*)$", out, re.MULTILINE))

    default = printed()
    assert default["worker_class"] == "gthread"
    assert (default["workers"], default["threads"]) == ("3", "4")
    sized = printed(WEB_CONCURRENCY="2", GUNICORN_THREADS="8")
    assert (sized["workers"], sized["threads"]) == ("2", "8")
    for name in sizing:
        assert name in env_example_names()


def test_worker_runs_a_celery_worker_for_sorplan():
    text = command_text(services()["worker"])
    assert re.search(r"\bcelery -A sorplan worker\b", text), text
    assert not runs_beat(services()["worker"]), "the worker must not embed a beat"


def test_exactly_one_beat_and_it_is_not_scaled():
    beats = [name for name, service in services().items() if runs_beat(service)]
    # Two beats send every periodic task twice.
    assert beats == ["beat"], f"services running celery beat: {beats}"
    beat = services()["beat"]
    assert re.search(r"\bcelery -A sorplan beat\b", command_text(beat))
    assert beat.get("deploy", {}).get("replicas", 1) <= 1
    assert beat.get("scale", 1) <= 1


def test_beat_keeps_its_schedule_file_on_a_volume():
    beat = services()["beat"]
    words = command_words(beat)
    assert "--schedule" in words, "beat must be told where its schedule file is"
    schedule = words[words.index("--schedule") + 1]
    targets = [target for _source, target in mounts(beat)]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in targets), (
        f"{schedule} is not on any of beat's volumes {targets}"
    )


@pytest.mark.parametrize(
    ("name", "probe"),
    [("db", "pg_isready"), ("redis", "redis-cli"), ("web", "/konto/log-ind/")],
)
def test_service_has_a_healthcheck(name, probe):
    healthcheck = services()[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    test = healthcheck["test"]
    test_text = test if isinstance(test, str) else " ".join(test)
    assert probe in test_text, test_text


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_db_and_redis(name):
    depends_on = services()[name].get("depends_on")
    # The short list form cannot wait for health, only for the container to start.
    assert isinstance(depends_on, dict), f"{name}: depends_on must use conditions"
    for dependency in ("db", "redis"):
        assert dependency in depends_on, f"{name} does not depend on {dependency}"
        assert depends_on[dependency].get("condition") == "service_healthy"


def test_postgres_data_is_on_a_named_volume():
    compose = load_compose()
    named = set(compose.get("volumes") or {})
    db_mounts = mounts(compose["services"]["db"])
    assert any(
        source in named and target == "/var/lib/postgresql/data" for source, target in db_mounts
    ), f"db volumes: {db_mounts}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_production_settings(name):
    env = environment(services()[name])
    assert str(env.get("DEBUG")).lower() in {"0", "false", "off", "no"}
    # The secret comes from the operator (compose stops when it is missing), never the file.
    assert str(env.get("SECRET_KEY", "")).startswith("${SECRET_KEY:?")
    assert env.get("DATABASE_URL", "").startswith("postgres://")
    assert env.get("CELERY_BROKER_URL", "").startswith("redis://")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_environment_is_documented_in_env_example(name):
    undocumented = set(environment(services()[name])) - env_example_names()
    assert not undocumented, f"{name} gets variables missing from .env.example: {undocumented}"


def test_settings_env_reads_are_found():
    # Guards the regex: if it stopped matching, the next test would pass on nothing.
    found = settings_env_names()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SORPLAN_VAR_DIR", "EMAIL_PORT"} <= found
    assert "PYTEST_VERSION" not in found, "pytest's own variable is not configuration"


def test_every_variable_settings_reads_is_in_env_example():
    missing = settings_env_names() - env_example_names()
    assert not missing, f"settings.py reads variables missing from .env.example: {missing}"


def test_env_example_lists_the_test_redis():
    assert "TEST_REDIS_URL" in env_example_names()


def test_dockerfile_builds_the_production_image():
    # Reads the text only (no Docker engine here); the next test runs its collectstatic step.
    # One logical line per instruction: join backslash continuations.
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    assert re.search(r"^FROM python:3\.12-slim\b", text, re.MULTILINE)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "gettext"):
        assert package in text, f"Dockerfile does not install {package}"
    assert "pip install -r requirements.lock" in text
    # collectstatic must see DEBUG off, or whitenoise's manifest is missing in production.
    assert re.search(r"\bDEBUG=0 [^\n]*\bpython manage\.py collectstatic\b", text)
    assert "compilemessages" in text


def test_dockerfile_collectstatic_step_runs(tmp_path):
    """The Dockerfile's build step, run as it is there: DEBUG=0 with its placeholder
    secret and host, so the manifest storage production serves from is really built."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    step = re.search(
        r"RUN (DEBUG=0 [^&]*?python manage\.py collectstatic[^&]*?)(?: &&|$)", text, re.M
    )
    assert step, "the Dockerfile has no DEBUG=0 collectstatic step"
    words = shlex.split(step.group(1))
    assignments = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    command = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
    assert command[:2] == ["python", "manage.py"], command
    env = {
        key: value
        for key, value in os.environ.items()
        # Not the test run's own variables: pytest's switches settings to development.
        if key not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(assignments)
    env.update(STATIC_ROOT=str(tmp_path / "static"), SORPLAN_ENV_FILE=str(tmp_path / "none"))
    result = subprocess.run(
        [sys.executable, *command[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "vendor/dkfds-11.2.0/css/dkfds.min.css" in manifest["paths"]
    assert (tmp_path / "static" / manifest["paths"]["css/sorplan.css"]).is_file()
