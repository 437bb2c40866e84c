from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """An API key of a machine client (a boefje runner, Rocky): only the key's SHA-256 digest is kept.

    The key itself is shown once, when it is issued (rocky_scheduler.services.tokens); nothing here can
    give it back, so `str()`, `repr()`, the admin and Rocky's save-logger (which logs `str(instance)`)
    never reveal it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduler_api_tokens", verbose_name=_("user")
    )
    # One user may hold several keys (one per runner host, say), told apart by name.
    name = models.CharField(max_length=100, default="default", verbose_name=_("name"))
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("digest"))
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    # Written at most every TOKEN_LAST_USED_INTERVAL, so a worker's every pop does not become a write.
    last_used = models.DateTimeField(null=True, blank=True, verbose_name=_("last used"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="apitoken_user_name_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    def __repr__(self) -> str:
        return f"<ApiToken {self.pk}: {self}>"
