"""``python -m jules_action``: run the action."""

from __future__ import annotations

import sys

from jules_action.cli import main

sys.exit(main())
