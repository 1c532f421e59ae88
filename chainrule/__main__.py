"""``python -m chainrule``: the same program as the ``chainrule`` command."""

import sys

from chainrule.cli import main

sys.exit(main())
