"""One way to paginate a list page: `paginate(request, rows)`.

The page number comes from the `page` GET parameter; a missing, non-numeric or out-of-range
number gives the first or last page (Paginator.get_page), never an error. The page size is
`settings.VS_PAGE_SIZE` unless a list passes its own.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, rows, per_page: int | None = None) -> Page:
    """The requested page of `rows` (a queryset or a list), for the template's `page_obj`."""
    return Paginator(rows, per_page or settings.VS_PAGE_SIZE).get_page(request.GET.get("page"))
