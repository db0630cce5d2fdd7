"""save / load: state dicts (nested dicts, lists and tuples of arrays and plain values) in one
NumPy .npz file, written atomically and read without pickle.

The file holds the arrays as `a0`, `a1`, ... and the tree's structure as
JSON text in `__tree__` (a NumPy unicode array, never a pickled object).
JSON nodes: a str, int, float, bool or null is itself; containers and arrays
are tagged objects: {"dict": [[key, value], ...]} (keys keep their types:
an optimizer's int parameter indices stay ints), {"list": [...]},
{"tuple": [...]}, {"array": "a3"}, {"scalar": "a4"} (a NumPy scalar), and
{"float": "nan" | "inf" | "-inf"}.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor

_TREE = "__tree__"
_FORMAT = "glassgrad-checkpoint-1"


class _Encoder:
    """Walks a tree, collecting arrays and returning its JSON-ready structure."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, tag: str, array: np.ndarray, where: str) -> dict:
        if array.dtype.kind not in "biufcUS":
            raise TypeError(
                f"save: cannot save an array of dtype {array.dtype} at {where} "
                "(only numeric, bool and string arrays; object arrays would need pickle)"
            )
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return {tag: name}

    def encode(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, Tensor):
            return self._array("array", value.data, where)
        if isinstance(value, np.ndarray):
            return self._array("array", value, where)
        if isinstance(value, np.generic):
            return self._array("scalar", np.asarray(value), where)
        if isinstance(value, Mapping):
            items = []
            for key, item in value.items():
                if not (key is None or isinstance(key, bool | int | float | str | tuple)):
                    raise TypeError(
                        f"save: cannot save a dict key of type {type(key).__name__} at {where}"
                    )
                items.append([self.encode(key, where), self.encode(item, f"{where}[{key!r}]")])
            return {"dict": items}
        if isinstance(value, list | tuple):
            tag = "list" if isinstance(value, list) else "tuple"
            return {tag: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        raise TypeError(
            f"save: cannot save a value of type {type(value).__name__} at {where} (only dicts, "
            "lists, tuples, arrays, Tensors, numbers, strings, bools and None)"
        )


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` (a state dict, or nested dicts/lists/tuples of arrays and plain values)
    to a NumPy .npz file at exactly `path`.

    The data goes to a temporary file in the same folder, which is then
    renamed over `path`: a crash mid-write never leaves a half-written
    checkpoint, and an existing one stays intact until the new one is
    complete. Tensors are saved as their arrays.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist (saving to {path!r})")
    encoder = _Encoder()
    tree = {"format": _FORMAT, "root": encoder.encode(obj, "the root")}
    arrays = dict(encoder.arrays)
    arrays[_TREE] = np.array(json.dumps(tree))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp's file is private; make it normal
            np.savez(f, **arrays)  # no object arrays reach here: nothing is pickled
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray], path: str) -> None:
        self.arrays = arrays
        self.path = path

    def _bad(self, what: str) -> ValueError:
        return ValueError(f"load: {self.path!r} is not a valid checkpoint ({what})")

    def _array(self, name: Any) -> np.ndarray:
        if name not in self.arrays or name == _TREE:
            raise self._bad(f"it refers to a missing array {name!r}")
        return self.arrays[name]

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, dict) and len(node) == 1:
            ((tag, body),) = node.items()
            if tag == "dict" and isinstance(body, list):
                try:
                    return {_hashable(self.decode(k)): self.decode(v) for k, v in body}
                except (TypeError, ValueError) as err:
                    raise self._bad(f"a malformed dict: {err}") from None
            if tag in ("list", "tuple") and isinstance(body, list):
                items = [self.decode(v) for v in body]
                return items if tag == "list" else tuple(items)
            if tag == "array":
                return self._array(body)
            if tag == "scalar":
                return self._array(body)[()]
            if tag == "float" and body in ("nan", "inf", "-inf"):
                return float(body)
        raise self._bad(f"an unknown node {str(node)[:80]!r}")


def _hashable(key: Any) -> Any:
    if isinstance(key, list | dict | np.ndarray):
        raise TypeError(f"unhashable key of type {type(key).__name__}")
    return key


def _read_arrays(file: Any, path: str) -> dict[str, np.ndarray]:
    """Every array of the .npz file, read without pickle; ValueError for anything else."""
    try:
        loaded = np.load(file, allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err):  # neither .npy nor .npz: np.load would unpickle it
            raise ValueError(
                f"load: {path!r} is not a NumPy .npz file: it holds pickled data or is corrupt, "
                "and load never unpickles (that could run arbitrary code)"
            ) from None
        raise ValueError(f"load: {path!r} is corrupt or truncated ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(
            f"load: {path!r} is corrupt, truncated or not a NumPy .npz file ({err})"
        ) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {path!r} is a single .npy array, not a checkpoint written by nn.utils.save"
        )
    try:
        with loaded:
            return {name: loaded[name] for name in loaded.files}
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise ValueError(
                f"load: {path!r} contains pickled objects, which load refuses to unpickle "
                "(that could run arbitrary code)"
            ) from None
        raise ValueError(f"load: {path!r} is corrupt or truncated ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(f"load: {path!r} is corrupt or truncated ({err})") from None


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote: the same nesting (dict keys and tuples keep their types), with
    NumPy arrays and plain Python numbers, strings, bools and None.

    Never unpickles (NumPy's allow_pickle=False), so a checkpoint from a
    stranger cannot run code: a file that would need pickle, or a corrupt,
    truncated or foreign file, is a ValueError naming the file.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:  # opened here so that it is closed even when np.load fails
        arrays = _read_arrays(file, path)
    if _TREE not in arrays:
        raise ValueError(
            f"load: {path!r} is a .npz file but not a checkpoint written by nn.utils.save"
        )
    decoder = _Decoder(arrays, path)
    try:
        tree = json.loads(str(arrays[_TREE][()]))
    except (ValueError, TypeError) as err:
        raise decoder._bad(f"unreadable structure: {err}") from None
    if not isinstance(tree, dict) or tree.get("format") != _FORMAT or "root" not in tree:
        raise decoder._bad("unknown format")
    return decoder.decode(tree["root"])
