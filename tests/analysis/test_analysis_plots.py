"""Every figure function returns a Figure with the expected axes; Chinese labels render."""

import warnings

import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from analysis import i18n, plots

SCENARIOS = ["base", "kam"]


def _figures(tables, one_run, lang):
    return {
        "pool_by_stage": (plots.pool_by_stage(tables["pool_runs"], tables["runs"], SCENARIOS,
                                              lang), 2 * len(SCENARIOS)),
        "pool_health": (plots.pool_health_over_time(tables["runs"], SCENARIOS, lang), 1),
        "performance": (plots.performance(tables["runs"], SCENARIOS, lang), 4),
        "survival": (plots.survival_by_abc(tables["spells_runs"], SCENARIOS, lang),
                     len(SCENARIOS)),
        "pareto": (plots.pareto_abc(tables["customers_runs"], SCENARIOS, lang), 2),
        "clv": (plots.clv_segments(tables["spells_runs"],
                                             {"base": 0.08, "kam": 0.08}, SCENARIOS, lang), 1),
        "dashboard": (plots.dashboard(one_run["suppliers"], one_run["pool"],
                                      one_run["market"], one_run["customers"], lang), 5),
    }


def test_figures_have_expected_axes(tables, one_run):
    for name, (fig, n_axes) in _figures(tables, one_run, "en").items():
        assert isinstance(fig, Figure), name
        assert len(fig.axes) == n_axes, name


def test_single_scenario_and_missing_market(tables, one_run):
    fig = plots.pool_by_stage(tables["pool_runs"], tables["runs"], ["kam"])
    assert len(fig.axes) == 2
    fig = plots.dashboard(one_run["suppliers"], one_run["pool"], None, one_run["customers"])
    assert len(fig.axes) == 5


def test_font_missing_error(monkeypatch):
    monkeypatch.setattr(i18n, "_find_cjk_family", lambda: None)
    assert i18n.setup_cjk_font("en") is None
    with pytest.raises(i18n.FontMissing, match="fonts-noto-cjk"):
        i18n.setup_cjk_font("zh")


def test_labels_complete():
    assert set(i18n.LABELS["en"]) == set(i18n.LABELS["zh"])
    assert i18n.label("stage.sunset", "zh") == "夕阳客户"
    with pytest.raises(ValueError):
        i18n.label("stage.key", "de")


def test_zh_labels_render_without_missing_glyphs(tables, one_run, tmp_path):
    try:
        font = i18n.setup_cjk_font("zh")
    except i18n.FontMissing as exc:
        pytest.skip(f"no CJK font installed ({exc})")
    assert font
    fig = plots.pool_by_stage(tables["pool_runs"], tables["runs"], SCENARIOS, "zh")
    assert fig.get_suptitle() == i18n.label("fig.pool.title", "zh")
    dash = plots.dashboard(one_run["suppliers"], one_run["pool"], one_run["market"],
                           one_run["customers"], "zh")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        fig.savefig(tmp_path / "pool_zh.png", dpi=40)
        dash.savefig(tmp_path / "dash_zh.png", dpi=40)
    assert (tmp_path / "pool_zh.png").stat().st_size > 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_panels_stay_apart_on_the_page(one_run, lang):
    """The dashboard's grid sits at fixed places (no layout pass per run): each panel with its
    ticks, axis labels, legend and title (the price panel with its cost-index twin) stays on
    the page and clear of the others and of the page title, in both languages."""
    if lang == "zh":
        try:
            i18n.setup_cjk_font("zh")
        except i18n.FontMissing as exc:
            pytest.skip(f"no CJK font installed ({exc})")
    title = "Single run dashboard: reservoir, replication 20 (seed 123456789)"
    fig = plots.dashboard(one_run["suppliers"], one_run["pool"], one_run["market"],
                          one_run["customers"], lang, title=title)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels: dict[tuple, list] = {}
    for ax in fig.axes:  # a twin axis shares its panel's place
        panels.setdefault(tuple(round(v, 6) for v in ax.get_position().bounds), []).append(
            ax.get_tightbbox(renderer))
    boxes = [Bbox.union(b) for b in panels.values()]
    assert len(boxes) == 4
    page = fig.bbox
    for box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    [head] = [t.get_window_extent(renderer) for t in fig.texts if t.get_text() == title]
    assert head.y1 <= page.y1 and not any(head.overlaps(b) for b in boxes)


