"""Gateway and planning benchmarks (`make bench`).

A production router runs one worker per usable core by default (issue #20, ``--workers``); the
benchmarks measure one router process unless they ask for more (``bench workers`` passes
``--workers`` explicitly, which wins over the environment), so the processes they start inherit
``ROUTER_WORKERS=1`` (and the BFFs' equivalents) unless the caller set them.
"""

import os

for _variable in ("ROUTER_WORKERS", "BFF_WEB_WORKERS", "BFF_MOBILE_WORKERS"):
    os.environ.setdefault(_variable, "1")
