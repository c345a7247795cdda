"""``python -m zero.cli``: the ``zero`` command."""

import sys

from zero.cli import main

sys.exit(main())
