"""`chainrule.save` and `chainrule.load`: checkpoints that lose nothing and run no code.

The file is a standard safetensors file: the tensors (by readable names such as
``model/0.weight``), plus, in its text metadata, the JSON layout of everything else
(optimizer settings, the epoch, the history) and a SHA-256 of the tensors. So

* loading never unpickles: a checkpoint cannot run code, and any safetensors reader
  can open it;
* the checksum covers everything that is loaded (the layout text and the tensor bytes),
  so a flipped bit anywhere is reported, never loaded as a different value;
* a truncated, corrupted or foreign file raises `CheckpointError` naming the problem;
* round trips are bit-exact (same dtypes, same bytes);
* writes are atomic: the bytes go to a temporary file in the same folder, are flushed
  to disk, then renamed over the target, so a crash mid-save leaves the old file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._tensor import Tensor

FORMAT = "chainrule.checkpoint/1"
_FORMAT_KEY = "format"
_VERSION_KEY, _LAYOUT_KEY, _DIGEST_KEY = "chainrule.format", "chainrule.layout", "chainrule.sha256"
_CHAINRULE_KEYS = (_VERSION_KEY, _LAYOUT_KEY, _DIGEST_KEY)
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header


class CheckpointError(ValueError):
    """A file that is not a readable chainrule/safetensors checkpoint, or one that was damaged."""


# ---------------------------------------------------------------------------------------
# save


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` (a state_dict, or nested dicts/lists of tensors and plain values) to ``f``.

    >>> import chainrule as torch, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> model = torch.nn.Linear(2, 1)
    >>> torch.save({"model": model.state_dict(), "epoch": 3}, path)
    >>> torch.load(path)["epoch"]
    3
    """
    from chainrule.nn.module import Module

    if isinstance(obj, Module):
        raise TypeError("chainrule.save stores tensors and plain values, not modules: "
                        "save model.state_dict() and load it with model.load_state_dict(chainrule.load(path))")
    tensors: dict[str, np.ndarray] = {}
    layout = json.dumps(_encode(obj, [], tensors), separators=(",", ":"))
    metadata = {
        _FORMAT_KEY: "pt",  # what other safetensors readers expect
        _VERSION_KEY: FORMAT,
        _LAYOUT_KEY: layout,
        _DIGEST_KEY: _digest(FORMAT, layout, tensors),
    }
    to_bytes = _safetensors().save
    _atomic_write(Path(f), to_bytes(tensors, metadata=metadata))


def _encode(value: Any, path: list, tensors: dict) -> Any:
    """The JSON layout of ``value``; tensors go to ``tensors`` under a readable name."""
    if isinstance(value, Tensor):
        return {"tensor": _store(value._data, path, tensors)}
    if isinstance(value, np.ndarray):
        return {"ndarray": _store(value, path, tensors)}
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"chainrule.save: dictionary keys must be str or int, got {key!r} at "
                                f"{_where(path)}")
            items.append([key, _encode(item, path + [key], tensors)])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_encode(item, path + [i], tensors) for i, item in enumerate(value)]}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"chainrule.save: cannot store a {type(value).__name__} at {_where(path)}; checkpoints hold tensors, "
        "numbers, strings, None, and lists/tuples/dicts of them (never pickled objects)"
    )


def _store(array: np.ndarray, path: list, tensors: dict) -> str:
    name = "/".join(str(p) for p in path) or "tensor"
    unique, n = name, 1
    while unique in tensors:  # e.g. keys 0 and "0" in one dict
        unique, n = f"{name}#{n}", n + 1
    tensors[unique] = _contiguous(array)
    return unique


def _contiguous(array: np.ndarray) -> np.ndarray:
    # safetensors writes the raw buffer: a transposed or strided view must be copied to C order first.
    # (np.ascontiguousarray would also turn a 0-d array into a 1-d one.)
    return np.ascontiguousarray(array).reshape(array.shape)


def _where(path: list) -> str:
    return "/".join(str(p) for p in path) or "the top level"


