"""The fault-injection suite (issues 13 and 17): every command given bad paths, corrupted or
truncated stores, dictionaries, checkpoints and ``.npz`` files, absurd sizes, interrupted
runs and a full disk must end with one line naming the problem and exit 2 (or a warning and
exit 0 where the run can go on), never a traceback, and lose nothing. Each module's
docstring lists its cases per command. Marker: ``faults`` (``pytest -m faults``)."""
