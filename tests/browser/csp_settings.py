"""The standalone project behind Rocky's Content-Security-Policy (django-csp with the Rocky-shaped host's
directives): pages may run scripts and load files from their own site only."""

from scheduler_project.settings import *  # noqa: F403
from scheduler_project.settings import MIDDLEWARE
from tests.rocky_host.settings import CONTENT_SECURITY_POLICY  # noqa: F401 - the setting, taken as it is

MIDDLEWARE = [*MIDDLEWARE, "csp.middleware.CSPMiddleware"]
