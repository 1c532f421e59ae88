"""``chainrule tour``: the seed's lessons with the seed's numbers, and the pictures."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from chainrule.cli import main

PICTURES = ["1-graph", "3a-after-L", "3b-after-e", "3c-after-c", "4-backward", "5-neuron"]
PAGES = ["1-graph", "3c-after-c", "4-backward", "5-neuron"]  # one explorer page per lesson with a graph


@pytest.fixture
def tour_output(capsys, tmp_path):
    code = main(["tour", "--out", str(tmp_path / "tour")])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    return out, tmp_path / "tour"


def test_tour_prints_the_seed_numbers(tour_output):
    out, _ = tour_output
    for number in ["9.000000000000341", "3.0000000000001137", "27.999999999991587"]:
        assert number in out
    assert "L.grad = 1.0; L._backward()   ->  e.grad = 3, f.grad = 28    (picture: 3a-after-L." in out
    assert "e._backward()                 ->  c.grad = 3, d.grad = 3     (picture: 3b-after-e." in out
    assert "c._backward()                 ->  a.grad = 9, b.grad = 30    (picture: 3c-after-c." in out
    assert "L.backward()  ->  a.grad = 9, b.grad = 30, c.grad = 3, d.grad = 3, e.grad = 3, f.grad = 28" in out
    assert "dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9" in out


def test_tour_lessons_come_in_the_seed_order(tour_output):
    out, _ = tour_output
    headings = [line for line in out.splitlines() if line[:2] in {"1.", "2.", "3.", "4.", "5."}]
    assert [h[:2] for h in headings] == ["1.", "2.", "3.", "4.", "5."]
    assert "Neuron(3, nonlin=False)" in out and "x = [1.0, -3.4, 2.4]" in out
    assert "dy/dw1 = 1, dy/dw2 = -3.4, dy/dw3 = 2.4, dy/db = 1" in out


def test_tour_neuron_is_reproducible_and_leaves_numpy_random_state_alone(capsys, tmp_path):
    np.random.seed(123)
    expected_next = np.random.uniform()
    np.random.seed(123)
    main(["tour", "--out", str(tmp_path / "a")])
    assert np.random.uniform() == expected_next
    first = capsys.readouterr().out
    main(["tour", "--out", str(tmp_path / "a")])
    assert capsys.readouterr().out == first


def test_tour_writes_its_pictures_and_names_the_folder(tour_output):
    out, folder = tour_output
    suffix = ".svg" if shutil.which("dot") else ".dot"
    assert sorted(p.name for p in folder.iterdir()) == sorted(name + suffix for name in PICTURES)
    assert f"The pictures are in {folder.resolve()}: " in out


def test_tour_without_dot_writes_dot_files_and_says_how_to_render_them(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["tour", "--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == sorted(n + ".dot" for n in PICTURES)
    assert "apt-get install graphviz" in out and "dot -Tsvg" in out


def test_tour_html_writes_one_explorer_page_per_lesson(capsys, tmp_path, monkeypatch):
    from chainrule.viz import html

    pages = []

    def fake_explore(root, path=None, title=None):
        pages.append(title)
        path.write_text("<html></html>")

    monkeypatch.setattr(html, "explore", fake_explore)
    assert main(["tour", "--out", str(tmp_path), "--html"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.html")) == sorted(n + ".html" for n in PAGES)
    assert len(pages) == 4 and pages[0].startswith("1. ")
    assert "5-neuron.html (open it in a browser" in capsys.readouterr().out
