"""The page context shared by all pages (hromada, language, mode, network, norm) and the error boundary.

``app.py`` builds the context from the sidebar on every run and stores it in ``st.session_state``; each page
script calls :func:`run_page` with its ``render(ctx)`` function.
"""

from __future__ import annotations

import logging
import traceback
from contextlib import contextmanager
from typing import Callable, Iterator

import streamlit as st

from analysis.errors import HromadaAccessError
from dashboard.i18n import tr

CTX_KEY = "_page_context"
log = logging.getLogger("hromada_access.dashboard")


def current() -> dict:
    return st.session_state.get(CTX_KEY) or {"lang": st.session_state.get("lang", "uk")}


def show_error(exc: BaseException, lang: str) -> None:
    """A readable message, never a traceback (unexpected errors are logged on the server)."""
    if isinstance(exc, HromadaAccessError):
        st.error(f"{tr('error', lang)}: {exc}")
    else:
        log.error("unexpected error in the dashboard:\n%s", "".join(traceback.format_exception(exc)))
        st.error(tr("unexpected_error", lang, error=f"{type(exc).__name__}: {exc}"))


@contextmanager
def guarded(lang: str) -> Iterator[None]:
    """Show any error raised inside as a message; the rest of the page keeps working."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ in ("RerunException", "StopException"):  # st.rerun() / st.stop()
            raise
        show_error(exc, lang)


def run_page(render: Callable[[dict], None]) -> None:
    ctx = current()
    with guarded(ctx.get("lang", "uk")):
        render(ctx)


class ProgressReporter:
    """``progress(text, fraction)`` callback of the analysis API drawn as a Streamlit progress bar."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = st.progress(0.0, text=label)

    def __call__(self, text: str, fraction: float) -> None:
        try:
            value = min(1.0, max(0.0, float(fraction)))
        except (TypeError, ValueError):
            value = 0.0
        self.bar.progress(value, text=f"{self.label} — {text}")

    def done(self) -> None:
        self.bar.empty()


@contextmanager
def progress(label: str) -> Iterator[ProgressReporter]:
    reporter = ProgressReporter(label)
    try:
        yield reporter
    finally:
        reporter.done()


def sticky(widget, label: str, options: list, *, key: str, **kwargs):
    """A choice widget (``container.selectbox``/``.radio``/``.pills``) whose value survives a change of its option
    labels, e.g. switching the language.

    Streamlit matches these widgets' values by the displayed label; when the labels change, the choice would fall
    back to the default. The chosen value is kept under ``_<key>_value`` and put back before the widget is drawn
    (``on_change`` records the user's new choice first).
    """
    shadow = f"_{key}_value"

    def valid(value) -> bool:
        if isinstance(value, (list, tuple)):
            return all(v in options for v in value)
        return value in options

    if shadow in st.session_state and valid(st.session_state[shadow]):
        st.session_state[key] = st.session_state[shadow]
    elif key in st.session_state and not valid(st.session_state[key]):
        del st.session_state[key]

    def remember() -> None:
        st.session_state[shadow] = st.session_state.get(key)

    value = widget(label, options, key=key, on_change=remember, **kwargs)
    st.session_state[shadow] = value
    return value


def sticky_selectbox(container, label: str, options: list, *, key: str, format_func=str, **kwargs):
    """:func:`sticky` for ``container.selectbox``."""
    return sticky(container.selectbox, label, options, key=key, format_func=format_func, **kwargs)


def ctx_args(ctx: dict) -> tuple:
    """``(spec, network_path, mode, circuity, max_snap_m)`` of the page context — the key of every cached figure
    (:mod:`dashboard.cache`)."""
    from analysis.routing.snap import DEFAULT_MAX_SNAP_M

    return (ctx["spec"], ctx.get("network_path"), ctx["mode"], ctx["circuity"],
            ctx.get("max_snap_m", DEFAULT_MAX_SNAP_M))
