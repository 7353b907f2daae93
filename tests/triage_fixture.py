"""Facts about the test content in tests/fixtures/triage, shared by the test modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "triage"
LIB = ["--no-bundled", "--content", str(FIXTURE)]

#: Every check of cam-noise answered "normal": power, cables, lamp and settings are
#: ruled out and the fault still reproduces with the reference sample -> RMA.
ALL_CLEAR: dict[str, Any] = {
    "outlet-grounded": True,
    "burning-smell": False,
    "cable-type": "locking",
    "lamp-hours": 500,
    "cooler-on": True,
    "sensor-temp": -10,
    "gain-mode": "standard",
    "software-version": "2.1",
    "reproduces-with-reference": True,
}

#: The prompt text of each check of cam-noise, and of the review screen.
PROMPTS = {
    "outlet-grounded": "Is the camera plugged into a grounded outlet?",
    "burning-smell": "Is there a burning smell near the power supply?",
    "cable-type": "Which USB cable connects the camera?",
    "lamp-hours": "Lamp hours shown by the controller?",
    "cooler-on": "Is the sensor cooler switched on?",
    "sensor-temp": "Sensor temperature shown by the software?",
    "gain-mode": "Which gain mode is selected?",
    "banding-after-reset": "After setting the gain to Standard, is the noise still there?",
    "software-version": "Software version shown under Help → About?",
    "reproduces-with-reference": "With the reference sample, is the noise reproduced?",
    "review": "Review the answers — pick one to change",
}
