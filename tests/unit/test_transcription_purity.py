"""`transcription` is pure of the gateway: it imports nothing of the project's other packages
and does no network I/O (the gateway passes a ``fetch`` callable; models load from disk)."""

import ast
from pathlib import Path

import pytest

import transcription

SOURCES = sorted(Path(transcription.__file__).parent.rglob("*.py"))
FORBIDDEN = frozenset(
    {"gateway", "channels", "policies", "bot", "bench", "tests"}
    | {"socket", "urllib", "http", "aiohttp", "requests", "httpx", "huggingface_hub"}
)


def _imports(source: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_there_are_sources_to_check() -> None:
    assert len(SOURCES) > 5


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_imports_nothing_of_the_gateway_and_no_network(source: Path) -> None:
    assert not _imports(source) & FORBIDDEN
