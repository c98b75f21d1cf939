"""Labels in English and Simplified Chinese, and the CJK font set-up for matplotlib.

Owns every human-readable string the figures and the report use (titles, axes, stage, class
and KPI names, diagnosis sentences) and finding a CJK-capable font so Chinese renders.
Stage names follow the source paper: 潜力客户, 一般客户, 精英/大客户, 夕阳客户.
"""

from __future__ import annotations

import re
from pathlib import Path

from matplotlib import font_manager, rcParams

from analysis.labels_report import REPORT_EN, REPORT_ZH

__all__ = ["LANGS", "LABELS", "FontMissing", "label", "name", "ref_name", "setup_cjk_font",
           "CJK_FONT_NAMES"]

LANGS = ("en", "zh")

_EN: dict[str, str] = {
    # stages and classes
    "stage.prospect": "prospect", "stage.potential": "potential", "stage.general": "general",
    "stage.key": "key account", "stage.sunset": "sunset", "stage.lost": "lost",
    "abc.A": "class A", "abc.B": "class B", "abc.C": "class C", "abc.-": "not a customer",
    # KPIs
    "kpi.market_share": "Market share (last 52 weeks)",
    "kpi.gross_margin": "Gross margin (last 52 weeks)",
    "kpi.net_profit": "Net profit over the run (CNY)",
    "kpi.customers_end": "Customers at end",
    "kpi.key_accounts_end": "Key accounts at end",
    "kpi.pool_health_end": "Pool health at end (won ÷ lost, 52 weeks)",
    "kpi.annual_retention": "Annual retention",
    "kpi.key_account_retention": "Key-account retention",
    "kpi.key_revenue_retained": "Key-account revenue retained",
    "kpi.key_wallet_retained": "Key-account share of wallet retained",
    "kpi.base_change": "Change of customer base over the run",
    "kpi.base_change_last_year": "Change of customer base over the last 52 weeks",
    "kpi.top20_revenue_share": "Revenue share of top 20% customers",
    # figures
    "fig.pool.title": "Customer pool by stage: reservoir or funnel?",
    "fig.pool.flows": "Customers won and lost per quarter",
    "fig.pool.inflow": "won", "fig.pool.outflow": "lost or exited",
    "fig.health.title": "Pool health: customers won per customer lost (trailing 52 weeks)",
    "fig.health.y": "won ÷ lost", "fig.health.refill": "refills (≥ 1)",
    "fig.perf.share": "Market share (13-week mean)",
    "fig.perf.gross": "Gross profit per quarter (CNY)",
    "fig.perf.net": "Cumulative net profit (CNY)",
    "fig.perf.margin": "Gross margin (13-week)",
    "fig.km.title": "Survival of customer relationships by ABC class (Kaplan–Meier)",
    "fig.km.x": "weeks since first purchase", "fig.km.y": "share still a customer",
    "fig.pareto.title": "Revenue concentration of the focal supplier",
    "fig.pareto.curve": "Pareto curve", "fig.pareto.x": "share of customers (largest first)",
    "fig.pareto.y": "share of revenue (52 weeks)", "fig.pareto.equal": "equal revenue",
    "fig.pareto.abc": "ABC classes at end (mean per run)", "fig.pareto.count": "customers",
    "fig.clv.title": "Customer lifetime value by segment",
    "fig.clv.y": "CLV (CNY, gross margin)",
    "fig.dash.title": "Single run dashboard",
    "fig.dash.prices": "Prices (CNY/t) and cost indices", "fig.dash.price": "price (CNY/t)",
    "fig.dash.cost": "cost index", "fig.dash.shares": "Market shares (13-week mean)",
    "fig.dash.pool": "Focal supplier's pool by stage", "fig.dash.pareto": "Pareto curve",
    "axis.week": "week", "axis.count": "customers", "axis.share": "share",
    # report
    "report.title": "kamsim report: key-account strategy scenarios",
    "report.kpi": "Indicator",
    "report.reps": "replications",
    "verdict.reservoir": "reservoir", "verdict.funnel": "funnel",
    "verdict.inconclusive": "inconclusive",
    "fig.perf.title": "Market share, profit and margin of the focal supplier",
    # diagnosis
    "dx.reservoir": "Reservoir: losses are refilled — {health} customers won for every one "
    "lost or exited over the last year ({health_ci}); the customer base changed by {base} "
    "over the same year ({base_ci}).",
    "dx.funnel": "Funnel: customers drain away faster than they are replaced — {health} won "
    "for every one lost or exited over the last year ({health_ci}); the customer base changed "
    "by {base} over the same year ({base_ci}).",
    "dx.inconclusive": "Inconclusive: the runs do not separate a reservoir from a funnel — "
    "{health} won per one lost over the last year ({health_ci}); the customer base changed by "
    "{base} over the same year ({base_ci}). More replications may settle it.",
    "dx.ci": "{level:.0f} % interval {lo} to {hi}", "dx.noci": "single run, no interval",
    "dx.refill": "The pool refilled in {k} of {n} replications ({p:.0%}).",
    "dx.settle": "About {reps} replications would settle it at the observed spread.",
}

