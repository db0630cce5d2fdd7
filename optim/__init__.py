"""glassgrad's optimizers and learning-rate schedulers, with PyTorch's update rules."""
