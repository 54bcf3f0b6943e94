"""The setup a newcomer and an operator rely on: package names, Makefile, CI, compose.

There is no Docker engine in CI, so docker-compose.yml is checked statically: it must
parse, name exactly the services DESIGN.md lists, start modules that exist and pass
only environment variables that the settings read.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
OWN_DISTRIBUTION = "itsm-service-desk"
COMPOSE_SERVICES = {"postgres", "redis", "web", "worker", "beat"}
APP_SERVICES = ("web", "worker", "beat")


def top_level_names() -> set[str]:
    """Import names the project puts on sys.path when run from its root."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    modules = {path.stem for path in ROOT.glob("*.py")}
    return packages | modules


def settings_env_names() -> set[str]:
    """Every environment variable name that itsm/settings.py reads."""
    tree = ast.parse((ROOT / "itsm" / "settings.py").read_text())
    readers = {"env_bool", "env_int", "env_list", "get", "getenv"}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in readers and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(ast.literal_eval(node.slice))
    return names


# --- package names ------------------------------------------------------------------------


def test_no_top_level_package_shadows_an_installed_distribution():
    installed = importlib.metadata.packages_distributions()
    clashes = {
        name: dists for name in top_level_names()
        if (dists := [d for d in installed.get(name, []) if d != OWN_DISTRIBUTION])
    }
    assert not clashes, f"project packages shadow installed distributions: {clashes}"


def test_no_top_level_package_shadows_the_standard_library():
    assert not top_level_names() & set(sys.stdlib_module_names)


def test_service_requests_is_the_app_and_requests_is_left_to_the_http_library():
    assert not (ROOT / "requests").exists()
    assert (ROOT / "service_requests" / "__init__.py").is_file()
    assert "service_requests" in settings.INSTALLED_APPS
    assert "requests" not in settings.INSTALLED_APPS


def test_the_project_apps_are_what_design_lists():
    expected = {"itsm", "catalog", "incidents", "service_requests", "problems", "changes",
                "improvement", "metrics"}
    assert expected <= top_level_names()
    assert expected <= set(settings.INSTALLED_APPS)


# --- Makefile and CI ----------------------------------------------------------------------


def makefile_targets() -> dict[str, str]:
    """target -> its recipe."""
    targets: dict[str, str] = {}
    current = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if match := re.match(r"^([^\s#:=]+):(?!=)", line):
            current = match.group(1)
            targets[current] = ""
        elif line.startswith("\t") and current:
            targets[current] += line.strip() + "\n"
    return targets


def test_makefile_has_the_commands_the_readme_promises():
    targets = makefile_targets()
    assert {"run", "test", "lint", "bench", "migrate", "seed", "clean"} <= set(targets)
    assert "rundev" in targets["run"]
    assert "-n auto" in targets["test"] and "pytest" in targets["test"]
    assert "pip install" in (targets["$(STAMP)"])
    assert "seed_demo" in targets["seed"]


def test_ci_exports_the_services_and_requires_them():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in script
    for line in ('export DATABASE_URL="postgres://postgres@127.0.0.1:5432/itsm"',
                 'export REDIS_URL="redis://127.0.0.1:6379/0"',
                 "export REQUIRE_SERVICES=1"):
        assert line in script
    assert script.rstrip().endswith("make test")
    assert "chromium" in script


def test_the_demo_logins_cover_every_role():
    from itsm.base.roles import ALL_ROLES
    from itsm.management.commands.seed_demo import DEMO_LOGINS

    assert sorted(role for role, _username in DEMO_LOGINS) == sorted(ALL_ROLES)


