"""``chainrule train`` and ``chainrule predict`` at small sizes: output, files, exact resume, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.commands import train as training

pytest.importorskip("matplotlib")
pytest.importorskip("safetensors")

PNG = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_moons_prints_one_line_per_epoch_and_writes_checkpoints_and_plots(capsys, tmp_path):
    code, out, err = run(capsys, "train", "moons", "--samples", 300, "--epochs", 3, "--out", tmp_path)
    assert code == 0, err
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert [line.split()[1] for line in epoch_lines] == ["1/3", "2/3", "3/3"]
    assert "train loss" in epoch_lines[0] and "val loss" in epoch_lines[0] and "acc" in epoch_lines[0]
    assert "\r" not in out + err  # no progress bar when the output is not a terminal
    for name in ("best.safetensors", "last.safetensors"):
        assert (tmp_path / name).is_file()
    for name in ("loss.png", "decision_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG)
    assert "Best val acc" in out


def test_small_moons_run_learns(tmp_path):
    config = training.TrainConfig(dataset="moons", samples=400, epochs=15, noise=0.1, seed=3)
    result = training.fit(training.new_run(config), tmp_path, say=lambda line: None, progress_bars=False)
    assert result.history["val_score"][-1] > 0.9
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]


def test_the_best_checkpoint_holds_the_best_epoch(capsys, tmp_path):
    run(capsys, "train", "circles", "--samples", 200, "--epochs", 4, "--out", tmp_path, "--no-plots")
    best, last = chainrule.load(tmp_path / "best.safetensors"), chainrule.load(tmp_path / "last.safetensors")
    scores = last["history"]["val_score"]
    assert best["epoch"] == int(np.argmax(scores)) + 1 == last["best"]["epoch"]
    assert last["epoch"] == 4 and best["best"]["score"] == max(scores)
    assert not (tmp_path / "loss.png").exists()


def _identical_runs(a_path: Path, b_path: Path) -> None:
    a, b = chainrule.load(a_path), chainrule.load(b_path)
    for key in a["model"]:
        assert a["model"][key].numpy().tobytes() == b["model"][key].numpy().tobytes(), key
    for index, state in a["optimizer"]["state"].items():
        for name, value in state.items():
            assert value.numpy().tobytes() == b["optimizer"]["state"][index][name].numpy().tobytes()
    for key in ("train_loss", "train_score", "val_loss", "val_score"):
        assert a["history"][key] == b["history"][key]


def test_an_interrupted_run_resumes_exactly_where_it_stopped(capsys, tmp_path, monkeypatch):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    common = ["train", "spirals", "--samples", 240, "--hidden", "16,16", "--epochs", 5, "--no-plots"]
    assert run(capsys, *common, "--out", straight)[0] == 0

    real_epoch = training.train_epoch

    def stop_in_third_epoch(run_state, progress=None):
        if run_state.epoch == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of epoch 3
        return real_epoch(run_state, progress)

    monkeypatch.setattr(training, "train_epoch", stop_in_third_epoch)
    code, out, _ = run(capsys, *common, "--out", interrupted)
    assert code == 130 and "Interrupted during epoch 3" in out and "--resume" in out
    monkeypatch.undo()
    code, out, _ = run(capsys, "train", "spirals", "--resume", interrupted / "last.safetensors", "--no-plots")
    assert code == 0 and "after epoch 2 of 5" in out and "epoch 3/5" in out and "epoch 2/5" not in out
    _identical_runs(straight / "last.safetensors", interrupted / "last.safetensors")


def test_resume_can_extend_a_finished_run(capsys, tmp_path):
    run(capsys, "train", "moons", "--samples", 200, "--epochs", 2, "--out", tmp_path, "--no-plots")
    code, out, _ = run(capsys, "train", "moons", "--resume", tmp_path / "last.safetensors", "--epochs", 4,
                       "--no-plots")
    assert code == 0 and "epoch 3/4" in out and "epoch 4/4" in out
    assert chainrule.load(tmp_path / "last.safetensors")["epoch"] == 4


def test_digits_mlp_and_cnn_train_and_predict_evaluates(capsys, tmp_path):
    pytest.importorskip("sklearn")
    for model in ("mlp", "cnn"):
        out_dir = tmp_path / model
        code, out, err = run(capsys, "train", "digits", "--model", model, "--samples", 300, "--epochs", 2,
                             "--out", out_dir, "--no-plots")
        assert code == 0, err
        assert "test loss" in out and "Best test acc" in out
        code, out, err = run(capsys, "predict", out_dir / "best.safetensors")
        assert code == 0, err
        assert "test set: 60 samples" in out and "confusion matrix" in out


def test_predict_points_and_csv_rows(capsys, tmp_path):
    run(capsys, "train", "moons", "--samples", 200, "--epochs", 2, "--out", tmp_path, "--no-plots")
    code, out, _ = run(capsys, "predict", tmp_path / "best.safetensors", "--point", "0,1", "--point", "1.5,-0.4")
    assert code == 0
    lines = [line for line in out.splitlines() if "->" in line]
    assert lines[0].startswith("(0, 1) -> class ") and lines[1].startswith("(1.5, -0.4) -> class ")
    rows = tmp_path / "rows.csv"
    rows.write_text("0,1\n2,0\n")
    code, out, _ = run(capsys, "predict", tmp_path / "best.safetensors", "--csv", rows)
    assert code == 0 and out.count("->") == 2
    code, _, err = run(capsys, "predict", tmp_path / "best.safetensors", "--point", "1,2,3")
    assert code == 2 and "each input needs 2 numbers" in err


def test_regression_reports_r2_and_draws_the_fit(capsys, tmp_path):
    code, out, err = run(capsys, "train", "regression", "--samples", 200, "--epochs", 5, "--out", tmp_path)
    assert code == 0, err
    assert "R²" in out and (tmp_path / "fit.png").read_bytes().startswith(PNG)
    code, out, _ = run(capsys, "predict", tmp_path / "last.safetensors", "--point", "0.5")
    assert code == 0 and "(0.5) -> " in out


def test_progress_bar_when_the_output_is_a_terminal(capsys, tmp_path):
    pytest.importorskip("tqdm")
    config = training.TrainConfig(dataset="moons", samples=100, epochs=1)
    training.fit(training.new_run(config), tmp_path, progress_bars=True)
    out, err = capsys.readouterr()
    assert "epoch 1/1" in err and "batch" in err  # tqdm draws on stderr
    assert out.startswith("epoch 1/1")


@pytest.mark.parametrize("argv,message", [
    (["train", "moons", "--model", "cnn"], "--model cnn needs image data (digits)"),
    (["train", "moons", "--hidden", "64,x"], "--hidden '64,x': give layer widths"),
    (["train", "moons", "--samples", "2"], "too few to split"),
])
def test_bad_options_are_one_line_errors(capsys, tmp_path, argv, message):
    code, out, err = run(capsys, *argv, "--out", tmp_path)
    assert code == 2 and message in err and "Traceback" not in err


def test_resume_refuses_damaged_foreign_and_mismatched_checkpoints(capsys, tmp_path):
    run(capsys, "train", "moons", "--samples", 100, "--epochs", 1, "--out", tmp_path, "--no-plots")
    last = tmp_path / "last.safetensors"
    code, _, err = run(capsys, "train", "circles", "--resume", last)
    assert code == 2 and "was trained on moons, not circles" in err
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(last.read_bytes()[:-10])
    code, _, err = run(capsys, "train", "moons", "--resume", damaged)
    assert code == 2 and "truncated" in err
    plain = tmp_path / "plain.safetensors"
    chainrule.save({"weight": chainrule.ones(2)}, plain)
    code, _, err = run(capsys, "predict", plain)
    assert code == 2 and "not one `chainrule train` wrote" in err
    code, _, err = run(capsys, "predict", tmp_path / "missing.safetensors")
    assert code == 2 and "No such file" in err
