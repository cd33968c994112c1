"""The headless Chromium command the report is checked and photographed with.

Debian's ``chromium`` started as root in a sandbox-less container, with every background
connection switched off (this machine has no network but the package registries).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def headless_command(page: Path, profile: Path, *extra: str) -> list[str]:
    """Chromium opening ``page`` headless with a fresh ``profile`` and ``extra`` flags."""
    return [
        CHROMIUM,
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        *extra,
        page.resolve().as_uri(),
    ]
