"""Fuzzing the checkpoint loader (`chainrule.load`): damaged files give a clear error.

Random bytes, truncations, bit flips and structurally mutated headers must all end in
`CheckpointError` (or load the very tensors that were saved): never another exception,
never a huge allocation, never a tensor that differs from what was saved.
"""

from __future__ import annotations

import json
import os
import tempfile
import tracemalloc

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("safetensors")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import chainrule as cr  # noqa: E402

io = pytest.importorskip("chainrule.io")
CheckpointError = io.CheckpointError

ALLOCATION_LIMIT = 64 * 2**20  # far above these files' few KB: a claimed 10^12-element tensor must not be made


def _original():
    rng = np.random.default_rng(0)
    return {
        "model": {"0.weight": cr.tensor(rng.standard_normal((4, 3)).astype(np.float32)),
                  "0.bias": cr.tensor(rng.standard_normal(4)),
                  "steps": cr.tensor([1, 2, 3])},
        "epoch": 3,
        "history": [0.5, 0.25],
    }


def _saved_bytes() -> bytes:
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "ckpt.safetensors")
    cr.save(_original(), path)
    with open(path, "rb") as f:
        return f.read()


ORIGINAL_BYTES = _saved_bytes()


def _flatten(obj, prefix=()):
    """(path, leaf) pairs of a loaded checkpoint, tensors as arrays."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _flatten(value, prefix + (key,))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _flatten(value, prefix + (i,))
    elif isinstance(obj, cr.Tensor):
        yield prefix, obj.numpy()
    else:
        yield prefix, obj


def load_bytes(payload: bytes):
    """Load ``payload`` from a file; returns the result or the CheckpointError, and checks the contract."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fuzzed.safetensors")
        with open(path, "wb") as f:
            f.write(payload)
        tracemalloc.start()
        try:
            try:
                result = cr.load(path)
            except CheckpointError as error:
                assert str(path) in str(error), "the error should name the file"
                return error
            finally:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
        finally:
            assert peak < ALLOCATION_LIMIT + 4 * len(payload), f"load allocated {peak} bytes"
    return result


# The tensors under their safetensors names, as a plain safetensors reader sees them.
SAVED_BY_NAME = {"model/0.weight": _original()["model"]["0.weight"].numpy(),
                 "model/0.bias": _original()["model"]["0.bias"].numpy(),
                 "model/steps": _original()["model"]["steps"].numpy()}


def assert_no_wrong_tensor(result) -> None:
    """A load that succeeded must give back exactly what was saved (same tensors, same places).

    A header whose chainrule metadata is gone reads as a plain safetensors file, by design:
    then the flat ``{name: tensor}`` dict must hold the saved tensors under their names.
    """
    if isinstance(result, CheckpointError):
        return
    if isinstance(result, dict) and set(result) <= set(SAVED_BY_NAME) and all(
            isinstance(v, cr.Tensor) for v in result.values()):
        for name, tensor in result.items():
            assert tensor.numpy().dtype == SAVED_BY_NAME[name].dtype, name
            np.testing.assert_array_equal(tensor.numpy(), SAVED_BY_NAME[name], err_msg=name)
        return
    expected = dict(_flatten(_original()))
    got = dict(_flatten(result))
    assert got.keys() == expected.keys(), f"loaded a different structure: {sorted(got, key=str)}"
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype and got[key].shape == value.shape, key
            np.testing.assert_array_equal(got[key], value, err_msg=str(key))
        else:
            assert got[key] == value, f"{key}: {got[key]!r} != {value!r}"


def test_the_undamaged_file_round_trips():
    assert_no_wrong_tensor(load_bytes(ORIGINAL_BYTES))
    assert not isinstance(load_bytes(ORIGINAL_BYTES), CheckpointError)


@given(st.binary(max_size=2000))
def test_random_bytes(payload):
    assert_no_wrong_tensor(load_bytes(payload))


@given(st.integers(0, len(ORIGINAL_BYTES) - 1))
def test_every_truncation_is_an_error(length):
    assert isinstance(load_bytes(ORIGINAL_BYTES[:length]), CheckpointError)


def _layout_byte_range() -> range:
    """Where the checkpoint's layout JSON (keys, epoch, history) sits in the file."""
    start = ORIGINAL_BYTES.index(b'"chainrule.layout":"') + len(b'"chainrule.layout":"')
    end = ORIGINAL_BYTES.index(b'","', start)
    return range(start, end)


LAYOUT_BYTES = _layout_byte_range()
# The key that marks a chainrule checkpoint. Its position varies: safetensors writes metadata
# in hash order.
FORMAT_KEY_BYTES = range(ORIGINAL_BYTES.index(b'"chainrule.format"'),
                         ORIGINAL_BYTES.index(b'"chainrule.format"') + len(b'"chainrule.format"'))
