"""Where the format fixtures live (tests run from a temporary home directory, so paths are absolute)."""

from pathlib import Path

FORMATS = Path(__file__).resolve().parents[3] / "data" / "eval" / "formats"
BROKEN = FORMATS / "broken"
PUBLISHED = FORMATS / "published"  # one small file in each layout as published, with invented questions
