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


PLAYWRIGHT_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Flags of the same Chromium when Playwright drives it (the interactive map's test and
screenshot): Playwright adds its own remote-debugging flags."""


def headless_command(page: Path, profile: Path, *extra: str) -> list[str]:
    """Chromium opening ``page`` headless with a fresh ``profile`` and ``extra`` flags."""
    return [
        CHROMIUM,
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        *extra,
        page.resolve().as_uri(),
    ]
