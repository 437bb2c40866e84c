"""Dedup identity of tasks and schedules."""

import hashlib


def digest(identity: str) -> str:
    """The stored hash: a fixed-length digest of the readable identity (not a security boundary)."""
    return hashlib.md5(identity.encode("utf-8"), usedforsecurity=False).hexdigest()
