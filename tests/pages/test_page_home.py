"""Home in AppTest: what CNN Lab does, one-click starts, and the student's identity in the URL."""

from __future__ import annotations

import pytest

from cnnlab.engine.owners import is_owner_token, new_owner_token
from cnnlab.testing.apptest import BUILD, RESULTS, TRAIN, messages, metric, open_page, shown


def test_home_explains_the_lab_and_offers_three_starts() -> None:
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "CNN Lab"
    assert "`32 × (3×3×16) + 32 = 4,640`" in at.markdown[0].value
    assert [b.label for b in at.main.button] == ["Start from the convnet", "Start from LeNot", "Start empty"]


@pytest.mark.parametrize(("key", "parameters"),
                         [("home_start_convnet", "60,874"), ("home_start_lenot", "61,706")])
def test_a_start_button_opens_build_with_that_preset(key: str, parameters: str) -> None:
    at = open_page()
    owner = at.query_params["u"]
    at.button(key=key).click().run()
    assert at.title[0].value == "Build"
    assert metric(at, "Parameters") == parameters
    assert at.query_params == {"u": owner}


def test_a_start_button_opens_its_preset_as_build_does_with_the_train_form_to_match() -> None:
    at = open_page(BUILD, preset="fast")
    at.switch_page(TRAIN).run()
    assert at.number_input(key="train_train_size").value == 60000  # the fast preset's own recipe
    at.switch_page("app.py").run()
    at.button(key="home_start_convnet").click().run()
    assert messages(at, "success") == ["Opened the preset Convnet (reference, 60,874 parameters)."]
    at.switch_page(TRAIN).run()
    assert at.number_input(key="train_train_size").value == 30000  # the page's defaults, not fast's recipe
    assert not messages(at, "info")


def test_start_empty_clears_the_stack_and_can_bring_the_old_one_back() -> None:
    at = open_page()
    at.button(key="home_start_lenot").click().run()
    at.switch_page("app.py").run()
    at.button(key="home_start_empty").click().run()
    assert messages(at, "success") == ["Started an empty stack."]
    assert metric(at, "Parameters") == "0"
    at.switch_page(BUILD).run()  # AppTest would otherwise rerun the page it was last switched to (Home)
    at.button(key="build_bring_back").click().run()
    assert metric(at, "Parameters") == "61,706"


def test_a_new_visitor_gets_a_fresh_unguessable_token_in_the_url() -> None:
    first, second = open_page().query_params["u"], open_page().query_params["u"]
    assert is_owner_token(first) and is_owner_token(second) and first != second


@pytest.mark.parametrize("bad", ["../../etc/passwd", "x", "<script>", "A" * 25])
def test_a_malformed_token_in_the_url_is_replaced(bad: str) -> None:
    at = open_page(u=bad)
    assert not at.exception
    assert is_owner_token(at.query_params["u"]) and at.query_params["u"] != bad


def test_a_token_in_the_url_is_kept_and_every_navigation_link_carries_it() -> None:
    owner = new_owner_token()
    at = open_page(u=owner)
    assert at.query_params["u"] == owner
    links = {link.label: link.proto for link in at.sidebar.get("page_link")}
    assert list(links) == ["Home", "Lesson", "Build", "Train", "Results", "Predict", "Compare", "Leaderboard"]
    assert all(proto.query_string == f"u={owner}" for proto in links.values())


@pytest.mark.parametrize("page", [BUILD, TRAIN, RESULTS])
def test_moving_between_pages_keeps_the_identity(page: str) -> None:
    at = open_page()
    owner = at.query_params["u"]
    at.query_params.clear()  # Streamlit drops the query string when the sidebar switches pages
    at.switch_page(page).run()
    assert not at.exception
    assert at.query_params == {"u": owner}
    assert shown(at.title[0].value) == page.split("_")[1].removesuffix(".py")
