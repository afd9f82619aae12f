"""The Jules simulator: a real HTTP server implementing the Jules REST API v1alpha.

Owns the public Python API re-exported here; ``server`` does the I/O, ``engine`` and
``scenarios`` are the pure state machine, ``api`` the pure request/response layer. See
``README.md`` in this package for scenarios, prompt markers, config file and CLI flags.
"""

from __future__ import annotations

from jules_action_dev.simulator.clock import ManualClock, ScaledClock, SimClock
from jules_action_dev.simulator.config import DEFAULT_API_KEY, SimulatorConfig, SourceConfig
from jules_action_dev.simulator.scenarios import SCENARIO_NAMES
from jules_action_dev.simulator.server import RecordedRequest, Simulator

__all__ = [
    "DEFAULT_API_KEY",
    "SCENARIO_NAMES",
    "ManualClock",
    "RecordedRequest",
    "ScaledClock",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
    "SourceConfig",
]
