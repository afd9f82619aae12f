"""Entry point of the action image: run the action and exit with its exit code."""

from __future__ import annotations

import sys

from jules_action.cli import main

sys.exit(main())
