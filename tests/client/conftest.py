import pytest
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rocky_scheduler.client import SchedulerClient
from tests.client import rocky_stand_in
from tests.support.users import make_superuser, user_in


@pytest.fixture
def worker(db) -> AbstractBaseUser:
    return user_in("scheduler-workers", "boefje-runner")


@pytest.fixture
def analyst(db) -> AbstractBaseUser:
    return user_in("scheduler-analysts", "analyst")


@pytest.fixture
def reader(db) -> AbstractBaseUser:
    return user_in("scheduler-readonly", "reader")


@pytest.fixture
def superuser(db) -> AbstractBaseUser:
    return make_superuser("root")


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()


@pytest.fixture
def client(superuser) -> SchedulerClient:
    """Plain JSON answers and the app's own errors, as any host but Rocky gets them."""
    return SchedulerClient("acme", user=superuser)


@pytest.fixture
def rocky_client(superuser) -> SchedulerClient:
    """Answers as Rocky's classes (the stand-in for rocky.scheduler), as Rocky gets them."""
    return SchedulerClient("acme", user=superuser, models=rocky_stand_in)
