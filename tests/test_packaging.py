"""pyproject.toml (the source of truth) and environment.yml (for conda users) must list the same
dependencies with the same version bounds, so the two cannot drift apart."""
from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES: dict[str, str] = {}  # conda-forge name -> PyPI name, where the two differ


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pip_requirements() -> dict[str, str]:
    """Name -> version specifier of every dependency, extras (e.g. test) included."""
    project = pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return requirements(lines, "pyproject.toml")


def conda_requirements() -> dict[str, str]:
    """Name -> specifier from environment.yml: conda packages plus its `pip:` list, without
    python, pip itself and the editable install of the project."""
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    lines = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            lines += [line for line in entry.get("pip", []) if not line.startswith("-e")]
        elif Requirement(entry).name not in ("python", "pip"):
            lines.append(entry)
    return requirements(lines, "environment.yml")


def requirements(lines: list[str], source: str) -> dict[str, str]:
    found = {}
    for line in lines:
        requirement = Requirement(line)
        name = canonicalize_name(CONDA_NAMES.get(requirement.name, requirement.name))
        assert name not in found, f"{source} lists {name} twice"
        found[name] = str(requirement.specifier)
    return found


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    pip, conda = pip_requirements(), conda_requirements()
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"
    differing = {name: (pip[name], conda[name]) for name in pip if pip[name] != conda[name]}
    assert differing == {}, "version bounds differ (pyproject.toml, environment.yml)"


def test_python_version_matches():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    python = next(Requirement(entry) for entry in environment["dependencies"]
                  if isinstance(entry, str) and Requirement(entry).name == "python")
    assert str(python.specifier) == pyproject()["project"]["requires-python"]


def test_every_dependency_has_a_lower_bound():
    unbounded = [name for name, specifier in pip_requirements().items()
                 if not any(part.startswith((">=", "==", "~=")) for part in specifier.split(","))]
    assert unbounded == []


def installed_requirements() -> dict[str, str]:
    """Name -> specifier of what `make install` installs: the dependencies and the test extra."""
    project = pyproject()["project"]
    lines = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
    return requirements(lines, "pyproject.toml")


@pytest.mark.parametrize("name, specifier", sorted(installed_requirements().items()))
def test_installed_versions_satisfy_the_bounds(name, specifier):
    installed = metadata.version(name)
    assert Requirement(f"{name}{specifier}").specifier.contains(installed, prereleases=True), (
        f"{name} {installed} is installed but the project asks for {specifier}")