_ZH: dict[str, str] = {
    "stage.prospect": "目标客户", "stage.potential": "潜力客户", "stage.general": "一般客户",
    "stage.key": "大客户", "stage.sunset": "夕阳客户", "stage.lost": "流失客户",
    "abc.A": "A类", "abc.B": "B类", "abc.C": "C类", "abc.-": "非客户",
    "kpi.market_share": "市场份额（近52周）",
    "kpi.gross_margin": "毛利率（近52周）",
    "kpi.net_profit": "运行期净利润（元）",
    "kpi.customers_end": "期末客户数",
    "kpi.key_accounts_end": "期末大客户数",
    "kpi.pool_health_end": "期末客户池健康度（52周新增÷流失）",
    "kpi.annual_retention": "年客户保留率",
    "kpi.key_account_retention": "大客户年保留率",
    "kpi.key_revenue_retained": "大客户收入保留率",
    "kpi.key_wallet_retained": "大客户钱包份额保留率",
    "kpi.base_change": "运行期客户总数变化",
    "kpi.base_change_last_year": "最近52周客户总数变化",
    "kpi.top20_revenue_share": "前20%客户收入占比",
    "fig.pool.title": "各阶段客户池：蓄水池还是漏斗？",
    "fig.pool.flows": "每季度新增与流失客户",
    "fig.pool.inflow": "新增", "fig.pool.outflow": "流失或退出",
    "fig.health.title": "客户池健康度：每流失一个客户新增的客户数（滚动52周）",
    "fig.health.y": "新增÷流失", "fig.health.refill": "可补充（≥1）",
    "fig.perf.share": "市场份额（13周均值）",
    "fig.perf.gross": "每季度毛利（元）",
    "fig.perf.net": "累计净利润（元）",
    "fig.perf.margin": "毛利率（13周）",
    "fig.km.title": "按ABC分类的客户关系存续（Kaplan–Meier）",
    "fig.km.x": "首次采购后周数", "fig.km.y": "仍为客户的比例",
    "fig.pareto.title": "本公司收入集中度",
    "fig.pareto.curve": "帕累托曲线", "fig.pareto.x": "客户占比（由大到小）",
    "fig.pareto.y": "收入占比（52周）", "fig.pareto.equal": "收入均等",
    "fig.pareto.abc": "期末ABC分类（每次运行均值）", "fig.pareto.count": "客户数",
    "fig.clv.title": "各细分客户的生命周期价值",
    "fig.clv.y": "客户生命周期价值（元，毛利）",
    "fig.dash.title": "单次运行总览",
    "fig.dash.prices": "价格（元/吨）与成本指数", "fig.dash.price": "价格（元/吨）",
    "fig.dash.cost": "成本指数", "fig.dash.shares": "市场份额（13周均值）",
    "fig.dash.pool": "本公司各阶段客户池", "fig.dash.pareto": "帕累托曲线",
    "axis.week": "周", "axis.count": "客户数", "axis.share": "占比",
    "report.title": "kamsim 报告：大客户策略情景比较",
    "report.kpi": "指标",
    "report.reps": "重复次数",
    "verdict.reservoir": "蓄水池", "verdict.funnel": "漏斗", "verdict.inconclusive": "无法判断",
    "fig.perf.title": "本公司市场份额、利润与毛利率",
    "dx.reservoir": "蓄水池：流失的客户得到补充——过去一年每流失或退出1个客户，新增{health}个"
    "（{health_ci}）；同期客户总数变化{base}（{base_ci}）。",
    "dx.funnel": "漏斗：客户流失快于补充——过去一年每流失或退出1个客户，仅新增{health}个"
    "（{health_ci}）；同期客户总数变化{base}（{base_ci}）。",
    "dx.inconclusive": "无法判断：运行结果不足以区分蓄水池与漏斗——过去一年每流失1个客户新增"
    "{health}个（{health_ci}）；同期客户总数变化{base}（{base_ci}）。增加重复运行次数或可得出结论。",
    "dx.ci": "{level:.0f}%区间 {lo} 至 {hi}", "dx.noci": "单次运行，无置信区间",
    "dx.refill": "客户池在{n}次重复运行中有{k}次得到补充（{p:.0%}）。",
    "dx.settle": "按观测到的离散程度，约需{reps}次重复运行才能判定。",
}

