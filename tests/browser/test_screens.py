"""Every screen a class holds, in a real browser: a phone (390×844, touch), a tablet (820×1180, touch) and a
laptop (1366×768) walk Home, Lesson, Build, Train, Results, Predict, Compare, Leaderboard and the teacher's
dashboard, and the projector shows the leaderboard at 1920×1080.

The class is planted before the server starts: 30 named students with finished runs under a challenge of at
most 10,000 parameters, Chloé with two real trained runs (so Results, Predict and Compare have something to
show). On each page: no page-level horizontal scroll, no metric value wider than its box, no button label
cut, the sidebar closed at ≤ 1024 px, and on Predict the canvas inside its column and the screen. The
screenshots of each page at each size go to docs/screenshots/ under `make screenshots`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from cnnlab.core.arithmetic import analyze
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import encode_spec_for_url, spec_to_dict
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import TEACHER_KEY_ENV, Lab, Settings
from cnnlab.testing.models import TrainedRun, register_run, trained_runs
from cnnlab.testing.server import Server, started_server

pytestmark = pytest.mark.browser

KEY = "screens-teacher-key"
NAMES = ("Chloé", "Zoë", "Łukasz", "Ada", "Björn", "Carmen", "Dmitri", "Émile", "Farah", "Gustav", "Hana",
         "Ines", "Jonas", "Kai", "Lea", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tomás",
         "Uma", "Vera", "Wen", "Xavi", "Yara", "Zeynep", "Aiko")
LIMIT = 10_000


@dataclass(frozen=True)
class Screen:
    """A device: its name in screenshot files, its window, and whether it is touch-first."""

    name: str
    width: int
    height: int
    touch: bool


PHONE = Screen("phone", 390, 844, True)
TABLET = Screen("tablet", 820, 1180, True)
DESKTOP = Screen("desktop", 1366, 768, False)
PROJECTOR = Screen("projector", 1920, 1080, False)
PAGES = ("Home", "Lesson", "Build", "Train", "Results", "Predict", "Compare", "Leaderboard", "Teacher")
OVER_THE_LIMIT = {"name": "just over", "input_shape": [28, 28, 1], "layers": [  # 10,182 parameters
    {"type": "Conv2D", "filters": 12, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 28, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}


def _convnet_with(first_filters: int) -> int:
    """The convnet preset's parameters with `first_filters` in its first Conv2D."""
    spec = spec_to_dict(preset_spec("convnet"))
    spec["layers"][0]["filters"] = first_filters
    return analyze(spec).total_params


@dataclass(frozen=True)
class ClassApp:
    """The running app and the student whose pages are walked."""

    server: Server
    chloe: str


def _scored(run: TrainedRun, accuracy: float) -> TrainedRun:
    return dataclasses.replace(run, record=dataclasses.replace(run.record, test_accuracy=accuracy))


@pytest.fixture(scope="module")
def class_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassApp]:
    """A class of 30 under "Small and sharp" (≤ 10,000 parameters), planted, then `make run` over it."""
    work = tmp_path_factory.mktemp("screens")
    runs = trained_runs()
    lab = Lab(Settings(runs_dir=work / "runs"))
    try:
        challenge, _ = parse_challenge({"title": "Small and sharp", "max_params": LIMIT,
                                        "text": "The best test accuracy wins"})
        lab.classroom.challenges.start(challenge)
        owners = [new_owner_token() for _ in NAMES]
        for rank, (owner, name) in enumerate(zip(owners, NAMES, strict=True)):
            lab.classroom.roster.join(owner)
            assert lab.classroom.roster.set_name(owner, name).ok
            register_run(lab.store, owner, _scored(runs["convnet"], 0.97 - rank * 0.001))
        register_run(lab.store, owners[0], runs["mlp"])
    finally:
        lab.close()
    with started_server(work, {TEACHER_KEY_ENV: KEY}) as server:
        yield ClassApp(server, owners[0])


Tabs = Callable[..., object]  # the `new_tab` fixture: (base_url, width, height, touch) → a StreamlitPage


def _tab(new_tab: Tabs, app: ClassApp, screen: Screen):  # a conftest StreamlitPage
    return new_tab(app.server.url, screen.width, screen.height, screen.touch)


def _path(page: str, app: ClassApp) -> str:
    if page == "Teacher":
        return f"/Teacher?key={KEY}"
    return f"/{'' if page == 'Home' else page}?u={app.chloe}"


