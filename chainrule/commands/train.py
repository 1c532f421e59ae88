"""``chainrule train``: train a network on a built-in data set, with progress, plots and checkpoints.

    chainrule train moons
    chainrule train spirals --hidden 128,128 --epochs 150
    chainrule train digits --model cnn
    chainrule train moons --epochs 80 --resume runs/moons-mlp/last.safetensors

Each epoch prints one line (train and validation loss and accuracy); a progress bar
runs while the output is a terminal. The folder (``--out``) receives ``best.safetensors``
(the best validation epoch), ``last.safetensors`` (to resume from, exactly: the model,
the optimizer, the random generators and the history are all in it), ``loss.png``
and, for 2-D data sets, ``decision_boundary.png``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from chainrule.commands import CommandError

HELP = "train a network on a built-in data set (moons, circles, spirals, digits, regression)"

EPILOG = """\
examples:
  chainrule train moons                              2-D toy set, an MLP, a few seconds
  chainrule train spirals --hidden 128,128           three spiral arms
  chainrule train digits --model cnn                 8x8 handwritten digits, a small CNN
  chainrule train regression --epochs 30             a straight-line fit
  chainrule train moons --epochs 120 --resume runs/moons-mlp/last.safetensors
"""

DATASETS = ("moons", "circles", "spirals", "digits", "regression")
TWO_D = ("moons", "circles", "spirals")


@dataclasses.dataclass
class TrainConfig:
    """Everything that decides a run; saved in each checkpoint so a run can be rebuilt exactly."""

    dataset: str
    model: str = "mlp"
    hidden: tuple[int, ...] = (64, 64)
    epochs: int = 60
    lr: float = 0.01
    optimizer: str = "adam"
    batch_size: int = 32
    schedule: str = "cosine"
    seed: int = 0
    samples: int = 1000
    noise: float = 0.2

    def as_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["hidden"] = list(self.hidden)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        values = dict(values)
        values["hidden"] = tuple(values["hidden"])
        return cls(**values)


# Defaults that reach the README's accuracies in well under a minute on two cores.
DEFAULTS: dict[str, dict[str, Any]] = {
    "moons": dict(hidden=(64, 64), epochs=40, lr=0.01, batch_size=32, samples=2000, noise=0.15),
    "circles": dict(hidden=(64, 64), epochs=40, lr=0.01, batch_size=32, samples=2000, noise=0.1),
    "spirals": dict(hidden=(64, 64), epochs=80, lr=0.01, batch_size=32, samples=1500, noise=0.3),
    "digits": dict(hidden=(128,), epochs=40, lr=0.002, batch_size=32, samples=1797, noise=0.0),
    "digits-cnn": dict(hidden=(64,), epochs=30, lr=0.003, batch_size=32, samples=1797, noise=0.0),
    "regression": dict(hidden=(), epochs=30, lr=0.05, batch_size=32, samples=500, noise=0.3),
}


# ---------------------------------------------------------------------------------------
# data


@dataclasses.dataclass
class Split:
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any

    @property
    def classes(self) -> int:
        return int(max(self.y_train.numpy().max(), self.y_val.numpy().max())) + 1


def held_out_name(config: TrainConfig) -> str:
    """Digits report a test split (as in the literature), the toy sets a validation split."""
    return "test" if config.dataset == "digits" else "val"


def make_split(config: TrainConfig) -> Split:
    """The data set of ``config``, split 80/20 by a generator seeded with ``config.seed``."""
    import chainrule
    from chainrule import data

    generator = chainrule.Generator().manual_seed(config.seed)
    if config.dataset == "moons":
        x, y = data.make_moons(config.samples, noise=config.noise, generator=generator)
    elif config.dataset == "circles":
        x, y = data.make_circles(config.samples, noise=config.noise, factor=0.5, generator=generator)
    elif config.dataset == "spirals":
        x, y = data.make_spirals(config.samples, noise=config.noise, generator=generator)
    elif config.dataset == "digits":
        try:
            x, y = data.load_digits(images=config.model == "cnn")
        except ImportError as error:
            raise CommandError(str(error)) from None
        x, y = x[: config.samples], y[: config.samples]
    elif config.dataset == "regression":
        x, y, _ = data.make_linear_regression(config.samples, noise=config.noise, generator=generator)
    else:
        raise CommandError(f"unknown data set {config.dataset!r}; choose one of {', '.join(DATASETS)}")
    order = chainrule.randperm(len(x), generator=generator).numpy()
    cut = int(round(0.8 * len(x)))
    train, val = order[:cut], order[cut:]
    if len(train) == 0 or len(val) == 0:
        raise CommandError(f"--samples {config.samples} is too few to split into training and {held_out_name(config)} "
                           "sets; use at least 5")
    return Split(x[train], y[train], x[val], y[val])


# ---------------------------------------------------------------------------------------
# the model


def build_model(config: TrainConfig, in_features: int, outputs: int):
    """An MLP (Linear + ReLU per hidden size) or, for digits, a small CNN."""
    from chainrule import nn

    if config.model == "cnn":
        if config.dataset != "digits":
            raise CommandError(f"--model cnn needs image data (digits), not {config.dataset}; use --model mlp")
        width = config.hidden[0] if config.hidden else 64
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
            nn.Flatten(), nn.Linear(32 * 2 * 2, width), nn.ReLU(), nn.Linear(width, outputs),
        )
    layers: list = []
    for width in config.hidden:
        layers += [nn.Linear(in_features, width), nn.ReLU()]
        in_features = width
    layers.append(nn.Linear(in_features, outputs))
    return nn.Sequential(*layers)


def build_optimizer(config: TrainConfig, model):
    from chainrule import optim

    if config.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=config.lr)
    if config.optimizer == "sgd":
        return optim.SGD(model.parameters(), lr=config.lr, momentum=0.9)
    raise CommandError(f"unknown optimizer {config.optimizer!r}; use adam or sgd")


def build_scheduler(config: TrainConfig, optimizer):
    """Cosine decay of the learning rate over the run (steadier final epochs), or a constant rate."""
    from chainrule.optim import lr_scheduler

    if config.schedule == "cosine":
        # closed form read from config at each step, so `--resume ... --epochs N` re-plans the decay
        return lr_scheduler.LambdaLR(
            optimizer, lambda epoch: 0.5 * (1 + math.cos(math.pi * min(epoch, config.epochs) / config.epochs)))
    if config.schedule == "constant":
        return lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)
    raise CommandError(f"unknown schedule {config.schedule!r}; use cosine or constant")


def is_regression(config: TrainConfig) -> bool:
    return config.dataset == "regression"


def loss_function(config: TrainConfig) -> Callable:
    from chainrule import nn

    return nn.MSELoss() if is_regression(config) else nn.CrossEntropyLoss()


def score(config: TrainConfig, output, target) -> float:
    """Accuracy (classification) or R² (regression) of a batch of outputs, as a fraction."""
    if is_regression(config):
        residual = float(((output - target) ** 2).sum().item())
        spread = float(((target - target.mean()) ** 2).sum().item())
        return 1.0 - residual / spread if spread > 0 else 0.0
    return float((output.argmax(1) == target).float().mean().item())


def evaluate(config: TrainConfig, model, x, y) -> tuple[float, float]:
    """(loss, score) on a whole split, in eval mode and without recording a graph."""
    import chainrule

    model.eval()
    with chainrule.no_grad():
        output = model(x)
        loss = loss_function(config)(output, y).item()
    model.train()
    return loss, score(config, output, y)


# ---------------------------------------------------------------------------------------
# the run


@dataclasses.dataclass
class Run:
    """Where a run is: its model, optimizer, history, and the generators that make it repeatable."""

    config: TrainConfig
    split: Split
    model: Any
    optimizer: Any
    scheduler: Any
    loader_generator: Any
    epoch: int = 0
    history: dict[str, list[float]] = dataclasses.field(default_factory=lambda: {
        "train_loss": [], "train_score": [], "val_loss": [], "val_score": [], "seconds": []})
    best_epoch: int = 0
    best_score: float = -math.inf

    def checkpoint(self) -> dict[str, Any]:
        import chainrule

        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "config": self.config.as_dict(),
            "epoch": self.epoch,
            "history": self.history,
            "best": {"epoch": self.best_epoch, "score": self.best_score},
            "rng": {"default": chainrule.get_rng_state(), "loader": self.loader_generator.get_state()},
            "chainrule_version": chainrule.__version__,
        }


def new_run(config: TrainConfig) -> Run:
    import chainrule

    chainrule.manual_seed(config.seed)  # the initial weights
    split = make_split(config)
    outputs = 1 if is_regression(config) else split.classes
    in_features = split.x_train.shape[1] if split.x_train.dim() == 2 else 1
    model = build_model(config, in_features, outputs)
    optimizer = build_optimizer(config, model)
    return Run(config, split, model, optimizer, build_scheduler(config, optimizer),
               chainrule.Generator().manual_seed(config.seed + 1))


def resume_run(checkpoint: dict[str, Any]) -> Run:
    """Rebuild a run from its ``last.safetensors`` so training continues exactly as if never stopped."""
    import chainrule

    try:
        config = TrainConfig.from_dict(checkpoint["config"])
        run = new_run(config)
        run.model.load_state_dict(checkpoint["model"])
        run.optimizer.load_state_dict(checkpoint["optimizer"])
        run.scheduler.load_state_dict(checkpoint["scheduler"])
        run.epoch = int(checkpoint["epoch"])
        run.history = {key: list(values) for key, values in checkpoint["history"].items()}
        run.best_epoch, run.best_score = int(checkpoint["best"]["epoch"]), float(checkpoint["best"]["score"])
        chainrule.set_rng_state(checkpoint["rng"]["default"])
        run.loader_generator.set_state(checkpoint["rng"]["loader"])
    except (KeyError, TypeError) as error:
        raise CommandError(f"the checkpoint is not a `chainrule train` checkpoint (missing {error})") from None
    except (RuntimeError, ValueError) as error:  # weights or optimizer state that do not fit the config
        raise CommandError(f"the checkpoint does not match the run its config describes: {error}") from None
    return run


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A ``chainrule train`` checkpoint, or a CommandError saying what is wrong with the file."""
    import chainrule
    from chainrule.io import CheckpointError

    try:
        checkpoint = chainrule.load(path)
    except (CheckpointError, FileNotFoundError, IsADirectoryError) as error:
        raise CommandError(str(error)) from None
    if not isinstance(checkpoint, dict) or "config" not in checkpoint or "model" not in checkpoint:
        raise CommandError(f"{path} is a checkpoint, but not one `chainrule train` wrote (it has no model config)")
    return checkpoint


