"""How the PII detector loads: without the deep-learning packages spaCy and Presidio probe for, and once."""

import subprocess
import sys
import threading

import pytest

from medchat.safety import pii


def test_building_the_detector_imports_no_torch_or_transformers():
    code = ("import sys; from medchat.safety.pii import get_detector; "
            "r = get_detector().redact('Call John Smith on 07700 900123.', 'en'); "
            "print(r.text); print([m for m in ('torch', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text, loaded = out.stdout.strip().splitlines()
    assert text == "Call [PERSON_1] on [PHONE_NUMBER_1]."
    assert loaded == "[]"


class CountingDetector:
    built = 0
    release = threading.Event()

    def __init__(self) -> None:
        type(self).built += 1
        assert self.release.wait(30)


def join_warmers() -> None:
    for thread in [t for t in threading.enumerate() if t.name == "medchat-pii-warm"]:
        thread.join(300)


@pytest.fixture
def counting(monkeypatch):
    join_warmers()  # a build an earlier test started must not land in this one
    monkeypatch.setattr(pii, "_DETECTOR", None)
    monkeypatch.setattr(pii, "PIIDetector", CountingDetector)
    CountingDetector.built = 0
    CountingDetector.release.clear()
    return CountingDetector


def test_warming_builds_in_the_background_and_get_detector_waits_for_that_build(counting):
    pii.warm_detector()
    pii.warm_detector()  # a second call while it builds starts nothing
    warming = [t for t in threading.enumerate() if t.name == "medchat-pii-warm"]
    assert warming  # it returned while the build is held
    counting.release.set()
    detector = pii.get_detector()
    join_warmers()
    assert isinstance(detector, CountingDetector) and counting.built == 1
    pii.warm_detector()  # built: nothing more
    assert pii.get_detector() is detector and counting.built == 1


def test_a_failed_background_build_is_raised_where_the_detector_is_needed(monkeypatch):
    class Broken:
        def __init__(self) -> None:
            raise pii.MissingDependencyError("PII detection needs presidio-analyzer")

    join_warmers()
    monkeypatch.setattr(pii, "_DETECTOR", None)
    monkeypatch.setattr(pii, "PIIDetector", Broken)
    pii.warm_detector()
    join_warmers()
    with pytest.raises(pii.MissingDependencyError):
        pii.get_detector()
