"""glassgrad's benchmark suite: each workload side by side with its hand-written NumPy reference.

`python -m benchmarks [--quick] [--only mlp,deep] [--json PATH]`. See
PERFORMANCE.md for the workloads and their targets. This file imports
nothing, so that `python -m benchmarks` can fix the environment (allocator,
thread counts) before NumPy is loaded.
"""
