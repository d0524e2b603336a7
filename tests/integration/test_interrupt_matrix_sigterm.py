"""The interrupt matrix by SIGTERM: see ``interrupt_matrix.py`` for the points and the checks."""

from __future__ import annotations

import pytest

from tests.integration.interrupt_matrix import drill_signal_handlers, matrix_test

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]
_ = drill_signal_handlers  # a fixture, requested by name by the test

test_drill_stopped_by_sigterm = matrix_test("SIGTERM")