def train_epoch(run: Run, progress: Callable | None = None) -> tuple[float, float]:
    """One pass over the shuffled training set; returns the epoch's mean loss and score."""
    from chainrule import data

    config, model, optimizer = run.config, run.model, run.optimizer
    loader = data.DataLoader(data.TensorDataset(run.split.x_train, run.split.y_train), batch_size=config.batch_size,
                             shuffle=True, generator=run.loader_generator)
    criterion = loss_function(config)
    total_loss = total_score = 0.0
    seen = 0
    batches = progress(loader) if progress is not None else loader
    for x, y in batches:
        output = model(x)
        loss = criterion(output, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(y)
        total_loss += loss.item() * n
        total_score += score(config, output.detach(), y) * n
        seen += n
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
    return total_loss / seen, total_score / seen


def fit(run: Run, out: Path, say: Callable[[str], None] = print, progress_bars: bool | None = None) -> Run:
    """Train until ``run.config.epochs``; save ``last`` every epoch and ``best`` when validation improves."""
    import chainrule

    out.mkdir(parents=True, exist_ok=True)
    config = run.config
    bars = sys.stderr.isatty() if progress_bars is None else progress_bars
    name = held_out_name(config)
    while run.epoch < config.epochs:
        started = time.perf_counter()
        run.epoch += 1
        progress = _progress_bar(run.epoch, config.epochs) if bars else None
        train_loss, train_score = train_epoch(run, progress)
        run.scheduler.step()
        val_loss, val_score = evaluate(config, run.model, run.split.x_val, run.split.y_val)
        seconds = time.perf_counter() - started
        for key, value in (("train_loss", train_loss), ("train_score", train_score), ("val_loss", val_loss),
                           ("val_score", val_score), ("seconds", seconds)):
            run.history[key].append(value)
        improved = val_score > run.best_score
        if improved:
            run.best_epoch, run.best_score = run.epoch, val_score
        state = run.checkpoint()
        if improved:
            chainrule.save(state, out / "best.safetensors")
        chainrule.save(state, out / "last.safetensors")
        say(_epoch_line(run, name, seconds, improved))
    return run


def _metric(config: TrainConfig, value: float) -> str:
    return f"R² {value:.4f}" if is_regression(config) else f"acc {100 * value:5.1f}%"


def _epoch_line(run: Run, name: str, seconds: float, improved: bool) -> str:
    h, config = run.history, run.config
    width = len(str(config.epochs))
    return (f"epoch {run.epoch:>{width}}/{config.epochs}  train loss {h['train_loss'][-1]:.4f} "
            f"{_metric(config, h['train_score'][-1])}  {name} loss {h['val_loss'][-1]:.4f} "
            f"{_metric(config, h['val_score'][-1])}  {seconds:.2f}s" + ("  *best" if improved else ""))


def _progress_bar(epoch: int, epochs: int) -> Callable:
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety: without tqdm the epoch lines still report progress
        return lambda iterable: iterable
    return lambda iterable: tqdm(iterable, desc=f"epoch {epoch}/{epochs}", leave=False, unit="batch",
                                 dynamic_ncols=True)


# ---------------------------------------------------------------------------------------
# pictures


def plot_history(run: Run, path: Path) -> Path:
    """Loss (left) and accuracy or R² (right) per epoch, training and held-out, best epoch marked."""
    plt = _pyplot()
    h, config = run.history, run.config
    epochs = np.arange(1, len(h["train_loss"]) + 1)
    name = held_out_name(config)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110)
    left.plot(epochs, h["train_loss"], color="#1f77b4", label="train")
    left.plot(epochs, h["val_loss"], color="#ff7f0e", label=name)
    left.set_yscale("log")
    left.set_title("loss (log scale)")
    scale = 1 if is_regression(config) else 100
    right.plot(epochs, np.asarray(h["train_score"]) * scale, color="#1f77b4", label="train")
    right.plot(epochs, np.asarray(h["val_score"]) * scale, color="#ff7f0e", label=name)
    right.set_title("R²" if is_regression(config) else "accuracy (%)")
    # zoom on where the curves settle: the first epochs' low scores would squash the rest
    settled = np.concatenate([h["train_score"][len(epochs) // 10:], h["val_score"][len(epochs) // 10:]]) * scale
    if len(settled):
        low = settled.min() - 0.03 * scale
        right.set_ylim(low if is_regression(config) else max(low, 0.0), 1.005 * scale)
    best = run.best_epoch
    if best:  # a marker on the curve and the number in the title: no text over the lines
        right.axvline(best, color="grey", linestyle=":", linewidth=1)
        right.plot([best], [run.best_score * scale], marker="o", color="#ff7f0e", markeredgecolor="black")
        best_text = f"{run.best_score:.4f}" if is_regression(config) else f"{100 * run.best_score:.1f}%"
        right.set_title(f"{right.get_title()}: best {name} {best_text} at epoch {best}")
    for axis in (left, right):
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
        axis.legend(frameon=False)
    model_name = "CNN" if config.model == "cnn" else "MLP " + ("x".join(map(str, config.hidden)) or "linear")
    figure.suptitle(f"chainrule train {config.dataset} — {model_name}, {config.optimizer} lr={config.lr} "
                    f"({config.schedule})")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_decision_boundary(run: Run, path: Path) -> Path:
    """The plane coloured by predicted class (paler where the model is unsure), points on top."""
    import chainrule

    plt = _pyplot()
    from matplotlib.colors import to_rgb

    split, model, name = run.split, run.model, held_out_name(run.config)
    points = np.concatenate([split.x_train.numpy(), split.x_val.numpy()])
    low, high = points.min(0) - 0.3, points.max(0) + 0.3
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], 400), np.linspace(low[1], high[1], 400))
    grid = chainrule.tensor(np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32))
    model.eval()
    with chainrule.no_grad():
        probabilities = model(grid).softmax(1).numpy().reshape(xs.shape + (-1,))
    model.train()
    classes = probabilities.shape[-1]
    colours = np.array([to_rgb(c) for c in PALETTE[:classes]])
    # each pixel mixes the class colours by probability, then fades toward white
    shade = np.clip(0.35 * (probabilities @ colours) + 0.65, 0.0, 1.0)
    width, height = high - low
    figure, axis = plt.subplots(figsize=(6.2, 0.4 + 5.6 * height / width if width > height else 6.0), dpi=110)
    axis.imshow(shade, origin="lower", extent=(low[0], high[0], low[1], high[1]), interpolation="bilinear")
    for k in range(classes):  # the boundary of class k: where it stops being the most likely
        others = np.delete(probabilities, k, axis=-1).max(-1)
        axis.contour(xs, ys, probabilities[..., k] - others, levels=[0.0], colors="black", linewidths=0.9)
    for k, colour in enumerate(PALETTE[:classes]):
        train = split.x_train.numpy()[split.y_train.numpy() == k]
        val = split.x_val.numpy()[split.y_val.numpy() == k]
        axis.scatter(train[:, 0], train[:, 1], s=8, color=colour, alpha=0.6, linewidths=0, label=f"class {k}")
        axis.scatter(val[:, 0], val[:, 1], s=20, color=colour, edgecolors="black", linewidths=0.6)
    axis.scatter([], [], s=20, color="white", edgecolors="black", linewidths=0.6, label=f"{name} (outlined)")
    axis.set_xlim(low[0], high[0])
    axis.set_ylim(low[1], high[1])
    axis.set_aspect("equal")
    axis.set_title(f"{run.config.dataset}: decision boundary after {run.epoch} epochs, "
                   f"{name} accuracy {100 * run.history['val_score'][-1]:.1f}%", fontsize=10)
    axis.legend(fontsize=8, loc="best", framealpha=0.9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def plot_regression_fit(run: Run, path: Path) -> Path:
    """The data and the fitted line (one input feature)."""
    import chainrule

    plt = _pyplot()
    split = run.split
    figure, axis = plt.subplots(figsize=(6, 4.2), dpi=110)
    axis.scatter(split.x_train.numpy()[:, 0], split.y_train.numpy()[:, 0], s=9, alpha=0.5, label="train")
    axis.scatter(split.x_val.numpy()[:, 0], split.y_val.numpy()[:, 0], s=16, edgecolors="black", linewidths=0.6,
                 label=held_out_name(run.config))
    line = np.linspace(*axis.get_xlim(), 200, dtype=np.float32)[:, None]
    with chainrule.no_grad():
        fitted = run.model(chainrule.tensor(line)).numpy()
    axis.plot(line[:, 0], fitted[:, 0], color="black", linewidth=2, label="model")
    axis.set_title(f"regression: R² {run.history['val_score'][-1]:.3f} on {held_out_name(run.config)} data")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.legend(frameon=False)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise CommandError('plots need matplotlib: pip install "chainrule[train]"') from None
    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt

    return plt


# ---------------------------------------------------------------------------------------
# the command line


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help=HELP, description=HELP + ".", epilog=EPILOG + _defaults_text(),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=DATASETS, help="the data set")
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp", help="network (cnn: digits only)")
    parser.add_argument("--hidden", metavar="SIZES", help="hidden layer widths, e.g. 64,64 ('' for none)")
    parser.add_argument("--epochs", type=_positive_int, help="epochs in total (with --resume: up to this many)")
    parser.add_argument("--lr", type=_positive_float, help="learning rate")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="adam, or sgd with momentum 0.9")
    parser.add_argument("--batch-size", type=_positive_int, help="samples per step")
    parser.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                        help="learning rate: cosine decay to 0 over the epochs (default), or constant")
    parser.add_argument("--seed", type=int, default=0, help="seed for the data, the weights and the shuffling")
    parser.add_argument("--samples", type=_positive_int, help="size of the data set (digits: the first N images)")
    parser.add_argument("--noise", type=float, help="noise of the toy data sets")
    parser.add_argument("--out", metavar="DIR", type=Path, help="folder for checkpoints and plots "
                        "(default: runs/DATASET-MODEL, or the checkpoint's folder with --resume)")
    parser.add_argument("--resume", metavar="CKPT", type=Path, help="continue from a last.safetensors")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.set_defaults(run=run)


