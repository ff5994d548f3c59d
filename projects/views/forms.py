from django.http import HttpRequest, HttpResponse


def form_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
