"""Module and Parameter: the building blocks of networks, as in PyTorch.

A Module registers what is assigned to its attributes: a `Parameter` becomes
a parameter, a Module a submodule, and `register_buffer` adds state that is
saved but not trained (BatchNorm's running statistics). Registration keeps
definition order, which fixes the order of `parameters()` and the dotted
names of `state_dict()` (`fc1.weight`, `0.bias`). Registered values also live
in the instance `__dict__`, so reading `self.weight` in a forward costs a plain
attribute lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad (unless told otherwise) and registers itself when assigned
    to a Module attribute. `Parameter(data)`: data as for Tensor (an array keeps its dtype)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped: keys the module has that the dict lacks,
    and keys of the dict the module does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _type_name(value: Any) -> str:
    return type(value).__name__


class Module:
    """Base class of every layer and network: subclass it, assign parameters and submodules
    in `__init__` (after `super().__init__()`), and define `forward`. Call the module to run it.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ---- registration ---------------------------------------------------------------------
    def _registry(self, name: str) -> dict:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(
                f"cannot register to {_type_name(self)} before Module.__init__() is called; "
                "call super().__init__() first in your __init__"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")
            self._registry("_parameters")[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            self._registry("_modules")[name] = value
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign {_type_name(value)} as parameter {name!r} of "
                    f"{_type_name(self)} (nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign {_type_name(value)} as child module {name!r} of "
                    f"{_type_name(self)} (nn.Module or None expected)"
                )
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {_type_name(value)} as buffer {name!r} of "
                    f"{_type_name(self)} (Tensor or None expected)"
                )
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: str = "") -> None:
        """Remove `name` from every registry but `keep` (which it is about to be written to,
        keeping its position there)."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__.get(registry, {}).pop(name, None)
        self.__dict__.get("_non_persistent", set()).discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a placeholder such as a disabled bias) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: cannot register {_type_name(param)} as parameter "
                f"{name!r} (nn.Parameter or None expected)"
            )
        self._check_name("register_parameter", name, "_parameters")
        self._forget(name, keep="_parameters")
        self._registry("_parameters")[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not a parameter (not trained, no grad) but is saved in the
        state_dict unless `persistent=False`: running statistics, counters."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: cannot register {_type_name(tensor)} as buffer {name!r} "
                "(Tensor or None expected)"
            )
        self._check_name("register_buffer", name, "_buffers")
        self._forget(name, keep="_buffers")
        self._registry("_buffers")[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (the same as assigning it as an attribute)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {_type_name(module)} is not a Module")
        self._check_name("add_module", name, "_modules")
        self._forget(name, keep="_modules")
        self._registry("_modules")[name] = module
        object.__setattr__(self, name, module)

    def _check_name(self, op: str, name: str, registry: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{op}: name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__ and name not in self._registry(registry):
            raise KeyError(f"{op}: attribute {name!r} already exists")

    # ---- running ----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{_type_name(self)} has no forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- traversal ----------------------------------------------------------------------------
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (name '') and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(
                    memo, f"{prefix}.{name}" if prefix else name, remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct child."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct children."""
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, registry: str, prefix: str, recurse: bool
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) in definition order; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse)  # type: ignore[return-value]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters in definition order (pass them to an optimizer)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) in definition order."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers in definition order."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn on every descendant, then on this module (e.g. custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (True) or evaluation mode (False) here and in every descendant.

        Each child's own `train` is called, as in PyTorch, so a submodule that
        overrides it (e.g. to keep a frozen BatchNorm in eval) is obeyed.
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient recording for every parameter on or off (freeze a part of a network)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: set it to None (or fill it with zeros)."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.data.fill(0)

    # ---- state ---------------------------------------------------------------------------------
    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, tensor) of everything a state_dict holds, shared ones under each name."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    yield dot + name, param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    yield dot + name, buffer

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and persistent buffer by dotted name, as NumPy arrays.

        The arrays are copies: later training does not change a state dict
        taken earlier (keep one as a best-so-far snapshot).
        """
        return {name: tensor.data.copy() for name, tensor in self._state_items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values (arrays, Tensors or numbers) into the parameters and buffers.

        Every key is checked before anything is copied, so on any error
        nothing changes: missing or unexpected keys raise a RuntimeError when
        `strict`, a shape mismatch always does. Returns the keys that were
        missing and unexpected.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to arrays, got "
                f"{_type_name(state_dict)}"
            )
        targets = dict(self._state_items())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if strict and unexpected:
            errors.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
            )
        values = {}
        for name, tensor in targets.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != tensor.shape:
                errors.append(
                    f"size mismatch for {name}: copying a value of shape {array.shape} from "
                    f"the state dict, the shape in the current model is {tensor.shape}"
                )
            elif array.dtype.kind not in "biuf":
                errors.append(
                    f"dtype mismatch for {name}: cannot copy a value of dtype {array.dtype} "
                    f"into a {tensor.dtype} tensor"
                )
            else:
                values[name] = array
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {_type_name(self)}:\n\t" + "\n\t".join(errors)
            )
        for name, array in values.items():
            tensor = targets[name]
            np.copyto(tensor.data, array, casting="unsafe")
            tensor.bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ---- printing --------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The module's own settings for its repr, e.g. `in_features=4, out_features=3`."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        head = f"{_type_name(self)}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"
