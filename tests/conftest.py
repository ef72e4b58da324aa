"""Settings for every test.

The cost model scales itself to the machine it runs on (core.calibration). Tests pin
its factors to 1, the reference machine's, so that the limits they assert stay put
whatever the machine or its load; processes the tests start (workers, servers) inherit
the variable. tests/test_calibration.py takes it away to test the measuring itself.
"""

from __future__ import annotations

import os

from core.calibration import COST_SCALE_ENV

os.environ[COST_SCALE_ENV] = "1"
