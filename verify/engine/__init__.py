"""The max-active engine: one :class:`~.core.Engine` per solve, one stage module per domain kind."""
