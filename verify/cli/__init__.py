"""Command-line interface; see :mod:`verify.cli.main`."""
