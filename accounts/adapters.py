"""allauth hooks; kept small on purpose."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Answer a login attempt over ACCOUNT_RATE_LIMITS["login_failed"] with the 429 page.

        allauth's default is a form error on the login form; a whole page that says "too many
        attempts" is clearer, and it is the same page allauth's other limits show. Because the
        check runs before the password is looked at, the right password is refused too until
        the limit's window has passed.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if exc.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(ratelimit.respond_429(request)) from exc
            raise

    def format_email_subject(self, subject: str) -> str:
        return f"[Personai] {subject}"
