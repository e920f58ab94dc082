from __future__ import annotations

from pathlib import Path

import pytest

from tests.packaging import dh_unitgen_deb, example_deb, unitgen_deb


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """unitgen's .deb for the harness's release (tests.packaging.unitgen_deb)."""
    from tests.harness import harness_release

    return unitgen_deb(harness_release(), tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def dh_deb(deb: Path) -> Path:
    return dh_unitgen_deb(deb)


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory, dh_deb: Path) -> Path:
    """hello-container, built with dh-unitgen for the harness's release."""
    from tests.harness import harness_release

    return example_deb(harness_release(), dh_deb, tmp_path_factory.mktemp("dist-example"))
