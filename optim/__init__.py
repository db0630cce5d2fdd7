"""glassgrad's optimizers and learning-rate schedulers, with PyTorch's update rules.

`optim.SGD`, `optim.Adam`, `optim.AdamW`, `optim.RMSprop`, `optim.Adagrad`
update parameters' arrays in place (no graph), step for step as
`torch.optim`; `optim.lr_scheduler` sets their learning rates over time.
"""

from optim import lr_scheduler
from optim.adagrad import Adagrad
from optim.adam import Adam, AdamW
from optim.optimizer import Optimizer
from optim.rmsprop import RMSprop
from optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
