"""``chainrule predict``: evaluate a model that ``chainrule train`` saved, or classify new points.

    chainrule predict runs/moons-mlp/best.safetensors
    chainrule predict runs/moons-mlp/best.safetensors --point 0.5,-0.3 --point 1.8,0.1
    chainrule predict runs/digits-cnn/best.safetensors --csv new_images.csv

Without points it rebuilds the run's held-out split (from the seed in the checkpoint)
and reports the loss, the accuracy, each class's accuracy and the confusion matrix.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from chainrule.commands import CommandError
from chainrule.commands import train as training

HELP = "evaluate a checkpoint from `chainrule train`, or predict the class of new points"

EPILOG = """\
examples:
  chainrule predict runs/moons-mlp/best.safetensors
  chainrule predict runs/spirals-mlp/best.safetensors --point 0.2,0.4 --point -0.5,0
  chainrule predict runs/digits-mlp/best.safetensors --csv rows.csv    (64 pixel values in 0..1 per row)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("predict", help=HELP, description=HELP + ".", epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="best.safetensors or last.safetensors from chainrule train")
    parser.add_argument("--point", action="append", metavar="X,Y", help="features of one input (repeatable)")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="inputs, one comma-separated row each")
    parser.set_defaults(run=run)


def restore(path: Path):
    """(config, held-out split, model in eval mode) from a checkpoint."""
    checkpoint = training.load_checkpoint(path)
    try:
        config = training.TrainConfig.from_dict(checkpoint["config"])
    except (KeyError, TypeError) as error:
        raise CommandError(f"{path}: the checkpoint's config is incomplete ({error})") from None
    split = training.make_split(config)
    outputs = 1 if training.is_regression(config) else split.classes
    in_features = split.x_train.shape[1] if split.x_train.dim() == 2 else 1
    model = training.build_model(config, in_features, outputs)
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as error:
        raise CommandError(f"{path}: the weights do not fit the model its config describes: {error}") from None
    return config, split, model.eval(), checkpoint


def run(args: argparse.Namespace) -> int:
    config, split, model, checkpoint = restore(args.checkpoint)
    print(f"{args.checkpoint}: {config.dataset}, {config.model.upper()}, trained {checkpoint['epoch']} epochs "
          f"(best {training.held_out_name(config)} epoch {checkpoint['best']['epoch']}).")
    inputs = _inputs(args, split)
    if inputs is None:
        return _evaluate(config, split, model)
    return _predict(config, model, inputs)


def _inputs(args: argparse.Namespace, split):
    rows = []
    for text in args.point or []:
        try:
            rows.append([float(v) for v in text.split(",")])
        except ValueError:
            raise CommandError(f"--point {text!r}: give numbers separated by commas, e.g. 0.5,-0.3") from None
    if args.csv is not None:
        try:
            table = np.loadtxt(args.csv, delimiter=",", ndmin=2)
        except (OSError, ValueError) as error:
            raise CommandError(f"--csv {args.csv}: {error}") from None
        rows.extend(table.tolist())
    if not rows:
        return None
    features = int(np.prod(split.x_train.shape[1:]))
    if any(len(row) != features for row in rows):
        raise CommandError(f"each input needs {features} numbers for this model, got rows of "
                           f"{sorted({len(r) for r in rows})}")
    array = np.asarray(rows, dtype=np.float32).reshape((-1,) + tuple(split.x_train.shape[1:]))
    return array


def _predict(config, model, inputs: np.ndarray) -> int:
    import chainrule

    with chainrule.no_grad():
        output = model(chainrule.tensor(inputs))
    if training.is_regression(config):
        for row, value in zip(inputs.reshape(len(inputs), -1), output.numpy()[:, 0]):
            print(f"{_format_row(row)} -> {value:.4f}")
        return 0
    probabilities = output.softmax(1).numpy()
    for row, p in zip(inputs.reshape(len(inputs), -1), probabilities):
        ranked = np.argsort(-p)[:3]
        others = ", ".join(f"{k}: {100 * p[k]:.1f}%" for k in ranked)
        print(f"{_format_row(row)} -> class {ranked[0]}  ({others})")
    return 0


def _format_row(row: np.ndarray) -> str:
    if len(row) <= 4:
        return "(" + ", ".join(f"{v:g}" for v in row) + ")"
    return f"({len(row)} features)"


def _evaluate(config, split, model) -> int:
    name = training.held_out_name(config)
    loss, value = training.evaluate(config, model, split.x_val, split.y_val)
    model.eval()
    print(f"{name} set: {len(split.y_val)} samples, loss {loss:.4f}, {training._metric(config, value)}")
    if training.is_regression(config):
        return 0
    import chainrule

    with chainrule.no_grad():
        predicted = model(split.x_val).argmax(1).numpy()
    truth = split.y_val.numpy()
    classes = split.classes
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    width = max(5, len(str(confusion.max())) + 1)
    print("confusion matrix (rows: true class, columns: predicted):")
    print("      " + "".join(f"{k:>{width}}" for k in range(classes)) + "   accuracy")
    for k in range(classes):
        total = confusion[k].sum()
        accuracy = f"{100 * confusion[k, k] / total:5.1f}%" if total else "    -"
        print(f"{k:>5} " + "".join(f"{n:>{width}}" for n in confusion[k]) + f"   {accuracy}")
    return 0
