"""One way to paginate a list page: `paginate(request, rows)`.

The page number comes from the `page` GET parameter; a missing, non-numeric or out-of-range
number gives the first or last page (Paginator.get_page), never an error. The page size is
`settings.VS_PAGE_SIZE` unless a list passes its own.

A deep page of a queryset is read in two steps (a "deferred join"): the page's primary keys
first, which the database reads from the index of the list's order alone, then those rows. An
OFFSET over whole rows makes it read every skipped row from the table: at 100,000 volunteers a
late page of the volunteer list took 140 ms of SQL that way. The first pages keep one query.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

# Rows skipped from which a page reads its keys first (below, one query costs less than two).
DEFERRED_JOIN_FROM = 1000


class KeysFirstPaginator(Paginator):
    """Paginator whose deep pages of a queryset read their keys first, then their rows."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet) or rows.query.combinator or bottom < DEFERRED_JOIN_FROM:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return self._get_page([found[key] for key in keys if key in found], number, self)


def paginate(request: HttpRequest, rows, per_page: int | None = None) -> Page:
    """The requested page of `rows` (a queryset or a list), for the template's `page_obj`."""
    return KeysFirstPaginator(rows, per_page or settings.VS_PAGE_SIZE).get_page(request.GET.get("page"))
