from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    people = selectors.person_list(user=request.user, query=request.GET.get("q", ""))
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "organisations/person_list.html", {"page": page, "q": request.GET.get("q", "")})
