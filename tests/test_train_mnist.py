"""``python -m tinygrad_edu train-mnist`` end to end: on a tiny synthetic IDX set written here,
and on a few thousand images of Debian's Fashion-MNIST when it is installed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.test_idx import idx_bytes, write
from tinygrad_edu.__main__ import main
from tinygrad_edu.tensor import data as idx_data

EPOCH_LINE = re.compile(
    r"epoch +(\d+)/(\d+): train loss ([\d.]+), train accuracy +([\d.]+)%, "
    r"test accuracy +([\d.]+)%"
)


def synthetic_set(directory: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """Ten classes of 6×6 "images": each class is a random pattern, each image that pattern
    plus noise. An MLP should tell them apart almost perfectly."""
    rng = np.random.default_rng(7)
    patterns = rng.integers(0, 256, (10, 6, 6))
    directory.mkdir()
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n)
        images = np.clip(patterns[labels] + rng.normal(0, 40, (n, 6, 6)), 0, 255)
        write(directory / f"{prefix}-images-idx3-ubyte.gz", idx_bytes(images.astype(np.uint8),
                                                                      0x08), gz=True)
        write(directory / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels.astype(np.uint8), 8))
    return directory


def epochs_of(out: str) -> list[tuple[float, float, float]]:
    """(train loss, train accuracy, test accuracy) of every epoch line printed."""
    lines = EPOCH_LINE.findall(out)
    return [(float(loss), float(train), float(test)) for _, _, loss, train, test in lines]


def test_trains_on_a_tiny_synthetic_set(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CI", raising=False)  # show the progress bar
    data = synthetic_set(tmp_path / "tiny")
    code = main(["train-mnist", "--data", str(data), "--epochs", "6", "--batch-size", "32",
                 "--hidden", "32", "16", "--lr", "1e-2", "--seed", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "MLP(36 -> 32 -> 16 -> 10" in out
    assert "600 training and 200 test images of 36 pixels, 10 classes" in out
    history = epochs_of(out)
    assert len(history) == 6
    losses = [loss for loss, _, _ in history]
    assert losses[-1] < losses[0] / 3  # it learns
    assert history[-1][2] >= 95.0  # and generalises to the test images
    assert "batch" in err  # the progress bar went to stderr


def test_no_progress_bar_in_ci_logs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI", "true")
    data = synthetic_set(tmp_path / "tiny", n_train=100, n_test=30)
    assert main(["train-mnist", "--data", str(data), "--epochs", "2"]) == 0
    out, err = capsys.readouterr()
    assert len(epochs_of(out)) == 2 and err == ""


def test_same_seed_same_numbers(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=200, n_test=50)
    runs = []
    for _ in range(2):
        main(["train-mnist", "--data", str(data), "--epochs", "2", "--seed", "3",
              "--no-progress", "--limit", "150"])
        runs.append(epochs_of(capsys.readouterr().out))
    assert runs[0] == runs[1] and len(runs[0]) == 2
    main(["train-mnist", "--data", str(data), "--epochs", "2", "--seed", "4", "--no-progress",
          "--limit", "150", "--lr-decay", "0.5"])
    out = capsys.readouterr().out
    assert "150 training" in out and "× 0.5 per epoch" in out
    assert epochs_of(out) != runs[0]


def test_mnist_from_environment_variable(tmp_path, capsys, monkeypatch):
    data = synthetic_set(tmp_path / "digits", n_train=100, n_test=30)
    monkeypatch.setenv(idx_data.MNIST_ENV, str(data))
    assert main(["train-mnist", "--dataset", "mnist", "--epochs", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "MNIST: 100 training and 30 test images" in out and "Fashion" not in out
    assert len(epochs_of(out)) == 1


def test_missing_data_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(idx_data.FASHION_MNIST_ENV, raising=False)
    monkeypatch.setattr(idx_data, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    assert main(["train-mnist", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("train-mnist: load_fashion_mnist: could not find")
    assert "sudo apt-get install dataset-fashion-mnist" in err


def test_broken_file_is_a_message(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    path = data / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-3])
    assert main(["train-mnist", "--data", str(data)]) == 1
    assert "truncated" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--epochs", "0"], ["--batch-size", "-1"], ["--lr", "0"],
                                    ["--hidden", "0"], ["--limit", "0"], ["--lr-decay", "0"],
                                    ["--dataset", "cifar"]])
def test_bad_options(option, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train-mnist", *option])
    assert info.value.code == 2
    assert option[0] in capsys.readouterr().err


@pytest.mark.skipif(not idx_data.DEBIAN_FASHION_MNIST.is_dir(),
                    reason="Debian's Fashion-MNIST is not installed: "
                           "sudo apt-get install dataset-fashion-mnist")
def test_real_fashion_mnist_few_thousand_images_one_epoch(capsys, monkeypatch):
    monkeypatch.delenv(idx_data.FASHION_MNIST_ENV, raising=False)
    assert main(["train-mnist", "--epochs", "1", "--limit", "3000", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Fashion-MNIST: 3000 training and 10000 test images of 784 pixels" in out
    [(_, _, test_accuracy)] = epochs_of(out)
    assert test_accuracy > 60.0  # about 69% after 24 batches; guessing gives 10%
