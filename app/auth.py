"""An optional password in front of every page.

The password comes from the environment variable ``SMEKIT_APP_PASSWORD`` or
Streamlit's secrets (``password = "..."`` in ``.streamlit/secrets.toml``).
Without one the app is open, which is safe on the default 127.0.0.1 binding.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st


def configured_password() -> str | None:
    """The password the app asks for, or ``None`` when none is set."""
    env = os.environ.get("SMEKIT_APP_PASSWORD")
    if env:
        return env
    try:
        value = st.secrets.get("password")
    except (FileNotFoundError, KeyError, AttributeError, Exception):  # no secrets file
        value = None
    return str(value) if value else None


def gate() -> bool:
    """Ask for the password when one is set; ``True`` when the page may be shown."""
    password = configured_password()
    if password is None or st.session_state.get("smekit_authenticated"):
        return True
    st.title("smekit")
    entered = st.text_input("Password", type="password", key="smekit_password")
    if entered:
        if hmac.compare_digest(entered.encode(), password.encode()):
            st.session_state["smekit_authenticated"] = True
            st.rerun()
        st.error("Wrong password.")
    return False
