import sys

from kzgraph.cli import main

sys.exit(main())
