"""Fixtures for the codemill.synth tests; the scenario and the replay server are modules beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
