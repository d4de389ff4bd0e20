"""docker-compose.yml and the Dockerfile describe web, worker, PostgreSQL and Redis."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_is_accepted():
    """`docker compose config` accepts the file where a Compose CLI exists."""
    command = compose_command()
    if command is not None:
        result = subprocess.run(
            [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
            capture_output=True,
            text=True,
            env={**os.environ, "SECRET_KEY": "test"},
        )
        assert result.returncode == 0, result.stderr
    config = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = config["services"]
    assert set(services) == {"web", "worker", "db", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert "celery" in services["worker"]["command"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_dockerfile_installs_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "python:3.11" in dockerfile
    assert "requirements/lock.txt" in dockerfile


def test_wsgi_module_warms_the_app_and_leaves_no_connection(django_db_blocker):
    """gunicorn preloads ``regie_site.wsgi`` before forking: the app is loaded (views,
    templates) and no database connection is left to be shared by the workers."""
    import sys

    from django.db import connections

    with django_db_blocker.unblock():
        from regie_site import wsgi
        from regie_site.warmup import warm_up

        warm_up(wsgi.application)
    assert "coding.views.workbench" in sys.modules
    assert all(c.connection is None for c in connections.all())
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert "preload_app = True" in config
