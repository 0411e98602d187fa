import sys

from kzgraph.cli import main

if __name__ == "__main__":  # not again in a spawned worker process (release validation)
    sys.exit(main())
