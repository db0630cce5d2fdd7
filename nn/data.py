"""Data sets and loaders: TensorDataset, DataLoader, random_split, kfold, load_digits."""
