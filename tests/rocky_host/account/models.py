"""Rocky's account shapes, as the scheduler meets them: an e-mail login with a unique (lower-cased) address and a
required full name. Organisations and memberships are in Rocky's `tools` app (tests/rocky_host/tools)."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone


class KATUserManager(BaseUserManager):
    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "KATUser":
        if not email:
            raise ValueError("The Email must be set")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "KATUser":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class KATUser(AbstractBaseUser, PermissionsMixin):
    # Rocky migrated from Django's User, so its primary key is an AutoField, not the project's default.
    id = models.AutoField(primary_key=True, verbose_name="ID")
    full_name = models.CharField("full name", max_length=150)
    email = models.EmailField("email", max_length=254, unique=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = KATUserManager()

    def get_full_name(self) -> str:
        return self.full_name
