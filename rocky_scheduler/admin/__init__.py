"""The scheduler's Django admin: importing the modules registers their ModelAdmins with admin.site."""

from rocky_scheduler.admin import catalogue, history, schedulers, schedules, tasks, tokens

__all__ = ["catalogue", "history", "schedulers", "schedules", "tasks", "tokens"]
