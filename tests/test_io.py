"""chainrule.save / chainrule.load: bit-exact round trips, atomic writes, clear errors, no pickle."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

import chainrule
from chainrule.io import CheckpointError

pytest.importorskip("safetensors")


def _checkpoint():
    chainrule.manual_seed(0)
    model = chainrule.nn.Sequential(chainrule.nn.Linear(3, 4), chainrule.nn.BatchNorm1d(4), chainrule.nn.Linear(4, 2))
    opt = chainrule.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    for p in model.parameters():
        p.grad = chainrule.ones_like(p)
    opt.step()
    return {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7,
            "history": {"loss": [0.5, 0.25, float("inf")], "note": "ünïcode"}, "best": None, "shape": (2, 3)}


def _assert_identical(a, b):
    assert type(a) is type(b) or isinstance(a, dict) and type(b) is dict, (type(a), type(b))
    if isinstance(a, chainrule.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.numpy().tobytes() == b.numpy().tobytes()
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _assert_identical(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_identical(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_round_trip_is_bit_exact_with_structure_and_types(tmp_path):
    state = _checkpoint()
    path = tmp_path / "ckpt.safetensors"
    chainrule.save(state, path)
    loaded = chainrule.load(path)
    _assert_identical(state, loaded)
    assert isinstance(next(iter(loaded["optimizer"]["state"])), int)  # int keys stay ints
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int32", "uint8", "bool"])
def test_every_dtype_and_odd_shapes_round_trip(tmp_path, dtype):
    rng = np.random.default_rng(0)
    arrays = {
        "scalar": np.asarray(rng.normal() * 10).astype(dtype),
        "empty": np.zeros((0, 3), dtype=dtype),
        "transposed": (rng.normal(size=(4, 5)) * 10).astype(dtype).T,  # not contiguous
        "strided": (rng.normal(size=(8,)) * 10).astype(dtype)[::3],
    }
    state = {name: chainrule.from_numpy(a) for name, a in arrays.items()}
    chainrule.save(state, tmp_path / "x.safetensors")
    loaded = chainrule.load(tmp_path / "x.safetensors")
    for name, array in arrays.items():
        assert loaded[name].shape == array.shape and loaded[name].numpy().dtype == array.dtype
        assert np.array_equal(loaded[name].numpy(), array)
        assert loaded[name].numpy().flags.writeable


def test_nan_payloads_survive_bit_for_bit(tmp_path):
    odd = np.array([np.nan, -0.0, np.inf], dtype=np.float32)
    odd.view(np.uint32)[0] = 0x7FC0_1234  # a NaN with a payload
    chainrule.save({"x": chainrule.from_numpy(odd)}, tmp_path / "n.safetensors")
    assert chainrule.load(tmp_path / "n.safetensors")["x"].numpy().tobytes() == odd.tobytes()


def test_model_state_dict_loads_back_into_a_fresh_model(tmp_path):
    chainrule.manual_seed(1)
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 3), chainrule.nn.Tanh(), chainrule.nn.Linear(3, 1))
    chainrule.save(model.state_dict(), tmp_path / "m.safetensors")
    fresh = chainrule.nn.Sequential(chainrule.nn.Linear(2, 3), chainrule.nn.Tanh(), chainrule.nn.Linear(3, 1))
    fresh.load_state_dict(chainrule.load(tmp_path / "m.safetensors"))
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_plain_safetensors_files_from_elsewhere_load_as_flat_dicts(tmp_path):
    from safetensors.numpy import save_file

    save_file({"weight": np.arange(6, dtype=np.float32).reshape(2, 3)}, str(tmp_path / "other.safetensors"))
    loaded = chainrule.load(tmp_path / "other.safetensors")
    assert list(loaded) == ["weight"] and loaded["weight"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_the_file_is_readable_by_the_safetensors_package(tmp_path):
    from safetensors import safe_open

    chainrule.save({"model": {"w": chainrule.ones(2)}, "epoch": 1}, tmp_path / "c.safetensors")
    with safe_open(str(tmp_path / "c.safetensors"), framework="numpy") as f:
        assert list(f.keys()) == ["model/w"]
        assert json.loads(f.metadata()["chainrule.layout"])["dict"][1] == ["epoch", 1]


def test_interrupted_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        chainrule.save({"w": chainrule.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert chainrule.load(path)["w"].tolist() == [1.0, 1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temporary left behind


def test_a_failed_write_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, path)
    real_fsync = os.fsync

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        chainrule.save({"w": chainrule.zeros(1000)}, path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert chainrule.load(path)["w"].tolist() == [1.0, 1.0, 1.0]
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("keep", [0, 5, 8, 40, -1, -17])
def test_truncated_files_raise_a_clear_error(tmp_path, keep):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save(_checkpoint(), path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    with pytest.raises(CheckpointError, match="truncated|not a checkpoint|not a safetensors"):
        chainrule.load(path)


def test_flipped_bits_in_the_tensor_data_are_detected(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save(_checkpoint(), path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupted: the contents do not match the checksum"):
        chainrule.load(path)


def _damaged(tmp_path, old: bytes, new: bytes):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"model": {"steps": chainrule.tensor([1, 2])}, "epoch": 3}, path)
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    return path


@pytest.mark.parametrize("old,new", [(b'\\"steps\\"', b'\\"rteps\\"'), (b'\\"epoch\\",3', b'\\"epoch\\",7')],
                         ids=["a state_dict key", "a saved number"])
def test_damage_to_the_layout_is_detected(tmp_path, old, new):
    with pytest.raises(CheckpointError, match="do not match the checksum"):
        chainrule.load(_damaged(tmp_path, old, new))


def test_a_damaged_format_key_does_not_make_the_file_unchecked(tmp_path):
    with pytest.raises(CheckpointError, match="chainrule metadata is incomplete"):
        chainrule.load(_damaged(tmp_path, b'"chainrule.format"', b'"chaInrule.format"'))


@pytest.mark.parametrize("offsets", [4, [4], ["0", "4"], [8, 4], [-4, 0], None])
def test_malformed_tensor_entries_are_reported(tmp_path, offsets):
    header = json.dumps({"t": {"dtype": "F32", "shape": [1], "data_offsets": offsets}}).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    with pytest.raises(CheckpointError, match="header entry for tensor 't' has invalid data offsets"):
        chainrule.load(path)


def test_a_damaged_header_is_reported(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, path)
    data = bytearray(path.read_bytes())
    data[9] = ord("#")
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="header is not valid JSON"):
        chainrule.load(path)


def test_foreign_files_are_refused_without_unpickling(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    pickled = tmp_path / "evil.pt"
    pickled.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError, match="pickle-based checkpoint .* never unpickles"):
        chainrule.load(pickled)
    assert not (tmp_path / "pwned").exists()
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a checkpoint at all" * 3)
    with pytest.raises(CheckpointError, match="not a safetensors checkpoint"):
        chainrule.load(text)


def test_a_real_torch_save_file_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match="torch.save"):
        chainrule.load(tmp_path / "model.pt")


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nope.safetensors")


def test_unsupported_values_and_modules_are_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match="cannot store a set at extra"):
        chainrule.save({"extra": {1, 2}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="save model.state_dict"):
        chainrule.save(chainrule.nn.Linear(1, 1), tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


def test_key_shape_and_dtype_mismatches_are_named_when_loading_a_state_dict(tmp_path):
    model = chainrule.nn.Linear(3, 2)
    chainrule.save(model.state_dict(), tmp_path / "m.safetensors")
    state = chainrule.load(tmp_path / "m.safetensors")
    with pytest.raises(RuntimeError, match='size mismatch for weight: copying a param with shape '
                                           r'torch.Size\(\[2, 3\]\) from checkpoint, the shape in current model is '
                                           r'torch.Size\(\[2, 4\]\)'):
        chainrule.nn.Linear(4, 2).load_state_dict(state)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        chainrule.nn.Linear(3, 2).load_state_dict({"weight": state["weight"]})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        chainrule.nn.Linear(3, 2).load_state_dict({**state, "extra": state["bias"]})
    with pytest.raises(RuntimeError, match="dtype mismatch for weight: the checkpoint holds torch.float32, the model "
                                           "torch.float64"):
        chainrule.nn.Linear(3, 2).double().load_state_dict(state)
    fresh = chainrule.nn.Linear(3, 2).double()
    fresh.load_state_dict(state, strict=False)  # casts when asked to
    assert fresh.weight.dtype == chainrule.float64
