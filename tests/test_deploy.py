"""The deployment examples (deploy/): the compose file is valid YAML with the services docs/DEPLOY.md names
and no secret inside, and every setting the examples name is documented in README's configuration table.
(Docker itself is not run here.)"""
from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTING = re.compile(r"\b((?:FAQBOT|LINE)_[A-Z0-9_]+)\b")
SECRETS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "FAQBOT_USER_HASH_SALT", "FAQBOT_SECRET_KEY",
           "PGPASSWORD", "POSTGRES_PASSWORD")


def readme_settings() -> set[str]:
    """The names in the first column of README's configuration table."""
    names = set()
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_the_compose_file_is_valid_yaml_with_the_documented_services():
    spec = compose()
    services = spec["services"]
    assert {"postgres", "app1", "app2", "builder"} <= set(services)
    for name in ("app1", "app2", "builder"):
        app = services[name]            # the shared settings came through the YAML merge key
        assert app["env_file"] == ["faqbot.env"] and app["environment"]["FAQBOT_ENV"] == "production"
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    app_volumes = [services[n]["volumes"][0].split(":")[0] for n in ("app1", "app2", "builder")]
    assert len(set(app_volumes)) == 3   # every host its own disk: builds travel through the database
    assert set(app_volumes) <= set(spec["volumes"])
    assert services["builder"]["profiles"] == ["tools"]


def test_no_secret_is_written_into_the_examples():
    spec = compose()
    for name, service in spec["services"].items():
        environment = service.get("environment") or {}
        assert not set(environment) & set(SECRETS), name
        assert all(not re.search(r"://[^/@\s]*:[^/@\s]*@", str(v)) for v in environment.values()), name  # URL passwords
    example = (DEPLOY / "faqbot.env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        key, _, value = line.partition("=")
        if key in SECRETS:
            assert value == "", line
        assert not re.search(r"://[^/@\s]*:[^/@\s]*@", line), line
    for unit in (DEPLOY / "systemd").iterdir():
        assert not any(s + "=" in unit.read_text(encoding="utf-8") for s in SECRETS), unit.name


def test_every_setting_the_examples_name_is_in_the_readme_table():
    documented = readme_settings()
    assert {"FAQBOT_DATABASE_URL", "FAQBOT_INDEX_SHARE", "FAQBOT_INDEX_SYNC_SECONDS"} <= documented
    files = [DEPLOY / "compose.yaml", DEPLOY / "faqbot.env.example", *sorted((DEPLOY / "systemd").iterdir())]
    for path in files:
        named = set(SETTING.findall(path.read_text(encoding="utf-8")))
        assert named or path.suffix == ".timer", path.name
        assert named <= documented, (path.name, sorted(named - documented))


def test_the_systemd_units_have_what_systemd_needs():
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {u.name for u in units} >= {"faqbot.service", "faqbot-purge.service", "faqbot-purge.timer",
                                       "faqbot-backup.service", "faqbot-backup.timer", "faqbot-build-index.service"}
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read_string(unit.read_text(encoding="utf-8"))
        if unit.suffix == ".service":
            assert parser["Service"]["ExecStart"].strip(), unit.name
            assert parser["Service"]["User"] == "faqbot", unit.name   # never root
        else:
            assert parser["Timer"]["OnCalendar"], unit.name
            assert (DEPLOY / "systemd" / unit.name.replace(".timer", ".service")).exists()
    server = (DEPLOY / "systemd" / "faqbot.service").read_text(encoding="utf-8")
    assert "gunicorn -w 2" in server and "wsgi:app" in server and "127.0.0.1:8000" in server
