"""``python -m tasknas``: the command line."""

from tasknas.cli import main

if __name__ == "__main__":
    main()
