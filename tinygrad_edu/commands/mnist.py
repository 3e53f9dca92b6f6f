"""``python -m tinygrad_edu train-mnist``: the tensor engine's MLP on MNIST or Fashion-MNIST,
from IDX files in any folder, with a progress bar and the test accuracy after each epoch."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__: list[str] = []  # (the command line is described in the guides)


def train_mnist(args: argparse.Namespace) -> int:
    """Train an MLP on Fashion-MNIST or MNIST with the tensor engine (Adam, cross-entropy)."""
    import time

    import numpy as np
    from tqdm.auto import tqdm

    from tinygrad_edu.formatting import shape_text
    from tinygrad_edu.tensor import MLP, Adam, cross_entropy, no_grad
    from tinygrad_edu.training.fit import TrainingDiverged, fit, quiet_progress
    from tinygrad_edu.training.idx import IDXError, load_fashion_mnist, load_mnist
    from tinygrad_edu.training.optim import StepLR

    def fail(message: str) -> int:
        print(f"train-mnist: {message}", file=sys.stderr)
        return 1

    load = load_fashion_mnist if args.dataset == "fashion" else load_mnist
    try:  # (the loaders check that images and labels agree, file by file)
        train_images, y_train = load(args.data, kind="train")
        test_images, y_test = load(args.data, kind="test")
    except (OSError, IDXError) as error:  # missing, unreadable or broken files
        return fail(str(error))
    if args.limit:
        train_images, y_train = train_images[: args.limit], y_train[: args.limit]
    for kind, images in (("training", train_images), ("test", test_images)):
        if len(images) == 0:
            return fail(f"the {kind} files hold no images; check the data folder")
    if train_images.shape[1:] != test_images.shape[1:]:
        size = lambda images: shape_text(images.shape[1:])
        return fail(f"the training images are {size(train_images)} pixels but the test images "
                    f"are {size(test_images)}: the train-* and t10k-* files come from different "
                    "data sets; put matching files in the data folder")

    def as_inputs(images: Any) -> Any:  # one row of pixels in [0, 1] per image, float32
        return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)

    X_train, X_test = as_inputs(train_images), as_inputs(test_images)
    y_train, y_test = y_train.astype(np.intp), y_test.astype(np.intp)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    try:
        model = MLP(X_train.shape[1], [*args.hidden, n_classes], seed=args.seed,
                    dtype=np.float32)
    except MemoryError:
        widths = " ".join(map(str, args.hidden))
        return fail(f"not enough memory for an MLP with hidden layers of {widths} neurons; "
                    "use smaller --hidden widths")
    optimizer = Adam(model.parameters(), lr=args.lr)
    schedule = StepLR(optimizer, step_size=1, gamma=args.lr_decay)  # gamma 1: constant
    name = "Fashion-MNIST" if args.dataset == "fashion" else "MNIST"
    print(f"{model}\n")
    print(f"{name}: {len(X_train)} training and {len(X_test)} test images of "
          f"{X_train.shape[1]} pixels, {n_classes} classes. Adam lr {args.lr:g}"
          f"{f' × {args.lr_decay:g} per epoch' if args.lr_decay != 1 else ''}, batch "
          f"{args.batch_size}, {args.epochs} epochs.", flush=True)
    advice = f"lower the learning rate, e.g. --lr {args.lr / 10:g}"
    clock = [time.perf_counter()]

    class TestOutputsNaN(Exception):
        """The model's outputs on the test images are not all finite numbers."""

    def report(epoch: int, history: Any) -> None:
        """After every epoch: the test accuracy, on a line of its own."""
        seconds = time.perf_counter() - clock[0]
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            logits = model(X_test).data  # no graph is recorded: just the forward pass
        if not np.isfinite(logits).all():  # argmax would count NaN as a class
            raise TestOutputsNaN(f"after epoch {epoch} the model's outputs on the test images "
                                 f"are NaN or inf (learning rate {history.lr[-1]:g})")
        test = float((logits.argmax(axis=1) == y_test).mean())
        tqdm.write(f"epoch {epoch:2d}/{args.epochs}: train loss {history.loss[-1]:.4f}, "
                   f"train accuracy {history.accuracy[-1]:6.2%}, test accuracy {test:6.2%} "
                   f"({seconds:.2f} s)", file=sys.stdout)
        clock[0] = time.perf_counter()

    try:
        fit(model, X_train, y_train, cross_entropy, optimizer, epochs=args.epochs,
            batch_size=args.batch_size, scheduler=schedule, seed=args.seed,
            progress=not (args.no_progress or quiet_progress()), desc=name, on_epoch=report)
    except TrainingDiverged as error:
        return fail(f"training diverged: {error.reason} at epoch {error.epoch}, step "
                    f"{error.step} (learning rate {error.lr:g}); {advice}")
    except TestOutputsNaN as error:
        return fail(f"training diverged: {error}; {advice}")
    return 0
