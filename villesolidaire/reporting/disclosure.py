"""Small-cell rule for figures shown to the public (statistical disclosure control).

A count strictly between 0 and the threshold could point at a person (three residents helped
in a small quartier: the neighbours know who). Such a count is not shown (primary suppression).
When a published total is the sum of cells, one hidden cell among visible ones would be found
again by difference (total minus the others): the smallest other non-zero cell of that sum is
hidden too (secondary suppression), and so on until no published sum has exactly one hidden
cell. Zero is shown: nobody is behind it.

Pure functions, no database: `suppress` decides which cells to hide; the page writes them
« moins de N ».
"""

from collections.abc import Hashable, Iterable, Mapping


def suppress(
    values: Mapping[Hashable, int | float],
    groups: Iterable[Iterable[Hashable]],
    threshold: int,
) -> set[Hashable]:
    """The keys of the cells to hide.

    `values` maps each shown cell to its count; `groups` lists the published sums, each as the
    keys of its cells *and* of its total (a total is a cell like the others: hidden when small,
    and counted among the group's hidden cells). A cell may belong to several groups (a row and
    a column, or one total shared by two tables). Deterministic: ties go to the first key in the
    group's order.
    """
    groups = [list(group) for group in groups]
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    changed = True
    while changed:
        changed = False
        for group in groups:
            if sum(1 for key in group if key in hidden) != 1:
                continue
            candidates = [key for key in group if key not in hidden]
            if not candidates:
                continue
            # The smallest non-zero cell; a zero only when nothing else is left (hiding it still
            # leaves two unknowns in the sum).
            non_zero = [key for key in candidates if values[key] > 0]
            pool = non_zero or candidates
            hidden.add(min(pool, key=lambda key: values[key]))
            changed = True
    return hidden
