"""Pages of 50 rows (`page`, `page_size` up to 200), read as the site's lists are: deep pages by their
keys first (core.pagination).

Both parameters are checked: a page or a size that is not a whole number in range is a 400 naming
the parameter (REST framework would quietly fall back to its defaults, answering another question
than the one asked). A page past the last one is a 404."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from villesolidaire.core.pagination import KeysFirstPaginator
from villesolidaire.core.validation import out_of_range


def _whole_number(request, name: str, maximum: int) -> int | None:
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    value = raw[-1]
    if len(raw) > 1 or not value.isascii() or not value.isdigit() or not 1 <= int(value) <= maximum:
        raise ValidationError({name: [out_of_range("un nombre entier", 1, f"{maximum:,}".replace(",", " "))]})
    return int(value)


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    max_page = 10_000_000
    django_paginator_class = KeysFirstPaginator
    invalid_page_message = "Page inexistante : la page {page_number} est au-delà de la dernière."

    def get_page_number(self, request, paginator):
        return _whole_number(request, self.page_query_param, self.max_page) or 1

    def get_page_size(self, request):
        return _whole_number(request, self.page_size_query_param, self.max_page_size) or self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": self.max_page},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
