"""The examples in the docstrings of nn, optim, data and io run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "chainrule.nn.module", "chainrule.nn.parameter", "chainrule.nn.linear", "chainrule.nn.container",
    "chainrule.nn.conv", "chainrule.nn.normalization", "chainrule.nn.embedding", "chainrule.nn.loss",
    "chainrule.nn.utils", "chainrule.nn.init", "chainrule.nn.functional", "chainrule.optim.sgd", "chainrule.optim.adam",
    "chainrule.optim.lr_scheduler", "chainrule.data.dataset", "chainrule.data.dataloader",
    "chainrule.data.synthetic", "chainrule.io",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_digits_docstring_example():
    pytest.importorskip("sklearn")
    result = doctest.testmod(importlib.import_module("chainrule.data.digits"))
    assert result.failed == 0
