"""``python -m jules_action_dev demo``: run the action end to end on this machine; does I/O."""

from __future__ import annotations

import sys

from jules_action_dev.demo import main

sys.exit(main(sys.argv[1:], stdout=sys.stdout))