DATA_START = 8 + int.from_bytes(ORIGINAL_BYTES[:8], "little")


def _flip(bits) -> bytes:
    payload = bytearray(ORIGINAL_BYTES)
    for bit in bits:
        payload[bit // 8] ^= 1 << (bit % 8)
    return bytes(payload)


@given(st.lists(st.integers(0, 8 * len(ORIGINAL_BYTES) - 1), min_size=1, max_size=4))
def test_bit_flips(bits):
    assert_no_wrong_tensor(load_bytes(_flip(bits)))


def _bit_in_layout(text: bytes, xor: int) -> int:
    """The bit that turns the first ``text`` inside the layout into ``text[0] ^ xor``."""
    offset = ORIGINAL_BYTES.index(text, LAYOUT_BYTES.start)
    return 8 * offset + xor.bit_length() - 1


def test_a_bit_flip_in_a_state_dict_key_is_detected():
    assert isinstance(load_bytes(_flip([_bit_in_layout(b"steps", 0x01)])), CheckpointError)


def test_a_damaged_format_key_does_not_disable_the_checksum():
    key_bit = 8 * (FORMAT_KEY_BYTES.start + 3)  # inside the key's text
    assert isinstance(load_bytes(_flip([key_bit, 8 * DATA_START])), CheckpointError)


def test_a_bit_flip_in_a_saved_number_is_detected():
    assert isinstance(load_bytes(_flip([_bit_in_layout(b"3]", 0x04)])), CheckpointError)


# -- structured damage: a valid safetensors frame around a mutated JSON header -------------------

HEADER_SIZE = int.from_bytes(ORIGINAL_BYTES[:8], "little")
HEADER = json.loads(ORIGINAL_BYTES[8:8 + HEADER_SIZE])
DATA = ORIGINAL_BYTES[8 + HEADER_SIZE:]

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
              st.sampled_from(["F32", "F64", "I64", "BOOL", "F16", "U8", "XX", "", "tensor", "dict", "list", "tuple"]),
              st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=10,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _replace(node, path, new):
    if not path:
        return new
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], new)
    return copy


def _frame(header: dict, data: bytes = DATA) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


PATHS = [p for p in _paths(HEADER) if p]
LAYOUT = json.loads(HEADER["__metadata__"]["chainrule.layout"])
LAYOUT_PATHS = [p for p in _paths(LAYOUT) if p]


@given(st.sampled_from(PATHS), json_values)
def test_mutated_header_fields(path, new_value):
    assert_no_wrong_tensor(load_bytes(_frame(_replace(HEADER, path, new_value))))


@given(st.sampled_from(LAYOUT_PATHS), json_values)
def test_mutated_checkpoint_layout_is_detected(path, new_value):
    mutated = _replace(LAYOUT, path, new_value)
    header = json.loads(json.dumps(HEADER))
    header["__metadata__"]["chainrule.layout"] = json.dumps(mutated)
    result = load_bytes(_frame(header))
    if json.dumps(mutated) != json.dumps(LAYOUT):  # the checksum covers the layout text
        assert isinstance(result, CheckpointError), f"a changed layout loaded: {mutated}"


HOSTILE_HEADERS = {
    "huge_shape": {"t": {"dtype": "F32", "shape": [10**6, 10**6], "data_offsets": [0, 4]}},
    "offsets_past_end": {"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 10**15]}},
    "negative_offsets": {"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}},
    "offsets_not_a_list": {"t": {"dtype": "F32", "shape": [1], "data_offsets": 4}},
    "offsets_short": {"t": {"dtype": "F32", "shape": [1], "data_offsets": [4]}},
    "offsets_text": {"t": {"dtype": "F32", "shape": [1], "data_offsets": ["0", "4"]}},
    "metadata_not_a_dict": {"__metadata__": ["chainrule.format"]},
    "metadata_values_not_text": {"__metadata__": {"chainrule.format": 1}},
    "deep_layout": {"__metadata__": {"chainrule.format": "chainrule.checkpoint/1",
                                     "chainrule.sha256": "",
                                     "chainrule.layout": "[" * 100_000 + "]" * 100_000}},
    "entry_not_a_dict": {"t": [1, 2, 3]},
}


@pytest.mark.parametrize("name", list(HOSTILE_HEADERS))
def test_hostile_headers(name):
    result = load_bytes(_frame(HOSTILE_HEADERS[name], b"\x00" * 16))
    assert isinstance(result, CheckpointError) or name == "metadata_values_not_text"


def test_a_length_field_claiming_a_huge_header():
    assert isinstance(load_bytes((2**62).to_bytes(8, "little") + b"{}"), CheckpointError)
