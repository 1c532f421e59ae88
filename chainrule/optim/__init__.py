"""`chainrule.optim`: optimizers with PyTorch's update rules, and learning-rate schedules.

    optimizer = chainrule.optim.Adam(model.parameters(), lr=1e-3)
    loss.backward(); optimizer.step(); optimizer.zero_grad()
"""

from chainrule.optim import lr_scheduler
from chainrule.optim.adam import Adam, AdamW
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.rmsprop import Adagrad, RMSprop
from chainrule.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
