"""Module: registration, traversal, state_dict, modes, dtype, repr — compared with torch.nn."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import chainrule
from chainrule import nn

torch = pytest.importorskip("torch")


def _pair_of_models(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = lib.nn.BatchNorm1d(4)
            self.layers = lib.nn.ModuleList([lib.nn.Linear(4, 4), lib.nn.Linear(4, 4, bias=False)])
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

    return lib.nn.Sequential(lib.nn.Linear(2, 4), lib.nn.ReLU(), Block(), lib.nn.Dropout(0.1),
                             lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Linear(4, 3)))


def test_names_of_parameters_buffers_and_modules_match_torch():
    ours, theirs = _pair_of_models(chainrule), _pair_of_models(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]


def test_repr_tree_matches_torch():
    assert repr(_pair_of_models(chainrule)) == repr(_pair_of_models(torch))
    for make in (lambda L: L.nn.LayerNorm(5), lambda L: L.nn.BatchNorm1d(3, momentum=None),
                 lambda L: L.nn.Embedding(10, 3, padding_idx=0), lambda L: L.nn.Conv2d(1, 3, 3, padding=1),
                 lambda L: L.nn.Conv2d(2, 3, (3, 5), stride=2, bias=False), lambda L: L.nn.GELU("tanh"),
                 lambda L: L.nn.Softmax(dim=1), lambda L: L.nn.Flatten(), lambda L: L.nn.CrossEntropyLoss(),
                 lambda L: L.nn.ReLU(inplace=True), lambda L: L.nn.LeakyReLU(0.2), lambda L: L.nn.Identity(),
                 lambda L: L.nn.ModuleList([L.nn.Linear(2, 2) for _ in range(3)] + [L.nn.Sequential(L.nn.ReLU())] * 2),
                 lambda L: L.nn.ModuleList()):
        assert repr(make(chainrule)) == repr(make(torch))


def test_parameter_is_a_leaf_tensor_with_torchs_repr():
    p = nn.Parameter(chainrule.tensor([1.0, 2.0]))
    assert isinstance(p, chainrule.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(chainrule.ones(1), requires_grad=False).requires_grad
    assert type(p * 2) is chainrule.Tensor  # results of ops are plain tensors, as in torch


def test_parameter_shares_memory_with_its_data():
    data = chainrule.zeros(3)
    p = nn.Parameter(data)
    with chainrule.no_grad():
        p.add_(1.0)
    assert data.tolist() == [1.0, 1.0, 1.0]


def test_reassigning_and_deleting_attributes_updates_registration():
    model = nn.Linear(2, 2)
    model.bias = None
    assert [n for n, _ in model.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        model.weight = chainrule.zeros(2, 2)
    model.extra = nn.Tanh()
    assert list(dict(model.named_children())) == ["extra"]
    del model.extra
    assert list(model.children()) == []
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'missing'"):
        model.missing


def test_assignment_before_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="call super\\(\\).__init__\\(\\) first"):
        Forgetful()


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_train_eval_propagate_and_zero_grad_clears():
    model = _pair_of_models(chainrule)
    model.eval()
    assert all(not m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    for p in model.parameters():
        p.grad = chainrule.ones_like(p)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_dtype_keeps_parameter_identity():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    params = list(model.parameters())
    assert model.to(chainrule.float64) is model
    assert all(p.dtype == chainrule.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == chainrule.float64
    assert model[1].num_batches_tracked.dtype == chainrule.int64  # integers are left alone
    assert all(a is b for a, b in zip(params, model.parameters()))
    model.float()
    assert model[0].weight.dtype == chainrule.float32


def test_state_dict_is_detached_and_load_is_all_or_nothing():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = model.state_dict()
    assert all(not t.requires_grad for t in state.values())
    before = model[0].weight.detach().numpy().copy()
    bad = dict(state)
    bad["0.weight"] = chainrule.full((3, 2), 7.0)
    bad["1.weight"] = chainrule.zeros(5, 5)
    with pytest.raises(RuntimeError, match="size mismatch for 1.weight"):
        model.load_state_dict(bad)
    assert np.array_equal(model[0].weight.detach().numpy(), before)  # nothing was copied


def test_load_state_dict_non_strict_reports_keys_as_torch():
    model, reference = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = model.load_state_dict({"weight": chainrule.ones(2, 2), "extra": chainrule.ones(1)}, strict=False)
    theirs = reference.load_state_dict({"weight": torch.ones(2, 2), "extra": torch.ones(1)}, strict=False)
    assert ours.missing_keys == theirs.missing_keys and ours.unexpected_keys == theirs.unexpected_keys
    assert model.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_sequential_and_module_list_indexing():
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    assert isinstance(seq[-1], nn.Linear) and len(seq[1:]) == 2 and len(seq) == 3
    assert list(dict(seq[1:].named_children())) == ["1", "2"]  # slices keep names, as torch
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    layers.append(nn.Sigmoid())
    del layers[0]
    assert [type(m).__name__ for m in layers] == ["Tanh", "Sigmoid"]
    assert list(dict(layers.named_children())) == ["0", "1"]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]


def test_apply_get_submodule_and_deepcopy():
    model = _pair_of_models(chainrule)
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Sequential" and seen.count("Linear") == 4
    assert isinstance(model.get_submodule("2.layers.1"), nn.Linear)
    assert model.get_parameter("2.scale").shape == (1,)
    clone = copy.deepcopy(model)
    with chainrule.no_grad():
        clone[0].weight.fill_(0.0)
    assert model[0].weight.abs().sum().item() > 0
    assert isinstance(clone[0].weight, nn.Parameter)


def test_default_initialisation_follows_torchs_bounds_and_manual_seed():
    chainrule.manual_seed(3)
    a = nn.Linear(50, 40)
    chainrule.manual_seed(3)
    b = nn.Linear(50, 40)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    bound = 1 / np.sqrt(50)
    w = a.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(a.bias.detach().numpy()).max() <= bound
    conv = nn.Conv2d(3, 8, 3)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / np.sqrt(27)
    emb = nn.Embedding(1000, 20, padding_idx=2)
    assert abs(emb.weight.detach().numpy().std() - 1) < 0.05 and emb.weight[2].abs().sum().item() == 0


def test_forward_hooks_see_and_may_replace_values():
    layer = nn.Tanh()
    seen = []
    handle = layer.register_forward_hook(lambda module, args, output: seen.append(output.tolist()))
    pre = layer.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    assert layer(chainrule.ones(2)).tolist() == [0.0, 0.0] and seen == [[0.0, 0.0]]
    handle.remove()
    pre.remove()
    layer(chainrule.ones(1))
    assert len(seen) == 1
    layer.register_forward_hook(lambda module, args, output: output + 1)
    assert layer(chainrule.zeros(1)).tolist() == [1.0]
