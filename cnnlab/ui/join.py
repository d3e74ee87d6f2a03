"""How students join: this machine's address on the network and the port the app serves on, written out
and as a QR code (`segno`, drawn on the server, nothing loaded from the internet), for the dashboard and
the projector."""

from __future__ import annotations

import functools
import io
import ipaddress
import socket

import segno
import streamlit as st

_PROBE = ("10.254.254.254", 1)  # any routable address: connecting a UDP socket sends nothing
_WILDCARDS = ("", "0.0.0.0", "::")


def network_address() -> str:
    """This machine's address on its network (the one a default route leaves from), else 127.0.0.1 when
    it has none; a UDP "connection" picks it without sending a packet."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_PROBE)
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def join_url(bound: str | None, port: int) -> str:
    """The address students open: the one the server is bound to when it names one, else this machine's
    network address; never "localhost", which names each student's own device."""
    host = bound.strip() if bound else ""
    if host == "localhost":
        host = "127.0.0.1"
    elif host in _WILDCARDS:
        host = network_address()
    if ":" in host:  # an IPv6 address goes in brackets
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def is_loopback(url: str) -> bool:
    """True when `url` points at this machine only (other devices cannot open it)."""
    host = url.split("//", 1)[1].rsplit(":", 1)[0].strip("[]")
    return ipaddress.ip_address(host).is_loopback


def serving_url() -> str:
    """The join address of the running app (its `server.address` and `server.port` options)."""
    return join_url(st.get_option("server.address"), int(st.get_option("server.port")))


@functools.cache
def qr_png(url: str, scale: int) -> bytes:
    """`url` as a QR code (PNG, black on white, `scale` pixels a module), made once per address."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def render_join(scale: int = 5, on_projector: bool = False) -> None:
    """"Students open <address>" with its QR code; on the dashboard (not `on_projector`), a note when the
    server answers on this machine only."""
    url = serving_url()
    with st.container(key="join_address"):
        st.markdown(f"**Students open** `{url}`")
        st.image(qr_png(url, scale), caption=None if on_projector else "Scan to open CNN Lab")
        if is_loopback(url) and not on_projector:
            st.caption("This server answers on this computer only: start it with `make run` (it listens on "
                       "every network address by default) for other devices to join.")