def _bar_containers(ax):
    from matplotlib.container import BarContainer

    return [c for c in ax.containers if isinstance(c, BarContainer)]


def _whisker(container, i):
    """(lo, hi) of the i-th bar's error bar."""
    seg = container.errorbar.lines[2][0].get_segments()[i]
    return float(seg[0][1]), float(seg[1][1])


def test_survival_is_drawn_over_the_run_without_non_customers(tables):
    fig = plots.survival_by_abc(tables["spells_runs"], SCENARIOS, "en", weeks=104)
    for ax in fig.axes:
        assert ax.get_xlim() == (0.0, 104.0)
        names = {line.get_label() for line in ax.get_lines()}
        assert i18n.label("abc.-") not in names
    assert {t.get_text() for t in fig.axes[-1].get_legend().get_texts()} == {
        i18n.label(f"abc.{c}") for c in "ABC"}


def test_clv_bars_are_means_over_replications_with_95_intervals(tables):
    from analysis.intervals import mean_ci
    from analysis.value import clv_by_segment

    spells = tables["spells_runs"]
    fig = plots.clv_segments(spells, {"base": 0.08, "kam": 0.08}, SCENARIOS)
    bars = _bar_containers(fig.axes[0])
    assert len(bars) == len(SCENARIOS)
    per = clv_by_segment(spells[spells["scenario"] == "kam"], 0.08, by=["scenario", "rep"])
    segments = sorted(per["segment"].unique())
    for i, seg in enumerate(segments):
        m, lo, hi = mean_ci(per.loc[per["segment"] == seg, "clv"])
        assert bars[1].patches[i].get_height() == pytest.approx(m)
        assert _whisker(bars[1], i) == pytest.approx((lo, hi))


def test_abc_bars_carry_95_intervals(tables):
    from analysis.concentration import abc_counts
    from analysis.intervals import mean_ci

    fig = plots.pareto_abc(tables["customers_runs"], SCENARIOS)
    bars = _bar_containers(fig.axes[1])
    counts = abc_counts(tables["customers_runs"], ["scenario", "rep"])
    for j, scen in enumerate(SCENARIOS):
        for i, cls in enumerate("ABC"):
            m, lo, hi = mean_ci(counts.loc[counts["scenario"] == scen, cls])
            assert bars[j].patches[i].get_height() == pytest.approx(m)
            assert _whisker(bars[j], i) == pytest.approx((lo, hi))


def test_dashboard_of_a_comparison_says_which_run(real_tables, one_run):
    from analysis.report import _dashboard_title

    runs = real_tables["runs"]
    seed = int(runs.loc[(runs["scenario"] == "reservoir") & (runs["rep"] == 0), "seed"].iloc[0])
    assert _dashboard_title(runs, "reservoir", "en") == \
        f"Single run dashboard: reservoir, replication 1 (seed {seed})"
    assert _dashboard_title(runs, "reservoir", "zh") == \
        f"单次运行总览：蓄水池策略，第1次重复运行（随机种子{seed}）"
    fig = plots.dashboard(one_run["suppliers"], one_run["pool"], None, one_run["customers"],
                          title="X")
    assert fig.get_suptitle() == "X"


def test_lever_chart_draws_each_lever_with_its_interval():
    from analysis.plots_budget import levers_chart

    lev = {"rows": [{"lever": "development", "figure": "net_profit", "method": "removal",
                     "mean": 5.0, "lo": 2.0, "hi": 8.0, "n": 3},
                    {"lever": "supply_assurance", "figure": "net_profit", "method": "removal",
                     "mean": -1.0, "lo": -3.0, "hi": 0.5, "n": 3}],
           "bundle_difference": [{"figure": "net_profit", "mean": 4.0, "lo": 1.0, "hi": 7.0,
                                  "n": 3}]}
    fig = levers_chart(lev, "en")
    ax = fig.axes[0]
    bars = _bar_containers(ax)
    assert [p.get_width() for p in bars[0].patches] == [5.0, -1.0]
    seg = bars[0].errorbar.lines[2][0].get_segments()
    assert [(s[0][0], s[1][0]) for s in seg] == [(2.0, 8.0), (-3.0, 0.5)]
    assert bars[1].patches[0].get_width() == 4.0
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "development", "supply assurance", "whole bundle"]