_EN.update(REPORT_EN)
_ZH.update(REPORT_ZH)
LABELS: dict[str, dict[str, str]] = {"en": _EN, "zh": _ZH}
NAME_KINDS = ("segment", "supplier", "material", "lever", "scenario", "method")

# Family names as matplotlib reports them, most preferred first.
CJK_FONT_NAMES = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
    "Source Han Sans CN", "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC",
)
_CJK_FILE = re.compile(r"(cjk|wqy|wenquanyi|sourcehan|droidsansfallback|uming|ukai)", re.I)

INSTALL_HINT = "install a CJK font, e.g. `apt-get install -y fonts-noto-cjk` (Debian/Ubuntu)"


class FontMissing(RuntimeError):
    """No font able to render Simplified Chinese is installed."""


def label(key: str, lang: str = "en") -> str:
    """The label for `key` in `lang` ("en" or "zh"); unknown keys fall back to English."""
    if lang not in LABELS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
    return LABELS[lang].get(key, _EN.get(key, key))


def name(kind: str, value: object, lang: str = "en") -> str:
    """Display name of a `kind` ("segment", "supplier", "material", "lever", "scenario",
    "method") called `value` in the tables: its label when there is one ("Rival X" →
    "竞争对手X"), else the value itself (a user's own scenario or supplier name)."""
    if kind not in NAME_KINDS:
        raise ValueError(f"unknown kind of name {kind!r}; use one of {NAME_KINDS}")
    text = str(value)
    key = f"{kind}.{text}"
    if key in _EN:
        return label(key, lang)
    rival = re.fullmatch(r"Rival (\w+)", text) if kind == "supplier" else None
    return label("supplier.rival", lang).format(x=rival[1]) if rival else text


def ref_name(scenario: object, lang: str = "en") -> str:
    """A reference scenario's name inside a sentence: "the status quo" for the status quo
    `kamsim compare` adds, else its display name (`name`)."""
    text = name("scenario", scenario, lang)
    return f"the {text}" if lang == "en" and text == label("report.status_quo", lang) else text


def _installed_families() -> set[str]:
    """Font family names known to matplotlib's font manager."""
    return {f.name for f in font_manager.fontManager.ttflist}


def _register_system_cjk_files() -> None:
    """Add CJK font files on the system that matplotlib's cached font list does not know."""
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(
        fontext="otf"
    ):
        if path not in known and _CJK_FILE.search(Path(path).name):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue


def _find_cjk_family() -> str | None:
    """The most preferred installed CJK family, or None."""
    for attempt in range(2):
        families = _installed_families()
        for name in CJK_FONT_NAMES:
            if name in families:
                return name
        if attempt == 0:
            _register_system_cjk_files()
    return None


def setup_cjk_font(lang: str = "zh") -> str | None:
    """Configure matplotlib to draw Chinese with an installed CJK font; return its family.

    The font is put first in `font.sans-serif` (DejaVu Sans stays as fallback) and
    `axes.unicode_minus` is turned off, which CJK fonts need. Returns None when no CJK font
    is installed and `lang` is not "zh"; raises `FontMissing` when `lang` is "zh".
    """
    family = _find_cjk_family()
    if family is None:
        if lang == "zh":
            raise FontMissing(f"No CJK font found for Chinese figures: {INSTALL_HINT}.")
        return None
    rest = [f for f in rcParams["font.sans-serif"] if f != family]
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *rest]
    rcParams["axes.unicode_minus"] = False
    return family
