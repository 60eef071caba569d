"""Command-line subcommands contributed by properties/ (plugins of the sparsecert.commands entry point)."""
