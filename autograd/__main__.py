"""`python -m autograd check|demo`: the application layer.

The one module of autograd that may import nn and optim: `check` verifies
every registered op (nn's fused ops included) by central differences, `demo`
trains a network on the digits data set.
"""

from __future__ import annotations

import argparse
import sys

from autograd import checker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    checker.add_arguments(sub.add_parser("check", help="gradient-check every registered op"))
    sub.add_parser("demo", help="train an MLP on the digits data set")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return checker.run(args)
    print(f"{args.command}: not built yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