# --- docker-compose.yml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def module_level_names(module: str) -> set[str]:
    """Names a module binds at import, read from its source (importing itsm.wsgi would
    start an application)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"no module {module}"
    tree = ast.parse(Path(spec.origin).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_has_exactly_the_designed_services(compose):
    assert set(compose["services"]) == COMPOSE_SERVICES


def test_every_compose_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_app_services_wait_for_healthy_postgres_and_redis(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        for dependency in ("postgres", "redis"):
            assert depends[dependency]["condition"] == "service_healthy", name


def test_compose_commands_start_modules_that_exist(compose):
    services = compose["services"]
    web = command_text(services["web"])
    assert "migrate" in web and web.index("migrate") < web.index("gunicorn")
    target = re.search(r"gunicorn\s+([\w.]+):(\w+)", web)
    assert target, web
    module, attribute = target.groups()
    assert attribute in module_level_names(module), f"{module} defines no {attribute}"
    for name, role in (("worker", "worker"), ("beat", "beat")):
        command = command_text(services[name])
        assert re.search(rf"celery -A (\w+) {role}\b", command), command
        app_module = re.search(r"-A (\w+)", command).group(1)
        assert "celery_app" in module_level_names(app_module)


def test_compose_environment_is_what_settings_read(compose):
    read = settings_env_names()
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(environment)
        unknown = set(environment) - read
        assert not unknown, f"{name} sets variables settings never read: {unknown}"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379")


def test_compose_refuses_to_start_without_a_secret_key(compose):
    assert ":?" in compose["services"]["web"]["environment"]["SECRET_KEY"]


def test_the_settings_read_the_documented_variables():
    names = settings_env_names()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "TIME_ZONE",
            "EMAIL_HOST", "DEBUG"} <= names
    readme = (ROOT / "README.md").read_text()
    undocumented = {name for name in names if f"`{name}`" not in readme}
    assert not undocumented, f"README.md does not document: {sorted(undocumented)}"


def test_dockerfile_runs_as_an_unprivileged_user_on_python_311():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "pip install" in dockerfile


# --- settings readers and the image's entrypoint -------------------------------------------


def load_settings_helpers():
    """itsm.settings' env helpers, without re-running the whole settings module."""
    source = (ROOT / "itsm" / "settings.py").read_text()
    tree = ast.parse(source)
    wanted = [node for node in tree.body if isinstance(node, ast.FunctionDef)
              and node.name in {"env_bool", "env_int", "env_list"}]
    namespace: dict = {"os": __import__("os")}
    from django.core.exceptions import ImproperlyConfigured

    namespace["ImproperlyConfigured"] = ImproperlyConfigured
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "settings", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("reader", "value"), [("env_int", "ten"), ("env_bool", "maybe")])
def test_a_bad_environment_value_is_an_error_naming_the_variable(monkeypatch, reader, value):
    from django.core.exceptions import ImproperlyConfigured

    helpers = load_settings_helpers()
    monkeypatch.setenv("ITSM_PROBE", value)
    with pytest.raises(ImproperlyConfigured, match="ITSM_PROBE"):
        helpers[reader]("ITSM_PROBE", 1)
    monkeypatch.setenv("ITSM_PROBE", "")
    assert helpers[reader]("ITSM_PROBE", 1) == 1


def test_testserver_is_not_a_host_outside_the_tests():
    source = (ROOT / "itsm" / "settings.py").read_text()
    default = re.search(r'ALLOWED_HOSTS = env_list\("ALLOWED_HOSTS", "([^"]*)"\)', source)
    assert default and "testserver" not in default.group(1)


def test_the_image_refuses_an_unsafe_configuration_before_it_starts():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/docker-entrypoint.sh"]' in dockerfile
    script = (ROOT / "docker-entrypoint.sh").read_text()
    assert "manage.py check --deploy --fail-level ERROR" in script and 'exec "$@"' in script
    assert (ROOT / "docker-entrypoint.sh").stat().st_mode & 0o111


def test_the_deploy_check_refuses_the_development_key(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.SECRET_KEY = settings.INSECURE_DEV_SECRET_KEY
    with pytest.raises(SystemCheckError, match="itsm.E001"):
        call_command("check", deploy=True, fail_level="ERROR")


def test_every_list_view_filters_with_the_default_backends():
    """Views name no filter backends of their own (one list of them, in settings)."""
    from django.urls import get_resolver
    from rest_framework.settings import api_settings

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                view = getattr(pattern.callback, "cls", None)
                if view is not None:
                    yield view

    listed = [view for view in views(get_resolver().url_patterns)
              if getattr(view, "filterset_class", None)]
    assert listed
    for view in listed:
        assert view.filter_backends == api_settings.DEFAULT_FILTER_BACKENDS, view
