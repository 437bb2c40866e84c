"""Rocky's two gatekeepers, rebuilt from their behaviour (rocky/middleware/auth_required.py and onboarding.py).

- Login required: without a session, only `/api/` and the login page pass; everything else redirects to the
  login page. Any `Authorization` header is first tried as a knox token, and a token knox refuses is a 403
  before any view runs (Rocky does exactly this, so only knox tokens get through Rocky's door).
- Onboarding: a signed-in user with no onboarded organisation membership is sent to the onboarding page,
  except under /admin/, /api/, the login and onboarding pages and i18n.
"""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from knox.auth import TokenAuthentication
from rest_framework.exceptions import APIException

Handler = Callable[[HttpRequest], HttpResponse]


def auth_required(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and "authorization" in request.headers:
            try:
                found = TokenAuthentication().authenticate(request)
            except APIException:
                return HttpResponseForbidden("Invalid token\n")
            if found is not None:
                request.user = found[0]
        open_paths = {reverse("login"), reverse("set_language")}
        if not request.user.is_authenticated and not (request.path in open_paths or request.path.startswith("/api/")):
            return redirect_to_login(request.get_full_path())
        return get_response(request)

    return middleware


def onboarding(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not request.user.is_authenticated:
            return response
        exempt = ("/onboarding/", "/admin/", "/login/", "/i18n/")
        if any(part in request.path for part in exempt) or request.path.startswith("/api/"):
            return response
        if not request.user.members.filter(onboarded=True).exists():
            return redirect(reverse("onboarding"))
        return response

    return middleware
