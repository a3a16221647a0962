"""`policies` is the pure layer: it imports nothing of the project and reads no files.

The gateway reads rulesets and loads facts; `policies` gets them as arguments. A file read or
a project import in here would make decisions depend on more than their recorded inputs.
"""

import ast
from pathlib import Path

import pytest

import policies

SOURCES = sorted(Path(policies.__file__).parent.rglob("*.py"))
# The project's other top-level packages.
PROJECT = frozenset({"gateway", "channels", "transcription", "bot", "bench", "tests"})
# Standard modules whose business is I/O. Only the pure path class may come from pathlib.
IO_MODULES = frozenset(
    {"os", "io", "shutil", "tempfile", "glob", "socket", "subprocess", "urllib", "http"}
    | {"sqlite3", "importlib", "pathlib"}
)
PURE_PATHLIB = frozenset({"PurePath", "PurePosixPath"})


def _problems(source: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        modules: list[tuple[str, str | None]]
        if isinstance(node, ast.Import):
            modules = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            modules = [(node.module, alias.name) for alias in node.names]
        else:
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                problems.append(f"line {node.lineno}: open()")
            continue
        for module, name in modules:
            root = module.split(".")[0]
            if root == "pathlib" and name in PURE_PATHLIB:
                continue
            if root in PROJECT or root in IO_MODULES:
                problems.append(f"line {node.lineno}: imports {module}")
    return problems


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_policies_does_no_io_and_imports_nothing_of_the_project(source: Path) -> None:
    assert _problems(source) == []


def test_the_file_loaders_are_gone() -> None:
    # Reading, choosing and caching rulesets is gateway.outreach.rulesets' job now.
    loaders = ("load_ruleset", "ruleset_for", "default_ruleset", "_load_path")
    constants = ("RULESETS", "DEFAULT_RULESET", "RULESET_DIR", "COLLECTOR_TYPES")
    for name in (*loaders, *constants):
        assert not hasattr(policies, name), name
        assert not hasattr(policies.ruleset, name), name
