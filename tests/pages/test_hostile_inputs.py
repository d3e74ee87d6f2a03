"""Every entry point tried with garbage, through the real pages (AppTest) and through the library.

Spec uploads (not JSON, binary, 50 MB, nested deeper than any spec, wrong types, broken model files, hostile
file names), `?spec=`, `?preset=`, `?u=` and `?run=` values, hyperparameters out of range or NaN, and job or
run ids that belong to someone else or look like paths. Each gets a clear message (or is ignored without
effect, where only a forged request can send it), never a traceback; another student's run is never shown
or stopped; and the `fence` fixture proves that nothing outside the runs directory was read or written. User
text — a stack or run name, an uploaded file's name — is never rendered as HTML on any page.

Jobs here run on the engine's scripted runner (`cnnlab.testing.engine.ScriptedRunner`): the test's Lab with
its real job manager, driver thread and store, no TensorFlow.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.core import hyper
from cnnlab.core.hyper import CLASS_DEMO, parse_train_config
from cnnlab.core.layer_types.conv2d import MAX_FILTERS
from cnnlab.core.layer_types.dense import MAX_UNITS
from cnnlab.core.layers import MAX_LAYERS, MAX_PARAMS, MAX_SPEC_BYTES
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.engine import owners, store
from cnnlab.engine.jobs import JobManager, JobRefused, JobState
from cnnlab.engine.owners import is_owner_token, new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.store import ModelFormat
from cnnlab.lab import Lab
from cnnlab.testing.apptest import BUILD, RESULTS, TRAIN, messages, metric, open_page
from cnnlab.testing.engine import ScriptedRunner, finished_event
from cnnlab.ui.files import MAX_UPLOAD_MB

PREDICT, COMPARE = "pages/4_Predict.py", "pages/5_Compare.py"
PAGES = (BUILD, TRAIN, RESULTS, COMPARE, PREDICT)
CONVNET_PARAMS = "60,874"
MARKUP_NAME = '<img src=x onerror=alert(1)><a href="https://e.x">x</a>'  # 52 characters: fits a stack name
MAX_MESSAGE = 600  # a message names what was wrong; hostile input must not flood it
CONVNET_STACK = stack_from_spec(preset_spec("convnet"))


# ------------------------------------------------------------------------------------------- the fence

_FENCES: list[Fence] = []


def _audit(event: str, args: tuple) -> None:
    """Record every file opened inside an active fence's decoy directory, or /etc/passwd."""
    if event != "open" or not _FENCES or isinstance(args[0], int) or args[0] is None:
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    for fence in _FENCES:
        if path == "/etc/passwd" or path.startswith(str(fence.decoy)):
            fence.opened.append(path)


sys.addaudithook(_audit)  # hooks cannot be removed; outside a fence this one returns at once


