"""The lessons in notebooks/: stored without outputs, and each runs top to bottom in quick mode.

The quick runs execute the notebooks as a course would (papermill, the `parameters` cell overridden
with QUICK = True) in lesson order, in the project root, with their run directories and the
evaluator cache in a temporary folder; any cell error fails the test. Lesson 3 reuses lesson 1's
GAN run, as it does for a student.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from compare_support import fashion_mnist_present
from nst_support import real_weights_path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
LESSONS = ("1_gan", "2_style_transfer", "3_comparison")


def read(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_the_three_lessons_are_there_and_nothing_else():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(LESSONS)


@pytest.mark.parametrize("name", LESSONS)
def test_committed_notebook_holds_no_outputs_or_execution_counts(name):
    notebook = read(name)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]  # fmt: skip
    assert not dirty, f"{name}.ipynb: code cells {dirty} hold outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("name", LESSONS)
def test_first_code_cell_is_the_parameters_cell_with_quick_off(name):
    code = [cell for cell in read(name).cells if cell.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", [])
    assert "QUICK = False" in first.source
    # The set-up cell comes next and works without the package installed (Colab).
    assert "PROJECT_SOURCE" in code[1].source and "find_spec" in code[1].source


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_ends_with_three_to_five_exercises(name):
    last = read(name).cells[-1]
    assert last.cell_type == "markdown" and "## Try this" in last.source
    numbered = [line for line in last.source.splitlines() if line[:2] in {f"{k}." for k in range(1, 10)}]
    assert 3 <= len(numbered) <= 5


@pytest.fixture(scope="module")
def lesson_runs(tmp_path_factory):
    """A folder for the lessons' run directories, shared so lesson 3 finds lesson 1's GAN run."""
    return tmp_path_factory.mktemp("lessons")


def _skip_reason() -> str | None:
    missing = [name for name in ("papermill", "ipykernel") if importlib.util.find_spec(name) is None]
    if missing:
        return f"{', '.join(missing)} not installed: pip install -e '.[test]'"
    if not fashion_mnist_present():
        return "Fashion-MNIST absent: install dataset-fashion-mnist or fill Keras's cache"
    if real_weights_path() is None:
        return "real VGG19 weights absent: set NST_VGG19_WEIGHTS or provide ../shared/models/vgg19_notop_imagenet_q8.h5"
    return None


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.real_weights
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_in_quick_mode(name, lesson_runs, monkeypatch):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    import papermill

    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(real_weights_path()))
    monkeypatch.setenv("COMPARE_CACHE_DIR", str(lesson_runs / "evaluator-cache"))
    output = lesson_runs / f"{name}.ipynb"
    # Raises PapermillExecutionError, naming the cell and its error, if any cell fails.
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(output), parameters={"QUICK": True, "RUNS_ROOT": str(lesson_runs)},
        cwd=str(REPO), kernel_name="python3", progress_bar=False,
    )  # fmt: skip
    executed = nbformat.read(output, as_version=4)
    images = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if "image/png" in o.get("data", {})]  # fmt: skip
    assert images, f"{name}: the executed notebook shows no inline image"
    if name == "1_gan":
        assert len(list(lesson_runs.glob("gan-*/summary.json"))) == 1
    if name == "3_comparison":
        # It reused lesson 1's GAN run and made one style transfer run.
        assert len(list(lesson_runs.glob("gan-*"))) == 1
        assert len(list(lesson_runs.glob("nst-*/final.png"))) == 1
