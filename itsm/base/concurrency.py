"""Optimistic concurrency: a write based on a stale read is refused, never applied."""

from __future__ import annotations


class StaleVersion(Exception):
    """The record changed since the writer read it; nothing was written."""

    def __init__(self, current_version: int | None):
        super().__init__(f"stale version; current is {current_version}")
        self.current_version = current_version
