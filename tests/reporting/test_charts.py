from villesolidaire.reporting.charts import LABEL_WIDTH, MAX_LABEL_CHARS, ROW_HEIGHT, WIDTH, bar_chart
from villesolidaire.reporting.selectors import Row


def test_bars_are_proportional_to_the_largest_value():
    rows = [Row(1, "Nord", {"missions_done": 10}), Row(2, "Sud", {"missions_done": 5}), Row(3, "Est", {})]
    chart = bar_chart("g", "Missions réalisées par quartier", rows, "missions_done")
    widths = [bar.width for bar in chart.bars]
    assert widths[0] > 0 and widths[1] == round(widths[0] / 2) and widths[2] == 0
    assert LABEL_WIDTH + max(widths) < WIDTH
    assert [bar.y for bar in chart.bars] == [6, 6 + ROW_HEIGHT, 6 + 2 * ROW_HEIGHT]
    assert chart.description == "Nord : 10 ; Sud : 5 ; Est : 0"


def test_long_labels_are_shortened_but_kept_whole_in_the_description():
    label = "Accompagnement à un rendez-vous médical très lointain"
    chart = bar_chart("g", "t", [Row(1, label, {"supports": 0})], "supports")
    assert len(chart.bars[0].short_label) == MAX_LABEL_CHARS and chart.bars[0].short_label.endswith("…")
    assert label in chart.description
    assert chart.bars[0].width == 0  # all zero: no division by zero


def test_line_chart_scales_every_series_to_a_round_axis_top():
    from villesolidaire.reporting.charts import LINE_HEIGHT, PLOT_BOTTOM, PLOT_TOP, line_chart, nice_ceiling

    chart = line_chart(
        "e",
        "Évolution",
        ["Janvier 2025", "Février 2025", "Mars 2025"],
        [("Missions", [0, 7, 3]), ("Demandes", [2, 1, 0])],
        axis_labels=["janv.", "févr.", "mars"],
    )
    assert nice_ceiling(7) == 8 and [mark.text for mark in chart.y_marks] == ["0", "2", "4", "6", "8"]
    bottom, top = LINE_HEIGHT - PLOT_BOTTOM, PLOT_TOP
    missions = chart.lines[0].points
    assert missions[0].y == bottom and missions[1].y == top + (bottom - top) / 8
    assert [mark.text for mark in chart.x_marks] == ["janv.", "févr.", "mars"]
    assert "Missions : Janvier 2025 0, Février 2025 7, Mars 2025 3" in chart.description
    assert chart.lines[0].dash != chart.lines[1].dash  # lines differ by more than their colour
