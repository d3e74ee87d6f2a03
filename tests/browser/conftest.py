"""Browser-test fixtures: the app started exactly as the README starts it, and Debian's chromium driving it.

`app` runs `make run PORT=<free port>` from the repository root with its own runs directory, waits for
`/_stcore/health`, and stops the whole process group at the end. `page` is a fresh chromium tab that accepts
downloads. `StreamlitPage` waits the way Streamlit pages need: connected, and no script run in progress.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cnnlab.core.layers import NetworkSpec
from cnnlab.core.spec_json import encode_spec_for_url
from cnnlab.testing.server import Server, started_server

SCREENSHOTS_ENV = "CNNLAB_SCREENSHOTS"  # `make screenshots` points it at docs/screenshots
expect.set_options(timeout=30_000)  # a busy 2-core CI machine can take more than the default 5 s to rerun
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`make run PORT=…` with a private runs directory (see `bench/classroom_load.started_server`)."""
    with started_server(tmp_path_factory.mktemp("browser-app")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless (Playwright's own browser download does not work here)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("the browser tests need Debian's chromium: `make chromium` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (own cookies and storage) that accepts downloads, wide enough for the stack table."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


_CONTENT_HEIGHT_JS = """() => Math.max(document.body.scrollHeight,
    ...[...document.querySelectorAll("[data-testid=stMain], [data-testid=stMainBlockContainer]")]
        .map(element => element.scrollHeight + 120))"""


# Labels a person cannot read whole: text Streamlit cut with "…" (its box narrower than its text) on a button,
# a link or download button, a page link, a checkbox or a widget's label.
_CUT_LABELS_JS = """() => {
  const labels = ['stButton', 'stDownloadButton', 'stLinkButton', 'stFormSubmitButton', 'stPageLink',
                  'stPopover', 'stCheckbox', 'stWidgetLabel'].map((id) => `[data-testid="${id}"]`).join(', ');
  return [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .filter((text) => text.closest(labels) && text.offsetParent !== null)
    .filter((text) => getComputedStyle(text).textOverflow === 'ellipsis')
    .filter((text) => text.scrollWidth > text.clientWidth + 1)
    .map((text) => text.innerText);
}"""


class StreamlitPage:
    """Small helpers over a Playwright page showing a Streamlit app."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def goto(self, path: str) -> None:
        """Open `path` (e.g. "/Build?preset=convnet") and wait until the page's script has run.

        The script state reads "notRunning" before the first run has even started, so first wait for the
        page's title (every page has one), which only that run can draw.
        """
        self.page.goto(f"{self.base_url}{path}")
        self.page.get_by_test_id("stHeading").first.wait_for()
        self.wait_idle()

    def wait_idle(self, timeout_ms: float = 30_000) -> None:
        """Wait until the app is connected and no script run is in progress (and stays so for a moment)."""
        app = self.page.locator("[data-testid=stApp][data-test-connection-state=CONNECTED]")
        app.wait_for(timeout=timeout_ms)
        self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=timeout_ms)
        self.page.wait_for_timeout(300)
        self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=timeout_ms)

    def choose(self, selectbox: Locator, option: str, attempts: int = 5) -> None:
        """Pick `option` in a Streamlit selectbox, opening it again if a rerun closed it too early or the page
        moved while its list was open."""
        choice = self.page.get_by_role("option", name=option)
        for _ in range(attempts):
            self.wait_idle()
            selectbox.click()
            try:
                choice.wait_for(timeout=3_000)
                choice.click(timeout=5_000)  # a list drawn off-screen as the page moved: close it, try again
            except PlaywrightTimeout:
                self.page.keyboard.press("Escape")
                continue
            self.wait_idle()
            return
        raise AssertionError(f"the option {option!r} never showed in {attempts} attempts")

    def cut_labels(self) -> list[str]:
        """The button, link and widget labels on the page shown cut short ("Every trained model (.zi…")."""
        return self.page.evaluate(_CUT_LABELS_JS)

    def press_chart(self, chart: Locator, x: object, y: object, *, tap: bool = False) -> None:
        """Click (or, on a touch screen, tap once) the point at data coordinates (x, y) of a Plotly chart:
        a category's name on a category axis, a number on a numeric one."""
        chart.scroll_into_view_if_needed()
        at = chart.evaluate("""(plot, [x, y]) => {
            const {xaxis: xa, yaxis: ya} = plot._fullLayout, box = plot.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(xa.d2l(x)), box.top + ya._offset + ya.l2p(ya.d2l(y))];
        }""", [x, y])
        if tap:
            self.page.touchscreen.tap(*at)
        else:
            self.page.mouse.click(*at)

    def open_train_with(self, spec: NetworkSpec, parameters: str) -> None:
        """Open `spec` on Build from its share link, see its `parameters` total, then go to Train."""
        self.goto(f"/Build?spec={encode_spec_for_url(spec)}")
        expect(self.page.get_by_text(parameters).first).to_be_visible()
        self.page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
        self.wait_idle()

    def fill_train_form(self, **values: str) -> None:
        """Type each value into the Train form's number box with that label, one change at a time."""
        form = self.page.locator(".st-key-train_form")
        for label, value in values.items():
            field = form.get_by_role("spinbutton", name=label, exact=True)
            field.fill(value)
            field.press("Enter")
            self.wait_idle()

    def screenshot(self, name: str, part: Locator | None = None, whole_page: bool = True) -> Path:
        """Save the whole page (or just `part` of it; or, with `whole_page=False`, the screen as the person
        sees it) as <name>.png: in $CNNLAB_SCREENSHOTS (`make screenshots` sets it to the README's
        docs/screenshots), else in a temporary folder, so `make test` leaves the work tree clean.

        Streamlit scrolls inside its main container, so the window is made as tall as the content first.
        """
        chosen = os.environ.get(SCREENSHOTS_ENV)
        folder = Path(chosen) if chosen else Path(tempfile.gettempdir()) / "cnnlab-screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        if not whole_page:
            self.page.screenshot(path=str(path))
            return path
        viewport = self.page.viewport_size
        height = self.page.evaluate(_CONTENT_HEIGHT_JS)
        self.page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
        self.page.wait_for_timeout(500)
        (part or self.page).screenshot(path=str(path))
        self.page.set_viewport_size(viewport)
        return path


@pytest.fixture
def st_page(page: Page, app: Server) -> StreamlitPage:
    """The tab wrapped with Streamlit waits, pointed at the running app."""
    return StreamlitPage(page, app.url)


@pytest.fixture
def new_tab(browser: Browser) -> Iterator[Callable[..., StreamlitPage]]:
    """Open fresh browser contexts (one per person: own cookies, own `?u=`) on any server's URL, in a window
    of `width` × `height` (`touch`: a phone or tablet's touch screen; a phone below 700 px); all are closed
    at the end of the test."""
    contexts = []

    def open_tab(base_url: str, width: int = 1400, height: int = 1000, touch: bool = False) -> StreamlitPage:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                      has_touch=touch, is_mobile=touch and width < 700)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        return StreamlitPage(tab, base_url)

    yield open_tab
    for context in contexts:
        context.close()


PHONE = {"width": 390, "height": 844}  # a phone held upright


@pytest.fixture
def phone_tab(browser: Browser, app: Server) -> Iterator[StreamlitPage]:
    """A phone's tab on the running app: 390 px wide, a touch screen (tap, not click), its own cookies."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield StreamlitPage(tab, app.url)
    context.close()
