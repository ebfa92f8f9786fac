"""Production mode refuses to start without its secrets; development needs nothing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    env["SORPLAN_ENV_FILE"] = "/nonexistent/.env"  # a developer's .env must not leak in
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_with_a_clear_message():
    result = start(
        {"DJANGO_SETTINGS_MODULE": "sorplan.settings", "ALLOWED_HOSTS": "sorplan.example.dk"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY mangler" in result.stderr


def test_production_without_allowed_hosts_stops_with_a_clear_message():
    result = start({"DJANGO_SETTINGS_MODULE": "sorplan.settings", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS mangler" in result.stderr


def test_production_with_both_starts():
    result = start(
        {
            "DJANGO_SETTINGS_MODULE": "sorplan.settings",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "sorplan.example.dk",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Europe/Copenhagen", "da"]


def test_development_needs_no_variable():
    result = start({"DJANGO_SETTINGS_MODULE": "sorplan.settings", "DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_embedded_defaults(settings):
    from django.conf import settings as live

    assert live.USE_TZ is True
    assert [code for code, _ in live.LANGUAGES] == ["da", "en"]
    assert (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").exists()
    assert (ROOT / "locale" / "da" / "LC_MESSAGES" / "django.po").exists()


def test_a_local_env_file_fills_in_what_the_environment_does_not_set(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\n", encoding="utf-8")
    result = start({"DJANGO_SETTINGS_MODULE": "sorplan.settings"})
    assert result.returncode != 0  # no .env: production mode refuses
    result = start(
        {"DJANGO_SETTINGS_MODULE": "sorplan.settings", "SORPLAN_ENV_FILE": str(env_file)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
    # The real environment wins over the file.
    result = start(
        {
            "DJANGO_SETTINGS_MODULE": "sorplan.settings",
            "SORPLAN_ENV_FILE": str(env_file),
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "sorplan.example.dk",
        }
    )
    assert result.returncode == 0 and result.stdout.split()[0] == "False"
