"""Drafts: a student's stack survives a refresh because it lives on the server, one atomic file per owner."""

from __future__ import annotations

import pytest

from cnnlab.engine.drafts import MAX_DRAFT_BYTES, UNDO_DEPTH, Drafts, DraftState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab

STACK = {
    "name": "mine",
    "input_shape": [28, 28, 1],
    "layers": [{"type": "Conv2D", "filters": 16, "kernel_size": [3, 3]}, {"type": "Flatten"}],
}


@pytest.fixture
def drafts(lab: Lab) -> Drafts:
    """The drafts of this test's Lab, in its private runs directory."""
    return lab.drafts


def test_a_saved_draft_is_loaded_back_unchanged(drafts: Drafts) -> None:
    owner = new_owner_token()
    drafts.save(owner, STACK)
    assert drafts.load(owner) == STACK


def test_saving_again_replaces_the_draft_and_leaves_no_temporary_file(drafts: Drafts) -> None:
    owner = new_owner_token()
    drafts.save(owner, STACK)
    drafts.save(owner, {**STACK, "name": "renamed"})
    assert drafts.load(owner)["name"] == "renamed"
    assert [p.name for p in (drafts.runs_dir / "drafts").iterdir()] == [f"{owner}.json"]


def test_owners_do_not_share_drafts(drafts: Drafts) -> None:
    alice, bob = new_owner_token(), new_owner_token()
    drafts.save(alice, STACK)
    assert drafts.load(bob) is None


def test_an_invalid_stack_is_kept_as_it_is(drafts: Drafts) -> None:
    owner = new_owner_token()
    broken = {"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": -3, "kernel_size": "big"}]}
    drafts.save(owner, broken)
    assert drafts.load(owner) == broken


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b"[" * 100_000])
def test_a_corrupt_draft_file_reads_as_no_draft(drafts: Drafts, content: bytes) -> None:
    owner = new_owner_token()
    path = drafts.runs_dir / "drafts" / f"{owner}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert drafts.load(owner) is None


def test_an_oversized_draft_file_is_not_read(drafts: Drafts) -> None:
    owner = new_owner_token()
    path = drafts.runs_dir / "drafts" / f"{owner}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"name": "' + "x" * MAX_DRAFT_BYTES + '"}')
    assert drafts.load(owner) is None


@pytest.mark.parametrize("owner", ["../../etc/passwd", "", "short", "a" * 23 + "/"])
def test_a_value_that_is_not_an_owner_token_never_becomes_a_path(drafts: Drafts, owner: str) -> None:
    with pytest.raises(ValueError, match="owner token"):
        drafts.save(owner, STACK)
    with pytest.raises(ValueError, match="owner token"):
        drafts.load(owner)



def test_every_saved_change_raises_the_version_and_can_be_undone(drafts: Drafts) -> None:
    owner = new_owner_token()
    assert (drafts.version(owner), drafts.state(owner).undo_steps, drafts.undo(owner)) == (0, 0, None)
    assert drafts.save(owner, STACK) == 1
    renamed = {**STACK, "name": "renamed"}
    assert drafts.save(owner, renamed) == 2
    assert drafts.save(owner, renamed) == 3  # saved again unchanged: a new version, nothing new to undo
    assert (drafts.version(owner), drafts.state(owner).undo_steps) == (3, 1)
    assert drafts.undo(owner) == 4
    assert drafts.load(owner) == STACK and drafts.state(owner).undo_steps == 0
    assert sorted(p.name for p in (drafts.runs_dir / "drafts").iterdir()) == [f"{owner}.json"]


def test_undo_keeps_the_last_ten_changes(drafts: Drafts) -> None:
    owner = new_owner_token()
    for count in range(15):
        drafts.save(owner, {**STACK, "name": f"v{count}"})
    assert drafts.state(owner).undo_steps == UNDO_DEPTH == 10
    for _ in range(10):
        drafts.undo(owner)
    assert drafts.load(owner)["name"] == "v4" and drafts.undo(owner) is None


def test_a_corrupt_history_reads_as_version_zero(drafts: Drafts) -> None:
    owner = new_owner_token()
    drafts.save(owner, STACK)
    (drafts.runs_dir / "history" / f"{owner}.json").write_text('{"version": true, "undo": 3}')
    assert (drafts.version(owner), drafts.state(owner).undo_steps) == (0, 0)
    assert drafts.save(owner, {**STACK, "name": "again"}) == 1 and drafts.state(owner).undo_steps == 1


def test_training_settings_are_kept_per_owner(drafts: Drafts) -> None:
    owner, other = new_owner_token(), new_owner_token()
    assert drafts.load_settings(owner) is None
    drafts.save_settings(owner, {"epochs": 2, "train_size": 500})
    assert drafts.load_settings(owner) == {"epochs": 2, "train_size": 500}
    assert drafts.load_settings(other) is None


def test_the_draft_state_reads_stack_version_and_undo_depth_at_once(drafts: Drafts) -> None:
    owner = new_owner_token()
    drafts.save(owner, STACK)
    drafts.save(owner, {**STACK, "name": "renamed"})
    assert drafts.state(owner) == DraftState(stack={**STACK, "name": "renamed"}, version=2, undo_steps=1)


def test_a_save_between_the_reads_makes_the_version_unusable(drafts: Drafts,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    owner = new_owner_token()
    drafts.save(owner, STACK)
    read_stack = drafts.current

    def another_tab_saves_first(who: str) -> dict:
        drafts.save(who, {**STACK, "name": "other tab"})
        return read_stack(who)

    monkeypatch.setattr(drafts, "current", another_tab_saves_first)
    assert drafts.state(owner).version == -1  # controls drawn for it are refused, never applied elsewhere
