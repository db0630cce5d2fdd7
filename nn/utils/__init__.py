"""nn.utils: gradient clipping, regularisation penalties, and saving / loading state dicts."""

from nn.utils.checkpoint import load, save
from nn.utils.clip_grad import clip_grad_norm_
from nn.utils.penalty import l1_penalty, l2_penalty

__all__ = ["clip_grad_norm_", "l1_penalty", "l2_penalty", "load", "save"]
