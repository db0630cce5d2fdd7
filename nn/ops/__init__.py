"""nn's op table: the Functions behind `nn.functional`, each forward beside its gradient rule.

They are made with the public `ag.Function` mechanism, like a user's op. Fused
where the composite graph would be slow or unstable (linear, batch and layer
norm, softmax + cross-entropy, BCE with logits). Every rule is written with
operators, array methods and `ctx.xp.<name>`, so the same formula runs on
NumPy arrays in an ordinary backward and on Tensors under `create_graph=True`;
where the NumPy path reuses an intermediate saved by the forward, the Tensor
path recomputes it from the saved input, so second derivatives stay exact.
"""
