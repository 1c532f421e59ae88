"""detect_anomaly / set_detect_anomaly: a NaN in backward names the op and its forward line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, anomaly, detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def _nan_in_backward(x):
    y = x.sqrt()  # sqrt'(0) = inf, times the 0 below: nan in SqrtBackward0
    return (y * 0).sum()


def _run_and_capture(build):
    """Backward under detect_anomaly; returns (the RuntimeError, the anomaly warning's text)."""
    x = cr.tensor([0.0, 1.0], dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"), detect_anomaly():
            loss = build(x)
            with pytest.raises(RuntimeError) as info:
                loss.backward()
    texts = [str(w.message) for w in caught if "Error detected in" in str(w.message)]
    assert len(texts) == 1
    return info.value, texts[0]


def test_nan_in_backward_raises_with_the_forward_line():
    error, trace = _run_and_capture(_nan_in_backward)
    assert str(error) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert trace.startswith("Error detected in SqrtBackward0. Traceback of forward call that caused the error:")
    assert __file__ in trace and "y = x.sqrt()  # sqrt'(0) = inf" in trace
    # The trace ends at the user's line, not inside chainrule's op machinery.
    last_frame = trace.strip().splitlines()[-2]
    assert __file__ in last_frame and "_nan_in_backward" in last_frame


def test_a_custom_function_returning_nan_is_named():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    error, trace = _run_and_capture(lambda x: Broken.apply(x).sum())  # the Broken.apply line
    assert str(error) == "Function 'BrokenBackward' returned nan values in its 0th output."
    assert "Broken.apply(x).sum())  # the Broken.apply line" in trace


def test_message_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError) as theirs:
            _nan_in_backward(x).backward()
    ours, _ = _run_and_capture(_nan_in_backward)
    assert str(ours) == str(theirs.value)


def test_without_anomaly_mode_nan_gradients_pass_silently():
    x = cr.tensor([0.0, 1.0], dtype=cr.float64, requires_grad=True)
    with np.errstate(all="ignore"):
        _nan_in_backward(x).backward()
    assert np.isnan(x.grad.numpy()[0])


def test_set_detect_anomaly_as_call_and_as_context_manager():
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_decorator_restores_the_mode():
    @detect_anomaly()
    def inside():
        return is_anomaly_enabled()

    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        assert inside() is True
    assert not is_anomaly_enabled()


def test_check_nan_false_records_traces_without_raising():
    x = cr.tensor([0.0, 1.0], dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"), detect_anomaly(check_nan=False):
            assert anomaly.is_anomaly_enabled() and not anomaly.is_anomaly_check_nan_enabled()
            y = x.sqrt()
            assert y.grad_fn._trace and "y = x.sqrt()" in "".join(y.grad_fn._trace)
            (y * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_nodes_record_no_trace_outside_anomaly_mode():
    x = cr.tensor([1.0], requires_grad=True)
    assert not (x * 2).grad_fn._trace
