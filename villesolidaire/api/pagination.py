"""Pages of 50 rows (`page`, `page_size` up to 200), read as the site's lists are: deep pages by their
keys first (core.pagination)."""

from rest_framework.pagination import PageNumberPagination

from villesolidaire.core.pagination import KeysFirstPaginator


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = KeysFirstPaginator
    invalid_page_message = "Page inexistante : {message}"
