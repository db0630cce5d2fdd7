"""`python -m autograd check|demo`: the application layer.

The one module of autograd that may import nn and optim: `check` verifies
every registered op (nn's fused ops included) by central differences, `demo`
trains a network on the digits data set.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import autograd as ag
import nn
import optim
from autograd import checker
from nn.data import DataLoader, TensorDataset, load_digits, random_split
from nn.metrics import accuracy, confusion_matrix, f1_score, precision, recall

# ---- demo: an MLP on the digits, end to end ---------------------------------------------------
_DEMO_SPLIT = (0.7, 0.15, 0.15)  # train / validation / test
_DEMO_DEFAULTS = {"seed": 0, "hidden": 256}
_DEMO_BATCH = 32
_DEMO_DROPOUT = 0.3
_DEMO_LR, _DEMO_GAMMA = 3e-3, 0.95  # Adam's rate, multiplied by gamma after every epoch
_DEMO_PATIENCE = 15  # early stopping: epochs without a better validation accuracy
_DEMO_RESUME_KEYS = {
    *("model", "optimizer", "scheduler", "epoch", "seed", "hidden"),
    *("best_accuracy", "best_epoch", "stale_epochs", "best_model"),
}


def _positive_int(text: str) -> int:
    value = checker.int_argument(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_demo_arguments(demo: argparse.ArgumentParser) -> None:
    demo.add_argument("--epochs", type=_positive_int, default=60, help="most epochs (60)")
    demo.add_argument(
        "--seed",
        type=checker.seed_argument,
        help="seed of the split, init, dropout and batches (0)",
    )
    demo.add_argument("--hidden", type=_positive_int, help="units per hidden layer (256)")
    demo.add_argument("--out", type=Path, default=Path("out"), help="output directory (./out)")
    demo.add_argument("--resume", type=Path, metavar="PATH", help="continue from a last.npz")


def _epoch_seed(seed: int, epoch: int) -> int:
    """Each epoch reseeds the global generator from (seed, epoch), so a resumed run draws
    the same batches and dropout masks as one that was never interrupted."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread: these matrices are small, threads only contend (badly so
    on a busy machine), and one thread gives the same floating-point sums on every
    machine. Returns the limiter (keep it alive)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _demo_model(hidden: int) -> nn.Module:
    def block(n_in: int) -> list:
        return [
            nn.Linear(n_in, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(_DEMO_DROPOUT),
        ]

    return nn.Sequential(*block(64), *block(hidden), nn.Linear(hidden, 10))


def _predict(model: nn.Module, X: ag.Tensor) -> np.ndarray:
    model.eval()
    with ag.no_grad():
        return model(X).argmax(axis=1).numpy()


def _print_report(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    print(f"test accuracy: {accuracy(y_true, y_pred):.3f}")
    cm = confusion_matrix(y_true, y_pred, num_classes=10)
    print("confusion matrix (rows: true digit, columns: predicted digit):")
    print("     " + "".join(f"{d:>4}" for d in range(10)))
    for d, row in enumerate(cm):
        print(f"{d:>5}" + "".join(f"{n:>4}" for n in row))
    scores = [f(y_true, y_pred, average=None) for f in (precision, recall, f1_score)]
    print("digit  precision  recall  f1-score  support")
    for d in range(10):
        p, r, f = (s[d] for s in scores)
        print(f"{d:>5}  {p:>9.3f}  {r:>6.3f}  {f:>8.3f}  {cm[d].sum():>7}")
    p, r, f = (float(s.mean()) for s in scores)
    print(f"macro  {p:>9.3f}  {r:>6.3f}  {f:>8.3f}  {len(y_true):>7}")


def _write_graph(
    model: nn.Module, loss_fn: nn.Module, X: ag.Tensor, y: ag.Tensor, out: Path
) -> list[Path]:
    """Draw one training-mode forward pass (and its gradients) on two images: DOT, and SVG
    where Graphviz's `dot` is installed."""
    for name, p in model.named_parameters():
        p.name = name
    model.train()
    x = X[:2]
    x.name = "images"
    loss = loss_fn(model(x), y[:2])
    loss.name = "loss"
    model.zero_grad()
    loss.backward()
    graph = ag.draw_graph(loss)
    written = [out / "graph.dot"]
    written[0].write_text(graph.source)
    if shutil.which("dot"):
        written.append(out / "graph.svg")
        written[1].write_bytes(graph.pipe(format="svg"))
    return written


def _demo(args: argparse.Namespace) -> int:
    """Train the MLP with early stopping, report on the test set, draw the graph."""
    _limiter = _one_blas_thread()  # the limit lasts while the object lives
    state = None
    if args.resume is not None:
        try:
            state = nn.utils.load(args.resume)
        except (OSError, ValueError) as err:
            print(f"demo: cannot resume from {args.resume}: {err}", file=sys.stderr)
            return 2
        if not isinstance(state, dict) or not _DEMO_RESUME_KEYS <= state.keys():
            print(
                f"demo: cannot resume from {args.resume}: not a training checkpoint "
                "(resume from the last.npz a demo run wrote, not best.npz)",
                file=sys.stderr,
            )
            return 2
    for key, default in _DEMO_DEFAULTS.items():
        saved = None if state is None else int(state[key])
        given = getattr(args, key)
        if saved is not None and given is not None and given != saved:
            print(f"demo: --{key} {given} differs from the checkpoint's {saved}", file=sys.stderr)
            return 2
        setattr(args, key, saved if saved is not None else default if given is None else given)

    X, y = load_digits()
    splits = random_split(
        TensorDataset(X / 16, y), _DEMO_SPLIT, generator=np.random.default_rng(args.seed)
    )
    train, (X_val, y_val), (X_test, y_test) = splits[0], splits[1][:], splits[2][:]
    ag.manual_seed(args.seed)
    model = _demo_model(args.hidden)
    optimizer = optim.Adam(model.parameters(), lr=_DEMO_LR)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=_DEMO_GAMMA)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train, batch_size=_DEMO_BATCH, shuffle=True)
    start, best_acc, best_epoch, stale, best_model = 0, -1.0, 0, 0, model.state_dict()
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start, best_acc, best_epoch = state["epoch"], state["best_accuracy"], state["best_epoch"]
        stale, best_model = state["stale_epochs"], state["best_model"]

    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"digits: {len(train)} train, {len(X_val)} validation, {len(X_test)} test images; "
        f"MLP 64-{args.hidden}-{args.hidden}-10 (BatchNorm, Dropout {_DEMO_DROPOUT}), "
        f"Adam lr {_DEMO_LR} x {_DEMO_GAMMA} per epoch, seed {args.seed}"
    )
    began = time.perf_counter()
    bar = tqdm(range(start, args.epochs), initial=start, total=args.epochs, unit="epoch")
    for epoch in bar:
        if stale >= _DEMO_PATIENCE:
            break
        ag.manual_seed(_epoch_seed(args.seed, epoch))
        model.train()
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        scheduler.step()
        val_acc = accuracy(y_val, _predict(model, X_val))
        if val_acc > best_acc:
            best_acc, best_epoch, stale, best_model = val_acc, epoch + 1, 0, model.state_dict()
            nn.utils.save(best_model, args.out / "best.npz")
        else:
            stale += 1
        nn.utils.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch + 1,
                "best_accuracy": best_acc,
                "best_epoch": best_epoch,
                "stale_epochs": stale,
                "best_model": best_model,
                "seed": args.seed,
                "hidden": args.hidden,
            },
            args.out / "last.npz",
        )
        bar.set_postfix(loss=f"{total / len(train):.4f}", val_acc=f"{val_acc:.4f}")
    bar.close()
    stopped = " (early stopping)" if stale >= _DEMO_PATIENCE else ""
    print(
        f"trained in {time.perf_counter() - began:.1f} s{stopped}; best validation accuracy "
        f"{best_acc:.3f} after epoch {best_epoch}, restored from {args.out / 'best.npz'}"
    )
    model.load_state_dict(best_model)
    _print_report(y_test.numpy(), _predict(model, X_test))
    drawn = _write_graph(model, loss_fn, X_test, y_test, args.out)
    print("computation graph of one forward pass: " + ", ".join(map(str, drawn)))
    print(f"to continue training: python -m autograd demo --resume {args.out / 'last.npz'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    checker.add_arguments(sub.add_parser("check", help="gradient-check every registered op"))
    _add_demo_arguments(sub.add_parser("demo", help="train an MLP on the digits data set"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return checker.run(args)
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
