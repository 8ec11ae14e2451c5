"""The set-up fits its purpose: requirements.txt pins exactly what building the site needs, requirements-test.txt
exactly the test tools on top, and both agree with pyproject.toml.

What a package needs is read from the metadata of the installed packages (the test set is installed when this runs).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pins(name: str) -> dict[NormalizedName, str]:
    """The `name==version` lines of a requirements file, by normalised name; `-r` includes are not followed."""
    found: dict[NormalizedName, str] = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.partition("#")[0].strip()
        if not line or line.startswith("-r "):
            continue
        requirement = Requirement(line)
        assert str(requirement.specifier).startswith("=="), f"{name}: {line} is not pinned with =="
        assert canonicalize_name(requirement.name) not in found, f"{name}: {requirement.name} is pinned twice"
        found[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return found


RUNTIME = pins("requirements.txt")
TESTING = pins("requirements-test.txt")


def declared(requirements: Iterable[str]) -> dict[NormalizedName, str]:
    return {canonicalize_name(r.name): str(r.specifier).removeprefix("==") for r in map(Requirement, requirements)}


def needed(requirements: Iterable[str]) -> set[NormalizedName]:
    """These requirements and, from the installed packages' metadata, everything they need in turn on this platform."""
    todo = [Requirement(r) for r in requirements]
    seen: set[tuple[NormalizedName, str]] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        for extra in ("", *requirement.extras):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for line in metadata.requires(name) or []:
                dependency = Requirement(line)
                marker = dependency.marker
                in_base = marker is None or marker.evaluate({"extra": ""})
                in_extra = bool(extra) and marker is not None and not in_base and marker.evaluate({"extra": extra})
                if in_extra if extra else in_base:
                    todo.append(dependency)
    return {name for name, _ in seen}


def test_the_runtime_file_pins_pyprojects_dependencies_and_the_test_file_its_test_tools() -> None:
    runtime = declared(PYPROJECT["project"]["dependencies"])
    tools = declared(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert {name: RUNTIME.get(name) for name in runtime} == runtime
    assert {name: TESTING.get(name) for name in tools} == tools


def test_no_test_tool_is_a_runtime_requirement_and_nothing_is_pinned_twice() -> None:
    assert (ROOT / "requirements-test.txt").read_text(encoding="utf-8").count("\n-r requirements.txt\n") == 1
    assert set(RUNTIME) & set(TESTING) == set()
    assert set(declared(PYPROJECT["project"]["optional-dependencies"]["test"])) & set(RUNTIME) == set()


def test_the_runtime_file_is_exactly_what_the_site_needs() -> None:
    """Every package the dependencies need is pinned, and nothing else is (setuptools installs the package itself)."""
    wanted = needed([*PYPROJECT["project"]["dependencies"], *PYPROJECT["build-system"]["requires"]])
    assert set(RUNTIME) - wanted == set(), "pinned in requirements.txt but not needed to build the site"
    assert wanted - set(RUNTIME) == set(), "needed to build the site but not pinned in requirements.txt"


def test_the_test_file_is_exactly_what_the_test_tools_add() -> None:
    runtime = needed([*PYPROJECT["project"]["dependencies"], *PYPROJECT["build-system"]["requires"]])
    wanted = needed(PYPROJECT["project"]["optional-dependencies"]["test"]) - runtime
    assert set(TESTING) - wanted == set(), "pinned in requirements-test.txt but not needed by a test tool"
    assert wanted - set(TESTING) == set(), "needed by a test tool but not pinned in requirements-test.txt"


def test_the_installed_versions_are_the_pinned_ones() -> None:
    installed = {name: metadata.version(name) for name in {**RUNTIME, **TESTING}}
    assert installed == {**RUNTIME, **TESTING}, "the environment differs from the pins: run `make test` to reinstall"
