"""glassgrad's neural-network library: modules, layers and losses with PyTorch's names."""
