"""``python -m convarith``: the same command line as ``convarith``."""

from convarith.cli import main

if __name__ == "__main__":
    main()
