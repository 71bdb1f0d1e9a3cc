"""``medchat._importing.hidden``: a package looks absent to one thread's imports inside the block, and only there."""

import sys
import threading

import pytest

from medchat._importing import hidden


@pytest.fixture
def package(tmp_path, monkeypatch):
    """An importable package ``medchat_probe_pkg`` (with a submodule), not imported yet."""
    root = tmp_path / "medchat_probe_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("VALUE = 1\n")
    (root / "sub.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "medchat_probe_pkg"
    for name in ("medchat_probe_pkg", "medchat_probe_pkg.sub"):
        sys.modules.pop(name, None)


def test_a_hidden_package_and_its_submodules_fail_to_import_inside_the_block(package):
    with hidden(package) as names:
        assert names == {package}
        with pytest.raises(ModuleNotFoundError):
            __import__(package)
        with pytest.raises(ModuleNotFoundError):
            __import__(f"{package}.sub")
    assert package not in sys.modules
    assert __import__(f"{package}.sub", fromlist=["VALUE"]).VALUE == 2  # after the block: importable again


def test_another_thread_imports_it_while_the_block_is_open(package):
    seen = []
    with hidden(package):
        worker = threading.Thread(target=lambda: seen.append(__import__(package).VALUE))
        worker.start()
        worker.join()
    assert seen == [1]


def test_a_package_already_imported_is_not_hidden(package):
    __import__(package)
    with hidden(package, "medchat_probe_missing") as names:
        assert names == {"medchat_probe_missing"}
        assert __import__(f"{package}.sub", fromlist=["VALUE"]).VALUE == 2
