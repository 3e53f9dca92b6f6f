"""``python -m tinygrad_edu train-mnist`` end to end: on a tiny synthetic IDX set written here,
and on a few thousand images of Debian's Fashion-MNIST when it is installed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.training.test_idx import idx_bytes, skip_if_permissions_ignored, write
from tinygrad_edu.__main__ import main
from tinygrad_edu.training import idx as idx_data
from tinygrad_edu.training.optim import Adam

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
    assert "step" in err  # the progress bar went to stderr


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


@pytest.mark.parametrize("option", [
    ["--epochs", "0"], ["--epochs", "1.5"], ["--batch-size", "-1"], ["--lr", "0"],
    ["--lr", "inf"], ["--lr", "nan"], ["--lr", "-inf"], ["--lr", "1e-400"], ["--lr", "fast"],
    ["--hidden", "0"], ["--hidden", "64", "-1"], ["--limit", "0"], ["--lr-decay", "0"],
    ["--lr-decay", "inf"], ["--lr-decay", "nan"], ["--seed", "-1"], ["--seed", str(2**32)],
    ["--dataset", "cifar"],
])
def test_bad_options(option, capsys):
    """Found while parsing, before any data is read: argparse's message and exit code 2."""
    with pytest.raises(SystemExit) as info:
        main(["train-mnist", *option])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert f"argument {option[0]}: " in err and out == "" and "Traceback" not in err


def test_option_messages_say_what_is_allowed(capsys):
    for option, message in [(["--lr", "inf"], "argument --lr: must be a finite number > 0, "
                                              "got inf"),
                            (["--seed", "-1"], "argument --seed: must be an integer from 0 to "
                                               "4294967295, got -1"),
                            (["--epochs", "1.5"], "argument --epochs: must be an integer >= 1, "
                                                  "got '1.5'")]:
        with pytest.raises(SystemExit):
            main(["train-mnist", *option])
        assert message in capsys.readouterr().err


def test_the_largest_seed_is_accepted(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=50, n_test=20)
    assert main(["train-mnist", "--data", str(data), "--epochs", "1", "--no-progress",
                 "--seed", str(2**32 - 1)]) == 0
    assert len(epochs_of(capsys.readouterr().out)) == 1


def run_fails(args, capsys, code=1):
    """Run the command, expect ``code``, no traceback and nothing trained; the message."""
    assert main(args) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and not epochs_of(out)
    return err


def test_test_images_of_another_size_are_found_before_training(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    images = np.zeros((10, 7, 7), np.uint8)
    write(data / "t10k-images-idx3-ubyte.gz", idx_bytes(images, 0x08), gz=True)
    err = run_fails(["train-mnist", "--data", str(data)], capsys)
    assert err.startswith("train-mnist: the training images are 6×6 pixels but the test images "
                          "are 7×7")
    assert capsys.readouterr().out == ""  # no model was built


def test_empty_image_files_are_an_error(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    write(data / "t10k-images-idx3-ubyte.gz", idx_bytes(np.zeros((0, 6, 6), np.uint8), 8),
          gz=True)
    write(data / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(0, np.uint8), 8))
    err = run_fails(["train-mnist", "--data", str(data)], capsys)
    assert "the test files hold no images" in err


def test_labels_beyond_the_classes_are_an_error(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    write(data / "t10k-labels-idx1-ubyte", idx_bytes(np.full(10, 200, np.uint8), 8))
    err = run_fails(["train-mnist", "--data", str(data)], capsys)
    assert "t10k-labels-idx1-ubyte has the label 200 at index 0" in err


def test_data_pointing_at_a_file_says_so(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    err = run_fails(["train-mnist", "--data", str(data / "t10k-labels-idx1-ubyte")], capsys)
    assert "t10k-labels-idx1-ubyte (the path given, not a directory)" in err


@skip_if_permissions_ignored
def test_an_unreadable_data_file_is_a_message(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    (data / "train-images-idx3-ubyte.gz").chmod(0o200)
    err = run_fails(["train-mnist", "--data", str(data)], capsys)
    assert "cannot read" in err and "train-images-idx3-ubyte.gz: Permission denied" in err


@pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")
@pytest.mark.parametrize("batch, where", [(10, "the loss is nan at epoch 1, step 2"),
                                          (128, "after epoch 1 the model's outputs on the test "
                                                "images are NaN or inf")])
def test_a_diverging_run_stops_with_advice(tmp_path, capsys, batch, where):
    data = synthetic_set(tmp_path / "tiny", n_train=100, n_test=30)
    assert main(["train-mnist", "--data", str(data), "--lr", "1e30", "--no-progress",
                 "--batch-size", str(batch), "--epochs", "3"]) == 1
    out, err = capsys.readouterr()
    assert f"train-mnist: training diverged: {where}" in err
    assert "(learning rate 1e+30); lower the learning rate, e.g. --lr 1e+29" in err
    assert "Traceback" not in err and not epochs_of(out)  # no NaN accuracy was printed


def test_an_overflow_in_adam_is_a_message(tmp_path, capsys, monkeypatch):
    def overflow(self):
        raise FloatingPointError("Adam: parameter 0: the squared gradient overflowed")

    monkeypatch.setattr(Adam, "step", overflow)
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    err = run_fails(["train-mnist", "--data", str(data), "--no-progress"], capsys)
    assert err.startswith("train-mnist: training diverged: Adam: parameter 0: the squared "
                          "gradient overflowed at epoch 1, step 1")
    assert "--lr 0.0001" in err


def test_a_model_too_large_for_memory_is_a_message(tmp_path, capsys):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    err = run_fails(["train-mnist", "--data", str(data), "--hidden", str(10**13)], capsys)
    assert "not enough memory for an MLP with hidden layers of 10000000000000 neurons" in err


def test_the_command_line_gives_messages_not_tracebacks(tmp_path):
    data = synthetic_set(tmp_path / "tiny", n_train=20, n_test=10)
    for args, code, message in [(["--lr", "nan"], 2, "argument --lr: must be a finite number"),
                                (["--data", str(tmp_path / "absent")], 1, "no such directory")]:
        done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train-mnist",
                               "--data", str(data), *args], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == code and message in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.skipif(not idx_data.DEBIAN_FASHION_MNIST.is_dir(),
                    reason="Debian's Fashion-MNIST is not installed: "
                           "sudo apt-get install dataset-fashion-mnist")
@pytest.mark.slow
def test_real_fashion_mnist_few_thousand_images_one_epoch(capsys, monkeypatch):
    monkeypatch.delenv(idx_data.FASHION_MNIST_ENV, raising=False)
    assert main(["train-mnist", "--epochs", "1", "--limit", "3000", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Fashion-MNIST: 3000 training and 10000 test images of 784 pixels" in out
    [(_, _, test_accuracy)] = epochs_of(out)
    assert test_accuracy > 60.0  # about 69% after 24 batches; guessing gives 10%
