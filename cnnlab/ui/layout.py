"""How every page fits the screen it is on: a phone (360–430 px), a tablet (768–1024 px), a laptop or a
projector (≥ 1280 px).

Streamlit's own means come first (the wide layout, `st.columns`, which stack below 640 px, horizontal
containers that wrap, `st.metric`). The few rules below are where Streamlit has no option; each says which.
They are sent once per page run as one `<style>` element (`st.html`), nothing loaded from the internet.
"""

from __future__ import annotations

from enum import StrEnum

import streamlit as st

PHONE_MAX_PX = 640  # Streamlit stacks its columns below this width
TABLET_MAX_PX = 1024  # at or below this width the sidebar starts closed

_STUDENT_CSS = f"""<style>
/* Captions carry most explanations: Streamlit's theme has no caption colour, and its default (the text
   colour at 60 % opacity) is 3.9:1 on white. This one is 8:1 (WCAG AA wants 4.5:1). */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stWidgetLabel"] p {{
  color: #4a4c57 !important; opacity: 1 !important; }}
/* st.metric has no size option and cuts a long value with "…": let the value shrink with the screen and
   wrap instead. */
[data-testid="stMetricValue"] {{ font-size: clamp(1.2rem, 3.2vw, 2rem); }}
[data-testid="stMetricValue"] > div {{ white-space: normal; overflow-wrap: anywhere; }}
[data-testid="stMetricLabel"] p {{ white-space: normal; }}
/* A wide table scrolls inside its own box, never the page (st.table has no width option). */
[data-testid="stTable"] {{ overflow-x: auto; max-width: 100%; }}
/* Build's table on a narrow screen: the layer's number and type stay pinned at the left while the rest
   scrolls sideways (st.table has no pinned columns), with a hint that it scrolls. */
.st-key-build_table table th:nth-child(-n+2), .st-key-build_table table td:nth-child(-n+2) {{
  position: sticky; background: #ffffff; z-index: 1; }}
.st-key-build_table table th:nth-child(1), .st-key-build_table table td:nth-child(1) {{ left: 0; }}
.st-key-build_table table th:nth-child(2), .st-key-build_table table td:nth-child(2) {{ left: 2.6rem; }}
.st-key-build_table table td:nth-child(1), .st-key-build_table table th:nth-child(1) {{
  min-width: 2.6rem; max-width: 2.6rem; }}
.st-key-build_table_hint {{ display: none; }}
/* Build's totals stay in sight while the student scrolls to the Edit panel: Streamlit has no sticky
   container. */
.st-key-build_totals_bar {{ position: sticky; top: 3.75rem; z-index: 50; background: #ffffff;
  border-bottom: 1px solid #d5d6dc; padding: 0.35rem 0; }}
.st-key-build_totals_bar p {{ margin: 0; }}
/* The join address's QR code: st.image has no option to leave out its hover toolbar, which covered the
   address above the code. */
.st-key-join_address [data-testid="stElementToolbar"] {{ display: none; }}
/* Predict's drawing and answer stack whenever their row is too narrow for the 280-pixel canvas beside the
   answer — with the sidebar open as well as on a phone (st.columns stacks on the window's width only). */
.st-key-predict_columns {{ container-type: inline-size; }}
@container (max-width: 760px) {{
  .st-key-predict_columns [data-testid="stHorizontalBlock"] {{ flex-direction: column; }}
  .st-key-predict_columns [data-testid="stColumn"] {{ width: 100% !important; flex: 1 1 auto !important; }}
}}
@media (max-width: {PHONE_MAX_PX}px) {{
  /* Plotly's toolbar covers chart titles on a phone; its config has no per-screen option. */
  .modebar-container {{ display: none !important; }}
  .st-key-build_table_hint {{ display: block; }}
  /* On a phone the totals sit at the bottom of the screen, under the thumb (sticky at the top would
     cover the Edit panel's boxes the keyboard leaves visible). */
  .st-key-build_totals_bar {{ position: fixed; top: auto; bottom: 0; left: 0; right: 0;
    padding: 0.4rem 1rem; border-top: 1px solid #d5d6dc; border-bottom: none;
    box-shadow: 0 -2px 6px rgba(0, 0, 0, 0.08); }}
  [data-testid="stMainBlockContainer"] {{ padding-bottom: 5rem; }}
}}
</style>"""

# Streamlit's "auto" sidebar starts closed only on phone widths and has no breakpoint option. This closes
# it once per page load at tablet widths too, and after a page is chosen in it on a tablet or a phone, the
# way a phone's menu closes. The script runs in the page (no network); a flag on `window` keeps it to one
# listener per load.
_SIDEBAR_SCRIPT = f"""<script>
(() => {{
  const narrow = () => window.innerWidth <= {TABLET_MAX_PX};
  const close = () => {{
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button && sidebar.getAttribute('data-collapsed') !== 'true') button.click();
  }};
  if (window.cnnlabSidebar) return;
  window.cnnlabSidebar = true;
  if (narrow()) {{  // once, as soon as the sidebar is drawn: an open one is closed, a closed one left alone
    let tries = 0;
    const timer = setInterval(() => {{
      tries += 1;
      if (document.querySelector('[data-testid="stSidebar"]') || tries > 100) {{
        clearInterval(timer);
        close();
      }}
    }}, 50);
  }}
  document.addEventListener('click', (event) => {{
    if (narrow() && event.target.closest('[data-testid="stSidebar"] a')) setTimeout(close, 50);
  }}, true);
}})();
</script>"""


# Plotly selects a chart's point on a tap from the point the pointer last hovered, and a tap hovers only
# after it ends: on a touch screen the first tap on a cell (Predict's feature map, the confusion matrix) only
# named it and the second selected it. Plotly has no option for this; this hovers the chart at the finger's
# touchstart, so the tap's own cell is the one selected, as a click is.
_TAP_SCRIPT = """<script>
(() => {
  if (window.cnnlabTapHover) return;
  window.cnnlabTapHover = true;
  document.addEventListener('touchstart', (event) => {
    const target = event.target;
    const chart = target instanceof Element && target.classList.contains('nsewdrag');
    if (!chart || event.touches.length !== 1) return;
    const {clientX, clientY} = event.touches[0];
    target.dispatchEvent(new MouseEvent('mousemove', {clientX, clientY, bubbles: true}));
  }, {capture: true, passive: true});
})();
</script>"""


class View(StrEnum):
    """How a page is laid out: for a person at a screen, or for the projector (no sidebar, large type)."""

    student = "student"
    projector = "projector"


_PROJECTOR_CSS = """<style>
/* The projector view: no sidebar nor its toggle and no header bar (Streamlit cannot hide a sidebar that
   a page draws), every text at least 24 px, and dark text on white (≥ 4.5:1) for a room's back row. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1rem 2rem !important; max-width: 100%; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] span, [data-testid="stMain"] code {
  font-size: max(24px, 1em); }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #262730 !important; opacity: 1 !important; font-size: 26px; }
.st-key-join_address [data-testid="stElementToolbar"] { display: none; }  /* as in the student view */
.st-key-projector_rows table { width: 100%; }
.st-key-projector_rows td, .st-key-projector_rows th { padding: 0.1rem 0.6rem; line-height: 1.2; }
</style>"""


def apply(view: View = View.student) -> None:
    """Send this page's layout rules (and, in the student view, the sidebar's closing script and the
    one-tap selection of a chart's cell)."""
    if view is View.projector:
        st.html(_PROJECTOR_CSS)
        return
    st.html(_STUDENT_CSS)
    st.html(_SIDEBAR_SCRIPT + _TAP_SCRIPT, unsafe_allow_javascript=True)
