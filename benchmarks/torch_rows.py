"""PyTorch for the optional comparison rows: imported only when installed, on one thread."""

from __future__ import annotations

import functools
import importlib.util
from typing import Any


@functools.cache
def torch_or_none() -> Any:
    """The `torch` module limited to one thread, or None when it is not installed."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before torch's first parallel work
        pass
    return torch
