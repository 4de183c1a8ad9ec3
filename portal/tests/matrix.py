"""Permission-matrix cases for the portal-wide URLs and the admin's own pages."""

from __future__ import annotations

from django.urls import reverse

from portal.testing.matrix import ACTORS, ADMIN_LIST, LOGGED_IN, PUBLIC, REDIRECT, Case, table

ONLY = ("-",)


def cases() -> list[Case]:
    def url(name: str, *args: object) -> object:
        return lambda cast, target: reverse(name, args=args)

    everyone_redirected = table(
        anonymous=REDIRECT,
        outsider=REDIRECT,
        member_a=REDIRECT,
        secretary_a=REDIRECT,
        officer_a=REDIRECT,
        staff=REDIRECT,
        superuser=REDIRECT,
    )
    get_not_allowed = table(
        anonymous=405, outsider=405, member_a=405, secretary_a=405, officer_a=405, staff=405, superuser=405
    )
    login_page = table(
        anonymous=200,
        outsider=REDIRECT,
        member_a=REDIRECT,
        secretary_a=REDIRECT,
        officer_a=REDIRECT,
        staff=REDIRECT,
        superuser=REDIRECT,
    )
    admin_login = table(
        anonymous=REDIRECT,
        outsider=403,
        member_a=403,
        secretary_a=403,
        officer_a=REDIRECT,
        staff=REDIRECT,
        superuser=REDIRECT,
    )
    return [
        Case("home", url("home"), LOGGED_IN, targets=ONLY),
        Case(
            "activate",
            lambda c, t: reverse("activate", args=["x" * 43]),
            table(**{a: 410 for a in ACTORS}),
            targets=ONLY,
            note="an unknown code; real codes are tested in organisations/tests/test_activation.py",
        ),
        Case("login", url("login"), login_page, targets=ONLY),
        Case("logout", url("logout"), get_not_allowed, targets=ONLY, note="logging out is a POST"),
        Case("password_change", url("password_change"), LOGGED_IN, targets=ONLY),
        Case("password_change_done", url("password_change_done"), LOGGED_IN, targets=ONLY),
        Case("health", url("health"), PUBLIC, targets=ONLY),
        Case("set_language", url("set_language"), everyone_redirected, targets=ONLY),
        Case("admin:index", url("admin:index"), ADMIN_LIST, targets=ONLY),
        Case("admin:login", url("admin:login"), admin_login, targets=ONLY),
        Case(
            "admin:logout",
            url("admin:logout"),
            table(
                anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=405, staff=405, superuser=405
            ),
            targets=ONLY,
        ),
        Case("admin:password_change", url("admin:password_change"), ADMIN_LIST, targets=ONLY),
        Case("admin:password_change_done", url("admin:password_change_done"), ADMIN_LIST, targets=ONLY),
        Case("admin:jsi18n", url("admin:jsi18n"), ADMIN_LIST, targets=ONLY),
        Case("admin:app_list", url("admin:app_list", "organisations"), ADMIN_LIST, targets=ONLY),
        Case(
            "admin:autocomplete",
            lambda cast, target: (
                reverse("admin:autocomplete") + "?app_label=organisations&model_name=rolegrant&field_name=user&term=a"
            ),
            ADMIN_LIST,
            targets=ONLY,
        ),
    ]