@dataclass
class Fence:
    """A decoy directory outside the runs directory (holding a run-shaped directory with a model, a draft,
    a spec), the files opened in it, and the tree around the runs directory before the test."""

    decoy: Path
    runs_dir: Path
    opened: list[str] = field(default_factory=list)


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` except `skip`'s and pytest's own `.lock`: relative path → (size, mtime).

    A file that vanishes while it is listed (another test's background thread tidying its own folder) is
    left out: it was not this test's to write.
    """
    files = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if Path(directory, d) != skip]
        for name in names:
            path = Path(directory, name)
            if path == root / ".lock":
                continue
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


def _outside(tmp_path: Path, runs_dir: Path) -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    """What a hostile path could write outside the runs directory: a new entry beside the test folders (the
    parent of `runs_dir`), or any file in this test's own folder with its decoy. Other tests' folders are
    left alone: their background threads may still be writing there."""
    return frozenset(entry.name for entry in runs_dir.parent.iterdir()), _tree(tmp_path, skip=runs_dir)


@pytest.fixture
def fence(tmp_path: Path, lab: Lab) -> Iterator[Fence]:
    """Fails the test if anything outside the Lab's runs directory was written, or the decoy (or
    /etc/passwd) opened."""
    decoy = tmp_path / "outside"
    run_dir = decoy / "0123456789abcdef"
    run_dir.mkdir(parents=True)
    for name in ("model.h5", "model.keras", "metrics.json", "result.json", "spec.json"):
        (run_dir / name).write_text("{}")
    (decoy / "secret.json").write_text('{"layers": []}')
    runs_dir = lab.settings.runs_dir
    before = _outside(tmp_path, runs_dir)
    watched = Fence(decoy, runs_dir)
    _FENCES.append(watched)
    try:
        yield watched
    finally:
        _FENCES.remove(watched)
    assert watched.opened == [], "files outside the runs directory were opened"
    assert _outside(tmp_path, runs_dir) == before, "files outside the runs directory were written"


def hostile_ids(fence: Fence) -> list[object]:
    """Ids a forged request or a URL could carry instead of a run id or an owner token."""
    decoy = fence.decoy
    return [
        "../../etc/passwd", "/etc/passwd", str(decoy / "0123456789abcdef"),
        f"../{decoy.name}/0123456789abcdef",
        os.path.relpath(decoy / "0123456789abcdef", fence.runs_dir), "..", ".", "", " ",
        "0123456789abcdef\x00",
        "0123456789abcdef/../../outside", "0123456789ABCDEF", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "a" * 100_000,
        "'; DROP TABLE runs; --", "*", "\u202e\u0000", None, 7, 1.5, ["0123456789abcdef"], {"id": 1},
        b"0123456789abcdef",
    ]


# ------------------------------------------------------------------------------------------- jobs without TF


@dataclass(frozen=True)
class TwoStudents:
    """The served Lab's job manager on its scripted runner, and two students: Alice with a finished run named
    `MARKUP_NAME` (and a model file), Bob with none."""

    manager: JobManager
    runner: ScriptedRunner
    alice: str
    alice_run: str
    bob: str


def _finish(runner: ScriptedRunner, task_index: int) -> None:
    runner.send(runner.tasks[task_index], {"event": "started", "steps_per_epoch": 4},
                {"event": "batch", "epoch": 1, "step": 4, "loss": 0.5, "accuracy": 0.8,
                 "samples_per_second": 800.0, "elapsed_s": 0.5},
                {"event": "epoch", "epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6,
                 "val_accuracy": 0.75, "seconds": 0.5, "samples_per_second": 800.0},
                finished_event(accuracy=0.8125), {"event": "done"})


@pytest.fixture
def students(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> TwoStudents:
    """See `TwoStudents`; Predict's TensorFlow warm-up is skipped (no question is asked of a model here)."""
    manager, runner = lab.jobs, lab.jobs.runner
    monkeypatch.setattr(lab.inference, "start", lambda: None)
    alice, bob = new_owner_token(), new_owner_token()
    run_id = manager.submit(alice, preset_spec("convnet"), {"epochs": 1, "train_size": 1000}, MARKUP_NAME)
    manager.step()
    _finish(runner, 0)
    manager.step()
    assert manager.snapshot(run_id, alice).state == JobState.FINISHED
    return TwoStudents(manager, runner, alice, run_id, bob)


def _page(page: str, **query: str) -> AppTest:
    at = open_page(page, **query)
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def _elements(node: object) -> Iterator[tuple[str, Any]]:
    """(type, proto) of every element on an AppTest page (pass `at._tree`), depth first."""
    if getattr(node, "proto", None) is not None:
        yield getattr(node, "type", ""), node.proto
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def _texts(at: AppTest) -> str:
    """Everything the page holds, as the protos' text (labels, bodies, table bytes, chart JSON, options)."""
    return "\n".join(str(proto) for _, proto in _elements(at._tree))


# ------------------------------------------------------------------------------------------- ids and owners


def test_ids_shaped_like_paths_reach_no_file(students: TwoStudents, fence: Fence, lab: Lab) -> None:
    manager, alice = students.manager, students.alice
    for bad in hostile_ids(fence):
        assert manager.snapshot(bad, alice) is None, bad
        assert manager.stop(bad, alice) is False, bad
        assert manager.result(bad, alice) is None, bad
        assert [manager.model_file(bad, alice, fmt) for fmt in ModelFormat] == [None, None], bad
        assert manager.store.metrics(bad, alice) is None, bad
        assert manager.snapshot(students.alice_run, bad) is None, bad  # as an owner token
        assert manager.stop(students.alice_run, bad) is False, bad
        assert manager.jobs(bad) == [], bad
        with pytest.raises(JobRefused, match="no valid owner token; reload the page"):
            manager.submit(bad, preset_spec("convnet"), {"epochs": 1})
        with pytest.raises(ValueError, match="owner token"):
            lab.drafts.save(bad, {"layers": []})  # the pages only pass checked tokens; this is the backstop
    assert manager.snapshot(students.alice_run, alice).state == JobState.FINISHED


@pytest.mark.parametrize("address", ["../../etc/passwd", "/etc/passwd", "..%2F..%2Fdrafts", "a" * 5000,
                                     "\x00", MARKUP_NAME, "0123456789abcdef0123456\x00", "short"])
def test_an_owner_in_the_address_that_is_not_a_token_gets_a_fresh_one(address: str, fence: Fence) -> None:
    at = _page(BUILD, u=address, preset="convnet")
    owner = at.query_params["u"]
    assert is_owner_token(owner) and owner != address
    assert metric(at, "Parameters") == CONVNET_PARAMS
    assert [path.name for path in (fence.runs_dir / "drafts").iterdir()] == [f"{owner}.json"]


def test_another_students_run_is_neither_shown_nor_stoppable(students: TwoStudents, fence: Fence) -> None:
    manager, alice, bob, run_id = students.manager, students.alice, students.bob, students.alice_run
    second = manager.submit(alice, preset_spec("lenot"), {"epochs": 1, "train_size": 1000}, "alice second")
    manager.step()
    assert manager.snapshot(second, alice).state == JobState.RUNNING
    assert manager.stop(second, bob) is False and manager.stop(run_id, bob) is False
    assert manager.snapshot(second, bob) is None and manager.result(run_id, bob) is None
    assert manager.jobs(bob) == []
    assert manager.snapshot(second, alice).state == JobState.RUNNING
    for page in PAGES:
        query = {"u": bob, "run": run_id} if page == PREDICT else {"u": bob}
        shown = _texts(_page(page, **query))
        assert run_id not in shown and second not in shown and "alice second" not in shown, page
        assert "img src" not in shown, page


def test_a_run_in_the_predict_address_opens_only_the_students_own_runs(students: TwoStudents,
                                                                        fence: Fence) -> None:
    manager, bob = students.manager, students.bob
    bob_run = manager.submit(bob, preset_spec("convnet"), {"epochs": 1, "train_size": 1000}, "bob's")
    manager.step()
    _finish(students.runner, 1)
    manager.step()
    assert manager.snapshot(bob_run, bob).state == JobState.FINISHED
    addresses = [value for value in hostile_ids(fence) if isinstance(value, str)]
    for bad in [students.alice_run, *addresses]:
        at = _page(PREDICT, u=bob, run=bad)
        assert at.query_params["run"] == bob_run, bad
        assert students.alice_run not in _texts(at)


# ------------------------------------------------------------------------------------------- uploads


def _h5(attributes: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        for name, value in attributes.items():
            handle.attrs[name] = value
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GARBAGE_UPLOADS = {  # (file name, a function making its bytes: some are big, so made only when used)
    "text": ("notes.json", lambda: b"hello, this is not JSON"),
    "binary": ("photo.json", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
    "50 MB": ("huge.json", lambda: b"[" + b" " * 50_000_000 + b"]"),
    "nested": ("nested.json", lambda: b'{"layers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "utf-16": ("utf16.json", lambda: '{"layers": []}'.encode("utf-16")),
    "a list": ("list.json", lambda: b"[]"),
    "a number": ("number.json", lambda: b"1e999"),
    "null": ("null.json", lambda: b"null"),
    "layers not a list": ("types.json", lambda: b'{"input_shape": "big", "layers": {"type": "Conv2D"}}'),
    "too many layers": ("long.json", lambda: json.dumps({"layers": [{"type": "Flatten"}] * 10_000}).encode()),
    "HDF5 signature, then junk": ("model.h5", lambda: b"\x89HDF\r\n\x1a\n" + b"\xff" * 4096),
    "HDF5 without a model": ("weights.h5", lambda: _h5({"note": "weights only"})),
    "HDF5 with a broken config": ("broken.h5", lambda: _h5({"model_config": '{"class_name": "Sequential"'})),
    "zip signature, then junk": ("model.keras", lambda: b"PK\x03\x04" + b"\x00" * 4096),
    "a zip without config.json": ("empty.keras", lambda: _zip({"readme.txt": b"hi"})),
    "a zip with a broken config": ("broken.keras", lambda: _zip({"config.json": b"{not json"})),
    "a zip bomb of a config": ("bomb.keras", lambda: _zip({"config.json": b"[" + b" " * 50_000_000 + b"]"})),
    "a functional model": ("functional.keras", lambda: _zip({"config.json": json.dumps(
        {"class_name": "Functional", "config": {"layers": []}}).encode()})),
    "markup in the name": (f"{MARKUP_NAME}.json", lambda: b"nope"),
    "a path as the name": ("../../../../etc/passwd.json", lambda: b"nope"),
    "a long name": ("x" * 5000 + ".json", lambda: b"nope"),
}


@pytest.mark.parametrize("name, make", GARBAGE_UPLOADS.values(), ids=GARBAGE_UPLOADS.keys())
def test_a_garbage_upload_gets_one_clear_message_and_changes_nothing(name: str, make: Callable[[], bytes],
                                                                    fence: Fence) -> None:
    at = _page(BUILD, preset="convnet")
    at.file_uploader[0].upload(name, make())
    at.run()
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1, errors
    assert "could not be opened" in errors[0] and errors[0].endswith("Your stack is unchanged."), errors[0]
    assert len(errors[0]) <= MAX_MESSAGE, errors[0][:MAX_MESSAGE]
    assert metric(at, "Parameters") == CONVNET_PARAMS
    assert not raw_markup(at.error[0].value)  # the file's name is shown as text, never as markup


@pytest.mark.parametrize("name", ["program.exe", "spec\x00.json", "noextension"])
def test_any_file_name_gets_our_message_not_streamlits(name: str) -> None:
    """Another type of file, or a forged name with a NUL: read by content, refused with one message."""
    at = _page(BUILD, preset="convnet")
    at.file_uploader[0].upload(name, b"MZ\x90\x00 not a spec")
    at.run()
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and "could not be opened" in errors[0], errors
    assert metric(at, "Parameters") == CONVNET_PARAMS


# ------------------------------------------------------------------------------------------- links


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HOSTILE_LINKS = {
    "non-UTF-8 bytes": {"spec": _b64(b"\xff\xfe\xfd\x00{}")},
    "a JSON string": {"spec": _b64(b'"convnet"')},
    "infinity": {"spec": _b64(b"1e999")},
    "objects 10,000 deep": {"spec": _b64(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)},
    "480,000 characters": {"spec": _b64(b"[" + b"0," * 180_000 + b"0]")},  # Streamlit drops > 524,288
    "a NUL": {"spec": "\x00"},
    "only padding": {"spec": "===="},
    "a path as a preset": {"preset": "../../etc/passwd"},
    "a 10,000-character preset": {"preset": "p" * 10_000},
    "an object key as a preset": {"preset": "__class__"},
    "a preset with a NUL": {"preset": "convnet\x00"},
    "markup as a preset": {"preset": MARKUP_NAME},
}


@pytest.mark.parametrize("query", HOSTILE_LINKS.values(), ids=HOSTILE_LINKS.keys())
def test_a_hostile_link_gets_one_bounded_message_and_an_empty_stack(query: dict[str, str],
                                                                    fence: Fence) -> None:
    at = _page(BUILD, **query)
    errors = messages(at, "error")
    assert len(errors) == 1 and "unchanged" in errors[0], errors
    assert len(errors[0]) <= MAX_MESSAGE, errors[0][:MAX_MESSAGE]
    assert not raw_markup(at.error[0].value)
    assert metric(at, "Parameters") == "0"
    assert set(at.query_params) == {"u"}


# ------------------------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize("name, value", [
    ("epochs", float("nan")), ("epochs", 10**100), ("epochs", -1), ("epochs", 2.5), ("epochs", True),
    ("epochs", "ten"), ("epochs", None), ("epochs", [5]), ("learning_rate", float("inf")),
    ("learning_rate", float("-inf")), ("learning_rate", "nan"), ("learning_rate", 0),
    ("learning_rate", "1e309"),
    ("batch_size", 2**63), ("batch_size", {"size": 1}), ("train_size", 0), ("train_size", "60001"),
    ("validation_split", -0.0001), ("validation_split", 1), ("seed", -1), ("optimizer", "adam; rm -rf /"),
    ("optimizer", None), ("optimizer", "x" * 10_000),
])
def test_a_hostile_hyperparameter_is_refused_with_a_message_naming_it(name: str, value: object,
                                                                       students: TwoStudents) -> None:
    config, problems = parse_train_config({name: value})
    assert config is None and len(problems) == 1
    assert problems[0].startswith(f"{name} must be") and len(problems[0]) <= MAX_MESSAGE, problems
    with pytest.raises(JobRefused) as refusal:
        students.manager.submit(students.bob, preset_spec("convnet"), {name: value})
    assert str(refusal.value) == problems[0]
    assert students.manager.jobs(students.bob) == []


@pytest.mark.parametrize("key, value", [("train_learning_rate", float("nan")), ("train_learning_rate", -5.0),
                                        ("train_epochs", 10**6), ("train_batch_size", 1),
                                        ("train_train_size", 10**12), ("train_validation_split", 5.0)])
def test_a_forged_form_value_never_reaches_a_job(key: str, value: float, students: TwoStudents,
                                                 lab: Lab) -> None:
    """The browser clamps these boxes; a forged request can still send anything. Streamlit itself puts such a
    value back to the box's default, so the job trains within the caps (here: the class-demo defaults)."""
    owner = students.bob
    lab.drafts.save(owner, CONVNET_STACK)
    at = _page(TRAIN, u=owner)
    at.number_input(key=key).set_value(value)
    at.button(key="train_submit").click().run()
    assert not at.exception
    [job] = students.manager.jobs(owner)
    assert job.config == CLASS_DEMO  # the form's defaults: the class demo


# ------------------------------------------------------------------------------------------- text, not markup


_SHOWN_AS_TEXT = {"text_input", "text_area", "code", "selectbox", "multiselect", "dataframe"}


def raw_markup(text: str) -> bool:
    """True if `text` holds an HTML tag of the test's name unescaped: `<img …` or `<a …`, not `\\<img` (a
    Markdown escape) nor `&lt;img` (an HTML entity)."""
    return re.search(r"(?<!\\)<(img|a) ", text, re.IGNORECASE) is not None


def _markup_leaks(at: AppTest) -> list[str]:
    """Elements that would render the user's markup: raw tags outside the elements that show text literally
    (inputs, option lists, code, data grids), any `st.html`, and any unsafe-HTML Markdown holding the name."""
    leaks: list[str] = []
    for kind, proto in _elements(at._tree):
        text = str(proto)
        if kind == "plotly_chart":  # Plotly's JSON writes "<" as \u003c: decode it to see what it would draw
            text = json.dumps(json.loads(proto.spec), ensure_ascii=False)
        unsafe_html = kind == "html" or getattr(proto, "allow_html", False)
        if (unsafe_html and "img src" in text) or (kind not in _SHOWN_AS_TEXT and raw_markup(text)):
            leaks.append(f"{kind}: {text[:300]}")
    return leaks


def test_user_text_is_never_rendered_as_html_on_any_page(students: TwoStudents, lab: Lab) -> None:
    alice = students.alice
    lab.drafts.save(alice, CONVNET_STACK | {"name": MARKUP_NAME})
    for page in PAGES:
        at = _page(page, u=alice)
        assert "img src" in _texts(at), f"{page} should show the run's name"
        assert _markup_leaks(at) == [], page


# ------------------------------------------------------------------------------------------- tokens and caps


def test_owner_tokens_and_run_ids_come_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = {new_owner_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(is_owner_token(token) for token in tokens)
    monkeypatch.setattr(owners.secrets, "token_urlsafe", lambda size: f"from-secrets-{size}".ljust(24, "x"))
    monkeypatch.setattr(store.secrets, "token_hex", lambda size: f"{size:016x}")
    assert new_owner_token() == "from-secrets-18xxxxxxxxx"
    assert store.new_run_id() == "0000000000000008"


def test_the_caps_are_stated_where_students_meet_them(students: TwoStudents) -> None:
    build = _page(BUILD)
    caption = " ".join(element.value for element in build.caption)
    for cap in (f"{MAX_LAYERS} layers", f"{MAX_PARAMS:,} parameters", f"{MAX_FILTERS:,} filters",
                f"{MAX_UNITS:,} units"):
        assert cap in caption, cap
    upload_help = build.file_uploader[0].help
    assert f"up to {MAX_UPLOAD_MB} MB" in upload_help
    assert f"up to {MAX_SPEC_BYTES // 1_000_000} MB" in upload_help
    settings = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["maxUploadSize"] == MAX_UPLOAD_MB  # the server refuses exactly what help says
    limits = students.manager.limits
    train = " ".join(element.value for element in _page(TRAIN, u=students.bob).caption)
    for cap in (f"{hyper.MAX_EPOCHS} epochs", f"{hyper.MAX_TRAIN_SIZE:,} training images",
                f"{limits.max_params:,} parameters per job", f"{limits.max_queued_per_owner} waiting job",
                f"{limits.max_queued} in the whole queue"):
        assert cap in train, cap