def _defaults_text() -> str:
    lines = ["", "defaults per data set (each option overrides its own):"]
    for key, values in DEFAULTS.items():
        hidden = ",".join(map(str, values["hidden"])) or "none"
        name = key.replace("-cnn", " --model cnn")
        lines.append(f"  {name:<23} --hidden {hidden:<8} --epochs {values['epochs']:<4} --lr {values['lr']:<6} "
                     f"--batch-size {values['batch_size']} --samples {values['samples']} --noise {values['noise']}")
    return "\n".join(lines) + "\n"


def _single_blas_thread():
    """Run BLAS on one thread while training, when threadpoolctl (a scikit-learn dependency) is there.

    These matrices are small: splitting each product over threads costs more than it saves,
    and on a busy machine the threads wait for each other (measured on 2 shared cores:
    digits CNN 5 s with one thread, 13 s with two).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def parse_hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise CommandError(f"--hidden {text!r}: give layer widths separated by commas, e.g. 64,64") from None
    if any(size <= 0 for size in sizes):
        raise CommandError(f"--hidden {text!r}: layer widths must be positive")
    return sizes


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    key = "digits-cnn" if args.dataset == "digits" and args.model == "cnn" else args.dataset
    values = dict(DEFAULTS[key], dataset=args.dataset, model=args.model, optimizer=args.optimizer, seed=args.seed,
                  schedule=args.schedule)
    overrides = dict(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, samples=args.samples,
                     noise=args.noise)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if args.hidden is not None:
        values["hidden"] = parse_hidden(args.hidden)
    return TrainConfig(**values)


def run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        training = resume_run(load_checkpoint(args.resume))
        if training.config.dataset != args.dataset:
            raise CommandError(f"--resume {args.resume} was trained on {training.config.dataset}, not {args.dataset}")
        if args.epochs is not None:
            training.config.epochs = args.epochs
        out = args.out or args.resume.parent
        print(f"Resuming {args.resume} after epoch {training.epoch} of {training.config.epochs}.")
    else:
        config = config_from_args(args)
        training = new_run(config)
        out = args.out or Path("runs") / f"{config.dataset}-{config.model}"
    config = training.config
    parameters = sum(p.numel() for p in training.model.parameters())
    print(f"Training on {config.dataset}: {len(training.split.y_train)} training and {len(training.split.y_val)} "
          f"{held_out_name(config)} samples; {config.model.upper()} with {parameters} parameters; "
          f"{config.optimizer} lr={config.lr}, batch {config.batch_size}, {config.epochs} epochs.")
    started = time.perf_counter()
    try:
        with _single_blas_thread():
            fit(training, out)
    except KeyboardInterrupt:
        print(f"\nInterrupted during epoch {training.epoch}. {out / 'last.safetensors'} holds epoch "
              f"{training.epoch - 1}; continue with: chainrule train {config.dataset} --resume "
              f"{out / 'last.safetensors'}")
        return 130
    elapsed = time.perf_counter() - started
    name = held_out_name(config)
    print(f"Best {name} {_metric(config, training.best_score)} at epoch {training.best_epoch}; "
          f"{elapsed:.1f}s of training.")
    print(f"Checkpoints: {out / 'best.safetensors'} (best), {out / 'last.safetensors'} (to --resume)")
    if not args.no_plots and training.history["train_loss"]:
        written = [plot_history(training, out / "loss.png")]
        if config.dataset in TWO_D:
            written.append(plot_decision_boundary(training, out / "decision_boundary.png"))
        elif is_regression(config):
            written.append(plot_regression_fit(training, out / "fit.png"))
        print("Plots: " + ", ".join(str(p) for p in written))
    return 0
