"""`chainrule.data`: data sets and batching (PyTorch's ``torch.utils.data`` names) and toy data sets.

    X, y = chainrule.data.make_moons(1000, noise=0.1)
    loader = chainrule.data.DataLoader(chainrule.data.TensorDataset(X, y), batch_size=32, shuffle=True)
"""

from chainrule.data.dataloader import DataLoader, default_collate
from chainrule.data.dataset import Dataset, Subset, TensorDataset, random_split
from chainrule.data.digits import load_digits
from chainrule.data.synthetic import make_blobs, make_circles, make_linear_regression, make_moons, make_spirals

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate",
           "make_moons", "make_circles", "make_spirals", "make_blobs", "make_linear_regression", "load_digits"]