_MEASURE_JS = """() => {
  const visible = (element) => element.offsetParent !== null && element.getBoundingClientRect().width > 0;
  const cut = (element) => element.scrollWidth > element.clientWidth + 1;
  const main = document.querySelector('[data-testid="stMain"]');
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const metrics = [...document.querySelectorAll('[data-testid="stMetric"]')].filter(visible).map((box) => {
    const value = box.querySelector('[data-testid="stMetricValue"]');
    const inner = value.querySelector('div') || value;
    return {text: value.innerText, cut: cut(value) || cut(inner),
            outside: value.getBoundingClientRect().right > box.getBoundingClientRect().right + 1};
  });
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          mainOverflow: main ? main.scrollWidth - main.clientWidth : 0,
          sidebar: sidebar ? sidebar.getAttribute('data-collapsed') : 'none', metrics};
}"""


def _check_layout(tab, screen: Screen, page: str) -> None:
    measured = tab.page.evaluate(_MEASURE_JS)
    where = f"{page} at {screen.width}×{screen.height}"
    assert measured["scrollWidth"] <= measured["innerWidth"], f"{where}: the page scrolls sideways"
    assert measured["mainOverflow"] <= 0, f"{where}: the main area scrolls sideways"
    for metric in measured["metrics"]:
        assert not metric["cut"] and not metric["outside"], f"{where}: metric {metric['text']!r} is cut"
    assert tab.cut_labels() == [], f"{where}: labels cut: {tab.cut_labels()}"
    expected = "true" if screen.width <= 1024 else "false"
    assert measured["sidebar"] == expected, f"{where}: sidebar collapsed={measured['sidebar']}"


def _check_canvas(tab, screen: Screen) -> None:
    canvas = tab.page.locator(".st-key-predict_canvas canvas").last
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    column = tab.page.locator('[data-testid="stColumn"]').filter(has=canvas).last.bounding_box()
    assert column["x"] <= box["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 1, (
        f"the canvas ({box}) overflows its column ({column}) at {screen.width} px")
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen.width, "the canvas leaves the screen"


@pytest.mark.parametrize("screen", [PHONE, TABLET, DESKTOP], ids=lambda screen: screen.name)
def test_every_page_fits_the_screen(new_tab: Tabs, class_app: ClassApp, screen: Screen) -> None:
    tab = _tab(new_tab, class_app, screen)
    for page in PAGES:
        tab.goto(_path(page, class_app))
        expect(tab.page.get_by_test_id("stSkeleton")).to_have_count(0)  # every part drawn
        if page == "Results":
            expect(tab.page.get_by_test_id("stMetric").filter(has_text="Test accuracy")).to_be_visible()
        if page == "Predict":
            _check_canvas(tab, screen)
        _check_layout(tab, screen, page)
        tab.screenshot(f"screens-{page.lower()}-{screen.name}", whole_page=False)


def test_a_phone_closes_the_sidebar_after_a_page_is_chosen(new_tab: Tabs, class_app: ClassApp) -> None:
    tab = _tab(new_tab, class_app, PHONE)
    tab.goto(_path("Home", class_app))
    sidebar = tab.page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    tab.page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.get_by_role("link", name="Build").click()
    tab.wait_idle()
    expect(tab.page.get_by_role("heading", name="Build", exact=True)).to_be_visible()
    expect(sidebar).to_have_attribute("data-collapsed", "true")


def test_on_a_phone_the_new_total_shows_where_the_student_edits(new_tab: Tabs, class_app: ClassApp) -> None:
    tab = _tab(new_tab, class_app, PHONE)
    tab.goto("/Build?preset=convnet")
    edit = tab.page.locator(".st-key-build_edit_section")
    filters = edit.get_by_role("spinbutton", name="Filters", exact=True)
    filters.scroll_into_view_if_needed()
    filters.fill("20")
    filters.press("Enter")
    tab.wait_idle()
    bar = tab.page.locator(".st-key-build_totals_bar")
    expect(bar).to_contain_text(f"{_convnet_with(first_filters=20):,} parameters")
    box = bar.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE.height, f"the totals are off screen: {box}"
    summary = edit.locator(".st-key-build_edit_summary")
    expect(summary).to_contain_text("Parameters 200: 20 × (3×3×1) + 20 = 200")
    expect(summary).to_contain_text("20 filters, 3 kernel rows, 3 kernel columns, 1 input channel, 20 biases")
    highlighted = tab.page.locator(".st-key-build_table tbody tr").nth(1).locator("td").first
    assert "255, 244, 194" in highlighted.evaluate("cell => getComputedStyle(cell).backgroundColor")
    tab.screenshot("screens-build-edit-phone", whole_page=False)


