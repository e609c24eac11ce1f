"""``python -m distconnect`` is the ``distconnect`` command."""

import sys

from distconnect.cli import main

sys.exit(main())
