"""Drafts: a student's stack survives a refresh because it lives on the server, one atomic file per owner."""

from __future__ import annotations

import pytest

from cnnlab.engine import drafts
from cnnlab.engine.drafts import (
    MAX_DRAFT_BYTES,
    UNDO_DEPTH,
    DraftState,
    draft_state,
    draft_version,
    load_draft,
    load_settings,
    save_draft,
    save_settings,
    undo_draft,
)
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import runs_root

STACK = {
    "name": "mine",
    "input_shape": [28, 28, 1],
    "layers": [{"type": "Conv2D", "filters": 16, "kernel_size": [3, 3]}, {"type": "Flatten"}],
}


def test_a_saved_draft_is_loaded_back_unchanged() -> None:
    owner = new_owner_token()
    save_draft(owner, STACK)
    assert load_draft(owner) == STACK


def test_saving_again_replaces_the_draft_and_leaves_no_temporary_file() -> None:
    owner = new_owner_token()
    save_draft(owner, STACK)
    save_draft(owner, {**STACK, "name": "renamed"})
    assert load_draft(owner)["name"] == "renamed"
    assert [p.name for p in (runs_root() / "drafts").iterdir()] == [f"{owner}.json"]


def test_owners_do_not_share_drafts() -> None:
    alice, bob = new_owner_token(), new_owner_token()
    save_draft(alice, STACK)
    assert load_draft(bob) is None


def test_an_invalid_stack_is_kept_as_it_is() -> None:
    owner = new_owner_token()
    broken = {"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": -3, "kernel_size": "big"}]}
    save_draft(owner, broken)
    assert load_draft(owner) == broken


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b"[" * 100_000])
def test_a_corrupt_draft_file_reads_as_no_draft(content: bytes) -> None:
    owner = new_owner_token()
    path = runs_root() / "drafts" / f"{owner}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert load_draft(owner) is None


def test_an_oversized_draft_file_is_not_read() -> None:
    owner = new_owner_token()
    path = runs_root() / "drafts" / f"{owner}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"name": "' + "x" * MAX_DRAFT_BYTES + '"}')
    assert load_draft(owner) is None


@pytest.mark.parametrize("owner", ["../../etc/passwd", "", "short", "a" * 23 + "/"])
def test_a_value_that_is_not_an_owner_token_never_becomes_a_path(owner: str) -> None:
    with pytest.raises(ValueError, match="owner token"):
        save_draft(owner, STACK)
    with pytest.raises(ValueError, match="owner token"):
        load_draft(owner)



def test_every_saved_change_raises_the_version_and_can_be_undone() -> None:
    owner = new_owner_token()
    assert (draft_version(owner), draft_state(owner).undo_steps, undo_draft(owner)) == (0, 0, None)
    assert save_draft(owner, STACK) == 1
    renamed = {**STACK, "name": "renamed"}
    assert save_draft(owner, renamed) == 2
    assert save_draft(owner, renamed) == 3  # saved again unchanged: a new version, nothing new to undo
    assert (draft_version(owner), draft_state(owner).undo_steps) == (3, 1)
    assert undo_draft(owner) == 4
    assert load_draft(owner) == STACK and draft_state(owner).undo_steps == 0
    assert sorted(p.name for p in (runs_root() / "drafts").iterdir()) == [f"{owner}.json"]


def test_undo_keeps_the_last_ten_changes() -> None:
    owner = new_owner_token()
    for count in range(15):
        save_draft(owner, {**STACK, "name": f"v{count}"})
    assert draft_state(owner).undo_steps == UNDO_DEPTH == 10
    for _ in range(10):
        undo_draft(owner)
    assert load_draft(owner)["name"] == "v4" and undo_draft(owner) is None


def test_a_corrupt_history_reads_as_version_zero() -> None:
    owner = new_owner_token()
    save_draft(owner, STACK)
    (runs_root() / "history" / f"{owner}.json").write_text('{"version": true, "undo": 3}')
    assert (draft_version(owner), draft_state(owner).undo_steps) == (0, 0)
    assert save_draft(owner, {**STACK, "name": "again"}) == 1 and draft_state(owner).undo_steps == 1


def test_training_settings_are_kept_per_owner() -> None:
    owner, other = new_owner_token(), new_owner_token()
    assert load_settings(owner) is None
    save_settings(owner, {"epochs": 2, "train_size": 500})
    assert load_settings(owner) == {"epochs": 2, "train_size": 500}
    assert load_settings(other) is None


def test_the_draft_state_reads_stack_version_and_undo_depth_at_once() -> None:
    owner = new_owner_token()
    save_draft(owner, STACK)
    save_draft(owner, {**STACK, "name": "renamed"})
    assert draft_state(owner) == DraftState(stack={**STACK, "name": "renamed"}, version=2, undo_steps=1)


def test_a_save_between_the_reads_makes_the_version_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    owner = new_owner_token()
    save_draft(owner, STACK)
    read_stack = drafts.current_stack

    def another_tab_saves_first(who: str) -> dict:
        save_draft(who, {**STACK, "name": "other tab"})
        return read_stack(who)

    monkeypatch.setattr(drafts, "current_stack", another_tab_saves_first)
    assert draft_state(owner).version == -1  # controls drawn for it are refused, never applied elsewhere
