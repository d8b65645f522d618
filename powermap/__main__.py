"""``python -m powermap``: the same as the ``powermap`` command."""

import sys

from powermap.cli import main

sys.exit(main())
