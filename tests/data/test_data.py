"""Data sets and DataLoader: batching, shuffling with a seed, drop_last, collation, toy sets, digits."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import data


def _dataset(n=10):
    return data.TensorDataset(chainrule.arange(float(n)).reshape(n, 1), chainrule.arange(n))


def test_batches_in_order_cover_every_sample():
    loader = data.DataLoader(_dataset(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    assert np.concatenate([y.numpy() for _, y in batches]).tolist() == list(range(10))
    assert batches[0][0].shape == (4, 1) and batches[0][0].dtype == chainrule.float32


def test_drop_last_skips_the_short_batch():
    loader = data.DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(y) for _, y in loader] == [4, 4]


def test_shuffle_with_a_seeded_generator_repeats_and_differs_per_epoch():
    def epochs(seed):
        generator = chainrule.Generator().manual_seed(seed)
        loader = data.DataLoader(_dataset(), batch_size=3, shuffle=True, generator=generator)
        return [np.concatenate([y.numpy() for _, y in loader]).tolist() for _ in range(2)]

    first, again = epochs(0), epochs(0)
    assert first == again
    assert first[0] != first[1] and sorted(first[0]) == list(range(10))
    assert epochs(1) != first


def test_shuffle_without_a_generator_follows_manual_seed():
    loader = data.DataLoader(_dataset(), batch_size=10, shuffle=True)
    chainrule.manual_seed(5)
    a = next(iter(loader))[1].tolist()
    chainrule.manual_seed(5)
    assert next(iter(loader))[1].tolist() == a


def test_generic_datasets_are_collated_like_torch():
    class Squares(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": chainrule.tensor([float(i), float(i * i)]), "label": i, "weight": 0.5}

    batch = next(iter(data.DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["label"].tolist() == [0, 1, 2]
    assert batch["label"].dtype == chainrule.int64 and batch["weight"].dtype == chainrule.float64
    custom = data.DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(custom) == [2, 2, 1]


def test_dataset_errors():
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        data.TensorDataset(chainrule.zeros(3, 2), chainrule.zeros(4))
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        data.DataLoader(_dataset(), batch_size=0)
    with pytest.raises(NotImplementedError):
        len(data.Dataset())
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['batchsize'\]"):
        data.DataLoader(_dataset(), batchsize=4)
    assert len(data.DataLoader(_dataset(), batch_size=5, num_workers=2, pin_memory=True)) == 2  # PyTorch's options


def test_random_split_partitions_the_data():
    parts = data.random_split(_dataset(), [0.7, 0.3], generator=chainrule.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(y) for part in parts for _, y in data.DataLoader(part, batch_size=None))
    assert seen == list(range(10))
    x, y = next(iter(data.DataLoader(parts[1], batch_size=3)))
    assert x[:, 0].tolist() == [float(v) for v in y.tolist()]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(_dataset(), [3, 3])


@pytest.mark.parametrize("make", [data.make_moons, data.make_circles, data.make_spirals, data.make_blobs])
def test_toy_sets_have_the_right_shapes_and_are_seeded(make):
    X, y = make(150, generator=chainrule.Generator().manual_seed(0))
    X2, y2 = make(150, generator=chainrule.Generator().manual_seed(0))
    assert X.shape == (150, 2) and y.shape == (150,)
    assert X.dtype == chainrule.float32 and y.dtype == chainrule.int64
    assert np.array_equal(X.numpy(), X2.numpy()) and np.array_equal(y.numpy(), y2.numpy())
    assert len(set(y.tolist())) >= 2


def test_moons_and_circles_geometry_without_noise():
    X, y = data.make_moons(100)
    top = X.numpy()[y.numpy() == 0]
    assert np.allclose(np.hypot(top[:, 0], top[:, 1]), 1.0, atol=1e-6)
    X, y = data.make_circles(100, factor=0.3)
    radius = np.hypot(*X.numpy().T)
    assert np.allclose(radius[y.numpy() == 0], 1.0, atol=1e-6) and np.allclose(radius[y.numpy() == 1], 0.3, atol=1e-6)
    with pytest.raises(ValueError, match="factor has to be between 0 and 1"):
        data.make_circles(10, factor=1.5)


def test_spirals_have_balanced_arms():
    X, y = data.make_spirals(301, n_classes=3)
    assert np.bincount(y.numpy()).tolist() == [101, 100, 100]
    assert np.hypot(*X.numpy().T).max() <= 1.0 + 1e-6


def test_linear_regression_recovers_its_weights():
    X, y, w = data.make_linear_regression(500, n_features=3, noise=0.01, bias=0.5,
                                          generator=chainrule.Generator().manual_seed(0))
    assert X.shape == (500, 3) and y.shape == (500, 1) and w.shape == (3, 1)
    design = np.hstack([X.numpy(), np.ones((500, 1))])
    fitted, *_ = np.linalg.lstsq(design, y.numpy(), rcond=None)
    assert np.allclose(fitted[:3], w.numpy(), atol=0.01) and abs(fitted[3, 0] - 0.5) < 0.01


def test_digits_load_as_vectors_or_images():
    pytest.importorskip("sklearn")
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.numpy().min() == 0 and X.numpy().max() == 1 and sorted(set(y.tolist())) == list(range(10))
    images, _ = data.load_digits(images=True)
    assert images.shape == (1797, 1, 8, 8)
    from sklearn.datasets import load_digits

    assert np.allclose(X.numpy(), load_digits().data / 16)


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    with pytest.raises(ImportError, match=r'pip install "chainrule\[digits\]"'):
        data.load_digits()
