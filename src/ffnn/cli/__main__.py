"""``python -m ffnn.cli``: the ``ffnn`` command."""

import sys

from ffnn.cli import main

sys.exit(main())
