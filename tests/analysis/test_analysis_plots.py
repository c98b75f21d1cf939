"""Every figure function returns a Figure with the expected axes; Chinese labels render."""

import warnings

import pytest
from matplotlib.figure import Figure

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