def _digest(version: str, layout: str, tensors: dict[str, np.ndarray]) -> str:
    """SHA-256 of everything that is loaded: the version, the layout text and every tensor's bytes."""
    digest = hashlib.sha256()
    for text in (version, layout):
        digest.update(f"{len(text)}|{text}|".encode())
    for name in sorted(tensors):
        array = tensors[name]
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(_contiguous(array).tobytes())
    return digest.hexdigest()


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError('chainrule.save and chainrule.load need the safetensors package: '
                          'pip install "chainrule[train]" (or pip install safetensors)') from None
    return safetensors.numpy


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows: readers see old or new, never half
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------
# load


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True, **unused: Any) -> Any:
    """Read what `save` wrote (or any safetensors file: a flat ``{name: tensor}`` dict).

    Never unpickles. Raises `CheckpointError` for a file that is truncated, corrupted,
    or not a safetensors file (a PyTorch ``.pt`` pickle, say), and `FileNotFoundError`
    for a missing file.
    """
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise ValueError(f"chainrule.load: tensors load on the CPU; map_location={map_location!r} is not supported")
    path = Path(f)
    payload = path.read_bytes()
    header = _read_header(payload, path)
    arrays = _read_tensors(payload, header, path)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{path}: corrupted: the safetensors metadata is not a JSON object")
    present = [key for key in _CHAINRULE_KEYS if key in metadata]
    if not present and not any(str(key).startswith("chainrule") for key in metadata):
        return {name: Tensor._wrap(array) for name, array in arrays.items()}  # a plain safetensors file
    if len(present) < len(_CHAINRULE_KEYS) or not all(isinstance(metadata[key], str) for key in present):
        # a damaged key must not turn the file into an unchecked "plain" one
        raise CheckpointError(f"{path}: corrupted: its chainrule metadata is incomplete (has {sorted(present)})")
    version, layout_text = metadata[_VERSION_KEY], metadata[_LAYOUT_KEY]
    if _digest(version, layout_text, arrays) != metadata[_DIGEST_KEY]:
        raise CheckpointError(f"{path}: corrupted: the contents do not match the checksum saved with them")
    if version != FORMAT:
        raise CheckpointError(f"{path}: written by a newer chainrule ({version}); this version reads {FORMAT}")
    try:
        layout = json.loads(layout_text)
        return _decode(layout, arrays)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: corrupted: the checkpoint's layout cannot be read ({error})") from None


def _read_header(payload: bytes, path: Path) -> dict:
    """The JSON header, after checking the file is shaped like safetensors (8-byte length, then '{')."""
    size = int.from_bytes(payload[:8], "little") if len(payload) >= 8 else None
    looks_like_safetensors = size is not None and size <= _MAX_HEADER and payload[8:9] == b"{"
    if not looks_like_safetensors:
        if payload[:4] == b"PK\x03\x04" or payload[:1] == b"\x80":
            raise CheckpointError(
                f"{path} is a pickle-based checkpoint (what torch.save writes), not a safetensors file. chainrule "
                "never unpickles (a pickle can run code); convert it with the safetensors package, e.g. "
                "safetensors.torch.save_file(torch.load(path), 'model.safetensors')"
            )
        if size is None or len(payload) <= 8:
            raise CheckpointError(f"{path}: truncated or not a checkpoint: {len(payload)} bytes, too few for a "
                                  "safetensors header")
        raise CheckpointError(f"{path} is not a safetensors checkpoint (its first 8 bytes do not give a header "
                              "length followed by a JSON header; is it another kind of file?)")
    if size > len(payload) - 8:
        raise CheckpointError(f"{path}: truncated: the header needs {size} bytes but the file has only "
                              f"{len(payload) - 8} after the length field")
    try:
        header = json.loads(payload[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: corrupted or not a safetensors file: its header is not valid JSON "
                              f"({error})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: corrupted: the safetensors header is not a JSON object")
    return header


def _read_tensors(payload: bytes, header: dict, path: Path) -> dict[str, np.ndarray]:
    start = 8 + int.from_bytes(payload[:8], "little")
    data_size = len(payload) - start
    needed = max((_checked_entry(name, entry, path) for name, entry in header.items() if name != "__metadata__"),
                 default=0)
    if needed > data_size:
        raise CheckpointError(f"{path}: truncated: the tensors need {needed} bytes of data but the file holds "
                              f"{data_size}")
    try:
        arrays = _safetensors().load(payload)
    except Exception as error:  # safetensors raises its own SafetensorError for malformed files
        raise CheckpointError(f"{path}: corrupted safetensors file: {error}") from None
    # copies: the arrays must own writable memory (the loaded bytes are read-only)
    return {name: np.array(array) for name, array in arrays.items()}


def _checked_entry(name: str, entry: Any, path: Path) -> int:
    """Check one tensor's header entry before anything reads it; returns where its bytes end."""
    problem = None
    if not isinstance(entry, dict):
        problem = "is not a JSON object"
    else:
        shape, offsets, dtype = entry.get("shape"), entry.get("data_offsets"), entry.get("dtype")
        if not isinstance(dtype, str):
            problem = "has no dtype"
        elif not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
            problem = f"has an invalid shape {shape!r}"
        elif (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(n) is int for n in offsets)
              or not 0 <= offsets[0] <= offsets[1]):
            problem = f"has invalid data offsets {offsets!r}"
    if problem is not None:
        raise CheckpointError(f"{path}: corrupted: the header entry for tensor {name!r} {problem}")
    return entry["data_offsets"][1]


def _decode(layout: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(layout, dict):
        return layout
    (kind, value), = layout.items()
    if kind == "tensor":
        return Tensor._wrap(arrays[value])
    if kind == "ndarray":
        return arrays[value]
    if kind == "dict":
        return {key: _decode(item, arrays) for key, item in value}
    if kind == "list":
        return [_decode(item, arrays) for item in value]
    if kind == "tuple":
        return tuple(_decode(item, arrays) for item in value)
    raise ValueError(f"unknown entry kind {kind!r}")
