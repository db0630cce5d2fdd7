"""Every ```python block of README.md runs, in order, as a reader would paste them.

So the README's tour can never rot: an API change that breaks it fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograd as ag

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a Markdown text, in order."""
    return _BLOCK.findall(text)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run seeded, in a scratch directory, and restore the global default dtype afterwards."""
    monkeypatch.chdir(tmp_path)
    ag.manual_seed(0)  # the tour draws random inputs: the same ones on every run
    previous = ag.get_default_dtype()
    yield
    ag.set_default_dtype(previous)


def test_python_blocks_are_found() -> None:
    blocks = python_blocks("text\n```python\nx = 1\n```\n```bash\nls\n```\n```python\ny = 2\n```\n")
    assert blocks == ["x = 1\n", "y = 2\n"]
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md has no python block"


def test_readme_python_blocks_run(isolated: None) -> None:
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for number, block in enumerate(python_blocks(README.read_text(encoding="utf-8")), start=1):
        code = compile(block, f"README.md python block {number}", "exec")
        exec(code, namespace)
