"""The interrupt matrix by SIGINT: see ``interrupt_matrix.py`` for the points and the checks."""

from __future__ import annotations

import pytest

from tests.integration.interrupt_matrix import CASES, drill_signal_handlers, run_case

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]
_ = drill_signal_handlers  # a fixture, used by name below


@pytest.mark.parametrize("point", CASES)
def test_drill_stopped_by_sigint(point, tmp_path, drill_signal_handlers):
    run_case(point, "SIGINT", tmp_path)
