"""The small-cell rule (reporting.disclosure.suppress), on plain numbers."""

from villesolidaire.reporting.disclosure import suppress


def column(*values, total=None):
    """One published sum: cells c0, c1, … and their total."""
    cells = {f"c{i}": value for i, value in enumerate(values)}
    cells["total"] = sum(values) if total is None else total
    return cells, [list(cells)]


def test_counts_below_the_threshold_are_hidden_zero_and_threshold_are_not():
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 120}
    assert suppress(values, [], 5) == {"b", "c"}


def test_a_lone_hidden_cell_takes_the_next_smallest_non_zero_cell_with_it():
    values, groups = column(3, 0, 40, 12, 9)
    # 3 alone would be total - the others: 9, the smallest non-zero visible cell, goes too.
    assert suppress(values, groups, 5) == {"c0", "c4"}


def test_two_hidden_cells_need_nothing_more():
    values, groups = column(3, 2, 40, 12)
    assert suppress(values, groups, 5) == {"c0", "c1"}


def test_a_small_total_is_hidden_with_its_cells():
    values, groups = column(1, 0, 2)
    assert suppress(values, groups, 5) == {"c0", "c2", "total"}


def test_nothing_small_nothing_hidden():
    values, groups = column(0, 7, 40)
    assert suppress(values, groups, 5) == set()


def test_ties_go_to_the_first_cell_of_the_group():
    values, groups = column(2, 8, 8)
    assert suppress(values, groups, 5) == {"c0", "c1"}


def test_secondary_suppression_spreads_across_rows_and_columns_until_no_sum_is_left_with_one_hole():
    # Rows r0, r1 and columns k0, k1, each with its published total; 2 is the only small cell.
    values = {
        ("r0", "k0"): 2,
        ("r0", "k1"): 20,
        ("r1", "k0"): 10,
        ("r1", "k1"): 30,
        ("r0", "all"): 22,
        ("r1", "all"): 40,
        ("all", "k0"): 12,
        ("all", "k1"): 50,
    }
    rows = [[(r, "k0"), (r, "k1"), (r, "all")] for r in ("r0", "r1")]
    columns = [[("r0", k), ("r1", k), ("all", k)] for k in ("k0", "k1")]
    hidden = suppress(values, rows + columns, 5)
    assert ("r0", "k0") in hidden
    for group in rows + columns:
        assert sum(1 for key in group if key in hidden) != 1, group
    # The classic pattern: the four inner cells of the rectangle, not the totals.
    assert hidden == {("r0", "k0"), ("r0", "k1"), ("r1", "k0"), ("r1", "k1")}


def test_a_shared_total_hidden_in_one_table_is_hidden_in_the_other():
    values = {"q0": 1, "q1": 2, "k0": 3, "k1": 0, "total": 3}
    groups = [["q0", "q1", "total"], ["k0", "k1", "total"]]
    assert suppress(values, groups, 5) == {"q0", "q1", "k0", "total"}
