"""rocky_scheduler: OpenKAT's task scheduler as a reusable Django app."""

__version__ = "0.1.0"
