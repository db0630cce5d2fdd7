"""Module and Parameter: registration, traversal order and names, modes, gradients, state
dicts (round trips, strict mode, all-or-nothing loading), repr, and the containers."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.register_buffer("steps", Tensor(np.zeros((), dtype=np.int64)))
        self.note = "not registered"

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.bn(self.fc1(x)))) * self.scale


# ---- Parameter -----------------------------------------------------------------------------
def test_parameter_requires_grad_and_keeps_an_arrays_dtype() -> None:
    p = nn.Parameter(np.zeros(3, dtype=np.float64))
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float64
    assert nn.Parameter([1.0, 2.0]).dtype == ag.get_default_dtype()
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\nTensor(")
    with pytest.raises(TypeError, match="only floating-point"):
        nn.Parameter(np.arange(3))


def test_layers_create_parameters_in_the_default_dtype(float64: None) -> None:
    assert nn.Linear(2, 3).weight.dtype == np.float64
    assert nn.BatchNorm1d(2).running_mean.dtype == np.float64
    assert nn.LayerNorm(2).weight.dtype == np.float64


def test_ops_on_parameters_give_plain_tensors() -> None:
    p = nn.Parameter(np.ones(2, dtype=np.float32))
    y = p * 2
    assert type(y) is Tensor and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(p.grad.data, [2, 2])


# ---- registration and traversal ----------------------------------------------------------------
def test_named_parameters_in_definition_order_with_dotted_names() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale",
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "fc2.weight",
    ]
    assert [p.shape for p in net.parameters()] == [(1,), (3, 4), (3,), (3,), (3,), (2, 3)]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_buffers()] == [
        "steps",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "act", "fc2"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net",
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Linear",
    ]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "bn", "act", "fc2"]
    assert net.note == "not registered" and "note" not in dict(net.named_parameters())


def test_sequential_names_parameters_by_index() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Sequential(nn.Linear(3, 1)))
    assert [n for n, _ in model.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.0.weight",
        "2.0.bias",
    ]


def test_shared_parameters_and_modules_appear_once() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3
    # the state dict names a shared tensor under each of its names, as PyTorch does
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_reassignment_and_deletion_update_the_registries() -> None:
    net = Net()
    order = [n for n, _ in net.named_parameters()]
    net.fc1 = nn.Linear(4, 5)  # replaced where it was: same position, new shapes
    net.scale = nn.Parameter(np.zeros(2))
    assert [n for n, _ in net.named_parameters()] == order
    assert dict(net.named_parameters())["fc1.weight"].shape == (5, 4)
    net.fc1 = None
    assert "fc1.weight" not in dict(net.named_parameters())
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError):
        _ = net.scale
    net.scale = 3.0  # now a plain attribute
    assert "scale" not in dict(net.named_parameters())


def test_assigning_the_wrong_kind_of_value_is_a_type_error() -> None:
    lin = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"cannot assign Tensor as parameter 'weight'"):
        lin.weight = Tensor(np.zeros((3, 2)))
    seq = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match=r"cannot assign int as child module '0'"):
        setattr(seq, "0", 3)
    bn = nn.BatchNorm1d(2)
    with pytest.raises(TypeError, match=r"cannot assign ndarray as buffer 'running_mean'"):
        bn.running_mean = np.zeros(2)
    bn.running_mean = Tensor(np.ones(2, dtype=np.float32))  # a Tensor replaces the buffer
    assert dict(bn.named_buffers())["running_mean"] is bn.running_mean
    lin.bias = None  # None is allowed for a parameter slot
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_register_errors() -> None:
    m = nn.Module()
    with pytest.raises(TypeError, match="register_parameter: cannot register Tensor"):
        m.register_parameter("w", Tensor([1.0]))
    with pytest.raises(TypeError, match="register_buffer: cannot register list"):
        m.register_buffer("b", [1.0])
    with pytest.raises(KeyError, match=r"without '\.'"):
        m.register_buffer("a.b", Tensor([1.0]))
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", Tensor([1.0]))
    with pytest.raises(TypeError, match="add_module: int is not a Module"):
        m.add_module("child", 3)


def test_assigning_before_init_says_to_call_super_init() -> None:
    class Forgot(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgot()


def test_forward_is_required_and_call_runs_it() -> None:
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(1)

    class Double(nn.Module):
        def forward(self, x: Tensor, factor: float = 2.0) -> Tensor:
            return x * factor

    assert Double()(Tensor([1.0]), factor=3.0).item() == 3.0


def test_apply_visits_children_first_then_self() -> None:
    seen = []
    nn.Sequential(nn.Linear(1, 1), nn.ReLU()).apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]


# ---- modes and gradients -------------------------------------------------------------------------
def test_train_and_eval_propagate_to_every_descendant() -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net[1].train(False)
    assert net.training and not net[1][0].training
    with pytest.raises(ValueError, match="mode is expected to be a bool"):
        net.train("yes")


def test_train_and_eval_call_each_childs_own_train_as_pytorch_does() -> None:
    class FrozenNorm(nn.BatchNorm1d):
        def train(self, mode: bool = True) -> nn.Module:
            return super().train(False)  # always in eval: its running statistics stay fixed

    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(FrozenNorm(2), nn.Dropout()))
    net.train()
    assert net.training and net[1].training and net[1][1].training
    assert not net[1][0].training
    net.eval()
    assert not any(m.training for m in net.modules())


def test_zero_grad_sets_gradients_to_none_or_zero() -> None:
    net = Net()
    net(ag.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes_parameters() -> None:
    net = nn.Linear(2, 2).requires_grad_(False)
    assert not net.weight.requires_grad
    assert not net(ag.randn(3, 2)).requires_grad


# ---- state dicts ---------------------------------------------------------------------------------
def test_state_dict_holds_parameters_and_buffers_as_array_copies() -> None:
    net = Net()
    sd = net.state_dict()
    assert list(sd) == [
        "scale",
        "steps",
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
        "fc2.weight",
    ]
    assert all(type(v) is np.ndarray for v in sd.values())
    assert sd["bn.num_batches_tracked"].dtype == np.int64 and sd["bn.num_batches_tracked"] == 0
    sd["fc1.weight"][...] = 7  # a copy: the model is untouched
    assert not (net.fc1.weight.data == 7).any()


def test_non_persistent_buffers_are_left_out() -> None:
    m = nn.Module()
    m.register_buffer("kept", Tensor([1.0]))
    m.register_buffer("scratch", Tensor([2.0]), persistent=False)
    m.register_buffer("absent", None)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]


def test_state_dict_round_trip_copies_values_and_bumps_versions() -> None:
    a, b = Net(), Net()
    a(ag.randn(6, 4))  # moves a's running statistics
    version = b.fc1.weight._version
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(x, y, err_msg=name)
    assert b.fc1.weight._version == version + 1
    assert b.fc1.weight.data is not a.fc1.weight.data
    x = ag.randn(3, 4)
    a.eval()
    b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_takes_tensors_numbers_and_other_dtypes() -> None:
    bn = nn.BatchNorm1d(2)
    sd = bn.state_dict()
    sd["running_mean"] = Tensor(np.array([1.0, 2.0]))  # float64 into float32
    sd["num_batches_tracked"] = 5
    bn.load_state_dict(sd)
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, 2.0])
    assert bn.running_mean.dtype == np.float32
    assert bn.num_batches_tracked.item() == 5


def _snapshot(module: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in module.state_dict().items()}


def _unchanged(module: nn.Module, before: dict[str, np.ndarray]) -> bool:
    after = module.state_dict()
    return all(np.array_equal(before[k], after[k]) for k in before)


def test_missing_and_unexpected_keys_raise_naming_them_and_change_nothing() -> None:
    net = Net()
    before = _snapshot(net)
    sd = {k: np.full_like(v, 3) for k, v in net.state_dict().items()}
    del sd["fc1.bias"]
    sd["fc3.weight"] = np.zeros(2)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    message = str(err.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "fc1.bias"' in message
    assert 'Unexpected key(s) in state_dict: "fc3.weight"' in message
    assert _unchanged(net, before)


def test_non_strict_loading_reports_keys_and_loads_the_rest() -> None:
    net = Net()
    sd = {"fc1.weight": np.ones((3, 4)), "extra": np.zeros(1)}
    result = net.load_state_dict(sd, strict=False)
    assert result.unexpected_keys == ["extra"]
    assert "fc1.bias" in result.missing_keys and "fc1.weight" not in result.missing_keys
    np.testing.assert_array_equal(net.fc1.weight.data, np.ones((3, 4)))


@pytest.mark.parametrize("strict", [True, False])
def test_a_wrong_shape_raises_even_when_not_strict_and_changes_nothing(strict: bool) -> None:
    net = Net()
    before = _snapshot(net)
    sd = {k: np.full_like(v, 3) for k, v in net.state_dict().items()}
    sd["fc2.weight"] = np.zeros((3, 2))  # every other entry is valid and would be copied
    message = r"size mismatch for fc2.weight: .* \(3, 2\) .* \(2, 3\)"
    with pytest.raises(RuntimeError, match=message):
        net.load_state_dict(sd, strict=strict)
    assert _unchanged(net, before)


def test_non_numeric_values_and_non_mappings_are_rejected() -> None:
    lin = nn.Linear(1, 1)
    with pytest.raises(RuntimeError, match="dtype mismatch for bias"):
        lin.load_state_dict({"weight": np.zeros((1, 1)), "bias": np.array(["a"])})
    with pytest.raises(TypeError, match="expected a mapping"):
        lin.load_state_dict([("weight", np.zeros((1, 1)))])


def test_deepcopy_gives_an_independent_model() -> None:
    net = Net()
    clone = copy.deepcopy(net)
    clone.fc1.weight.data += 1
    assert not np.array_equal(clone.fc1.weight.data, net.fc1.weight.data)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]


# ---- repr ----------------------------------------------------------------------------------------
def test_nested_repr_like_pytorch() -> None:
    model = nn.Sequential(
        nn.Linear(2, 3),
        nn.BatchNorm1d(3),
        nn.Sequential(nn.ReLU(), nn.Dropout(0.2)),
        nn.LayerNorm(3),
        nn.GELU("tanh"),
        nn.LeakyReLU(),
        nn.Softmax(),
        nn.Flatten(),
        nn.Identity(),
        nn.CrossEntropyLoss(reduction="sum"),
        nn.ModuleList([nn.Tanh()]),
    )
    assert repr(model) == "\n".join(
        [
            "Sequential(",
            "  (0): Linear(in_features=2, out_features=3, bias=True)",
            "  (1): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
            "  (2): Sequential(",
            "    (0): ReLU()",
            "    (1): Dropout(p=0.2, inplace=False)",
            "  )",
            "  (3): LayerNorm((3,), eps=1e-05, elementwise_affine=True)",
            "  (4): GELU(approximate='tanh')",
            "  (5): LeakyReLU(negative_slope=0.01)",
            "  (6): Softmax(axis=-1)",
            "  (7): Flatten(start_dim=1, end_dim=-1)",
            "  (8): Identity()",
            "  (9): CrossEntropyLoss(reduction='sum')",
            "  (10): ModuleList(",
            "    (0): Tanh()",
            "  )",
            ")",
        ]
    )


# ---- containers --------------------------------------------------------------------------------
def test_sequential_runs_in_order_and_indexes_like_a_list() -> None:
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    x = ag.randn(4, 2)
    np.testing.assert_array_equal(model(x).data, c(b(a(x))).data)
    assert len(model) == 3 and list(model) == [a, b, c]
    assert model[0] is a and model[-1] is c
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    assert [n for n, _ in head.named_children()] == ["0", "1"]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and [n for n, _ in model.named_children()][-1] == "3"


def test_sequential_from_an_ordered_dict_uses_its_names() -> None:
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("out", nn.Linear(2, 1))]))
    assert [n for n, _ in model.named_parameters()] == [
        "hidden.weight",
        "hidden.bias",
        "out.weight",
        "out.bias",
    ]
    assert model[1] is model.out


def test_module_list_registers_its_modules() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x: Tensor) -> Tensor:
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert len(list(s.parameters())) == 6
    assert [n for n, _ in s.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    layers = s.layers
    assert len(layers) == 3 and layers[-1] is list(layers)[2]
    replacement = nn.Linear(2, 2)
    layers[1] = replacement
    assert layers[1] is replacement and len(layers) == 3
    layers.append(nn.ReLU()).extend([nn.Tanh()])
    assert len(layers) == 5 and isinstance(layers[1:3], nn.ModuleList)
    with pytest.raises(IndexError, match="ModuleList: index 9"):
        layers[9]
    with pytest.raises(NotImplementedError):
        layers(ag.randn(1, 2))
