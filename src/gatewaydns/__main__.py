"""``python -m gatewaydns``."""

import sys

from gatewaydns._cli import main

sys.exit(main())