def test_train_refuses_a_stack_over_the_limit_before_any_press(new_tab: Tabs, class_app: ClassApp) -> None:
    assert analyze(OVER_THE_LIMIT).total_params == 10_182
    tab = _tab(new_tab, class_app, DESKTOP)
    tab.goto(f"/Build?spec={encode_spec_for_url(analyze(OVER_THE_LIMIT).spec)}")
    expect(tab.page.locator(".st-key-build_totals_bar")).to_contain_text("10,182 / 10,000 — 182 over")
    tab.page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
    tab.wait_idle()
    train = tab.page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True)
    expect(train).to_be_disabled()
    refusal = "Train is off: Small and sharp: 10,182 parameters — over the limit of 10,000 by 182."
    expect(tab.page.get_by_test_id("stAlert").filter(has_text=refusal)).to_be_visible()
    expect(tab.page.get_by_text("Ready to train")).to_have_count(0)
    expect(tab.page.get_by_role("link", name="Change the stack on Build")).to_be_visible()
    tab.screenshot("screens-train-refused", whole_page=False)


def _luminance(colour: str, opacity: float = 1.0) -> float:
    """WCAG's relative luminance of an "rgb(r, g, b)" colour drawn at `opacity` on white."""
    red, green, blue = (1 - opacity + opacity * int(part) / 255 for part in re.findall(r"\d+", colour)[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(foreground: str, opacity: float) -> float:
    """The contrast ratio of text in `foreground` at `opacity` on white."""
    light, dark = 1.0, _luminance(foreground, opacity)
    return (light + 0.05) / (dark + 0.05)


_TEXT_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(p, td, th, li, h1, h2, h3)')]
  .filter((element) => element.offsetParent !== null && element.innerText.trim())
  .map((element) => {
    let opacity = 1;
    for (let node = element; node instanceof Element; node = node.parentElement) {
      opacity *= parseFloat(getComputedStyle(node).opacity);
    }
    return {text: element.innerText.slice(0, 40), size: parseFloat(getComputedStyle(element).fontSize),
            colour: getComputedStyle(element).color, opacity};
  })"""


def test_the_projector_shows_the_class_of_30_large_and_clear(new_tab: Tabs, class_app: ClassApp) -> None:
    tab = _tab(new_tab, class_app, PROJECTOR)
    tab.goto("/Leaderboard?view=projector")
    expect(tab.page.get_by_text("Small and sharp", exact=True)).to_be_visible()
    tab.screenshot("screens-leaderboard-projector", whole_page=False)
    expect(tab.page.get_by_test_id("stSidebar")).to_have_count(0)
    for name in NAMES:
        cell = tab.page.get_by_role("cell", name=name, exact=True)
        expect(cell).to_be_in_viewport()
        box = cell.bounding_box()
        assert box["y"] + box["height"] <= PROJECTOR.height, f"{name} is below the screen"
    texts = tab.page.evaluate(_TEXT_JS)
    small = [text for text in texts if text["size"] < 24]
    assert small == [], f"text under 24 px on the projector: {small}"
    faint = [text for text in texts if _contrast(text["colour"], text["opacity"]) < 4.5]
    assert faint == [], f"text under 4.5:1 on the projector: {faint}"
    join = tab.page.locator(".st-key-join_address")
    expect(join).to_contain_text(f"Students open {class_app.server.url}/")
    expect(join.get_by_role("img")).to_be_visible()
    _check_layout_projector(tab)


def _check_layout_projector(tab) -> None:
    measured = tab.page.evaluate(_MEASURE_JS)
    assert measured["scrollWidth"] <= measured["innerWidth"]
    assert measured["sidebar"] == "none"


def test_one_tap_selects_a_confusion_matrix_cell_on_a_phone(new_tab: Tabs, class_app: ClassApp) -> None:
    tab = _tab(new_tab, class_app, PHONE)
    tab.goto(_path("Results", class_app))  # Chloé's newest run: the small MLP
    matrix = trained_runs()["mlp"].result.confusion
    count, true_digit, predicted_digit = max((matrix[t][p], t, p) for t in range(10) for p in range(10)
                                             if t != p and matrix[t][p] > 0)
    heatmap = tab.page.locator('[class*="st-key-errors_confusion_"] .js-plotly-plot').first
    heatmap.scroll_into_view_if_needed()
    tab.wait_idle()
    tab.press_chart(heatmap, str(predicted_digit), str(true_digit), tap=True)
    shown = f"all {count}" if count <= 24 else f"24 of {count:,}"
    expect(tab.page.get_by_text(f"{true_digit} read as {predicted_digit}: {shown}")).to_be_visible()
