"""Labels of the browser explorer in English and Simplified Chinese.

App-specific strings live here; stage, ABC and shared figure names come from
:mod:`analysis.i18n` (``label``), so the page and the reports use the same words.
"""

from __future__ import annotations

LANGS = ("en", "zh")

_EN: dict[str, str] = {
    "app.title": "kamsim explorer",
    "app.scenario": "Scenario",
    "app.scenario_hint": "Choosing a scenario resets the sliders to its values.",
    "app.apply_hint": "Sliders and the seed take effect on Reset.",
    "app.seed": "Seed",
    "app.week": "Week",
    "app.of": "of",
    "app.finished": "run finished",
    "app.run": "This run",
    "app.changed": "Changed from {scenario} (its value):",
    "app.unchanged": "All levers as in {scenario}.",
    "app.customers_now": "customers in the market",
    "app.controls": "Controls",
    "app.levers": "Levers (applied on Reset)",
    "app.reset": "Reset", "app.play": "▶ Play", "app.pause": "❚❚ Pause", "app.step": "Step",
    "app.interval": "Pause between weeks (ms)",
    # levers
    "lever.focal_markup": "{focal}: markup",
    "lever.focal_service": "{focal}: service level",
    "lever.focal_kam": "{focal}: key-account managers",
    "lever.focal_dev": "{focal}: development staff",
    "lever.focal_price_war": "{focal}: price war",
    "lever.focal_kam_centre": "{focal}: KAM centre",
    "lever.beta_loyalty": "Loyalty weight β",
    "lever.contract_share": "Tender contract share",
    "lever.gamma": "Forgetting rate γ",
    "lever.steel_volatility": "Steel price volatility",
    "lever.shock": "Cost shock (0 = none)",
    "lever.market_size": "Market size (× the scenario's)",
    # charts
    "chart.shares": "Market shares (4-week mean)",
    "chart.prices": "Prices and cost indices",
    "chart.price": "avg list price (CNY/t)",
    "chart.cost_index": "cost index",
    "chart.pool": "{focal}'s pool by stage",
    "chart.flows": "won and lost per 4 weeks",
    "chart.won": "won", "chart.lost": "lost or exited",
    "chart.health": "won ÷ lost, last 52 weeks: {health}",
    "chart.abc": "{focal}'s ABC classes",
    "chart.dist": "Satisfaction and price sensitivity",
    "chart.satisfaction": "satisfaction with {focal}",
    "chart.ps": "price sensitivity",
    "chart.map": "Customers (size: demand, colour: main supplier) — click one",
    "chart.no_main": "none", "chart.customer": "customer",
    "axis.week": "week", "axis.share": "share", "axis.count": "customers",
    "axis.supplier": "supplier", "axis.material": "material", "axis.stage": "stage",
    "axis.class": "class", "axis.flow": "flow",
    "verdict.reservoir": "reservoir", "verdict.funnel": "funnel",
    "verdict.early": "too early to tell", "verdict.inconclusive": "inconclusive",
    # profile
    "profile.title": "Customer profile",
    "profile.pick": "Customer #",
    "profile.none": "Click a customer in the map, or type a number.",
    "profile.gone": "No customer #{row} in this run.",
    "profile.segment": "Segment", "profile.tender": "buys by tender",
    "profile.routine": "routine orders", "profile.main": "Main supplier",
    "profile.stage": "Stage with {focal}", "profile.abc": "ABC class with {focal}",
    "profile.ps": "Price sensitivity", "profile.active": "in the market",
    "profile.exited": "left the market",
    "profile.demand": "Demand this week (t)", "profile.wallet": "Share of wallet",
    "profile.over_time": "Satisfaction and loyalty over time",
    "profile.satisfaction": "satisfaction", "profile.loyalty": "loyalty",
    "profile.history": "Stage history with {focal}",
    "profile.start": "start",
    "seg.ev_oem": "EV OEM", "seg.ice_oem": "ICE OEM", "seg.new_entrant": "new EV maker",
    "seg.tier1": "tier-1 supplier", "seg.tier2": "tier-2 supplier",
    "mat.steel": "steel", "mat.hdg_ahss": "HDG/AHSS", "mat.aluminium": "aluminium",
}

_ZH: dict[str, str] = {
    "app.title": "kamsim 市场模拟浏览器",
    "app.scenario": "情景",
    "app.scenario_hint": "选择情景会把滑块重置为该情景的数值。",
    "app.apply_hint": "滑块和随机种子在点击“重置”后生效。",
    "app.seed": "随机种子",
    "app.week": "周",
    "app.of": "/",
    "app.finished": "运行结束",
    "app.run": "本次运行",
    "app.changed": "相对{scenario}的改动（原值）：",
    "app.unchanged": "所有参数与{scenario}相同。",
    "app.customers_now": "个客户在市场中",
    "app.controls": "控制",
    "app.levers": "参数（点击重置后生效）",
    "app.reset": "重置", "app.play": "▶ 播放", "app.pause": "❚❚ 暂停", "app.step": "单步",
    "app.interval": "每周之间的停顿（毫秒）",
    "lever.focal_markup": "{focal}：加价率",
    "lever.focal_service": "{focal}：服务水平",
    "lever.focal_kam": "{focal}：大客户经理人数",
    "lever.focal_dev": "{focal}：开发人员",
    "lever.focal_price_war": "{focal}：价格战",
    "lever.focal_kam_centre": "{focal}：大客户中心",
    "lever.beta_loyalty": "忠诚度权重 β",
    "lever.contract_share": "招标合同份额",
    "lever.gamma": "遗忘率 γ",
    "lever.steel_volatility": "钢价波动率",
    "lever.shock": "成本冲击（0 = 无）",
    "lever.market_size": "市场规模（相对情景的倍数）",
    "chart.shares": "市场份额（4周均值）",
    "chart.prices": "价格与成本指数",
    "chart.price": "平均报价（元/吨）",
    "chart.cost_index": "成本指数",
    "chart.pool": "{focal}各阶段客户池",
    "chart.flows": "每4周新增与流失",
    "chart.won": "新增", "chart.lost": "流失或退出",
    "chart.health": "近52周新增÷流失：{health}",
    "chart.abc": "{focal}的ABC分类",
    "chart.dist": "满意度与价格敏感度",
    "chart.satisfaction": "对{focal}的满意度",
    "chart.ps": "价格敏感度",
    "chart.map": "客户（大小：需求，颜色：主供应商）——点击查看",
    "chart.no_main": "无", "chart.customer": "客户",
    "axis.week": "周", "axis.share": "占比", "axis.count": "客户数",
    "axis.supplier": "供应商", "axis.material": "材料", "axis.stage": "阶段",
    "axis.class": "分类", "axis.flow": "流向",
    "verdict.reservoir": "蓄水池", "verdict.funnel": "漏斗", "verdict.early": "尚难判断",
    "verdict.inconclusive": "无法判断",
    "profile.title": "客户档案",
    "profile.pick": "客户编号",
    "profile.none": "在客户图中点击一个客户，或输入编号。",
    "profile.gone": "本次运行中没有 {row} 号客户。",
    "profile.segment": "细分", "profile.tender": "招标采购",
    "profile.routine": "日常订货", "profile.main": "主供应商",
    "profile.stage": "与{focal}的阶段", "profile.abc": "在{focal}的ABC分类",
    "profile.ps": "价格敏感度", "profile.active": "在市场中",
    "profile.exited": "已退出市场",
    "profile.demand": "本周需求（吨）", "profile.wallet": "钱包份额",
    "profile.over_time": "满意度与忠诚度变化",
    "profile.satisfaction": "满意度", "profile.loyalty": "忠诚度",
    "profile.history": "与{focal}的阶段历史",
    "profile.start": "起始",
    "seg.ev_oem": "新能源整车厂", "seg.ice_oem": "燃油车整车厂", "seg.new_entrant": "造车新势力",
    "seg.tier1": "一级供应商", "seg.tier2": "二级供应商",
    "mat.steel": "普通钢材", "mat.hdg_ahss": "热镀锌/高强钢", "mat.aluminium": "铝材",
}

LABELS: dict[str, dict[str, str]] = {"en": _EN, "zh": _ZH}


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """The app label for ``key`` in ``lang``; shared keys (``stage.*``, ``abc.*``) come from
    :mod:`analysis.i18n`; unknown keys fall back to English, then to the key itself."""
    if lang not in LABELS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
    text = LABELS[lang].get(key) or _EN.get(key)
    if text is None:
        from analysis.i18n import label

        text = label(key, lang)
    return text.format(**fmt) if fmt else text


def stage_name(code: int, lang: str = "en") -> str:
    """Name of a lifecycle stage code (-1 none .. 5 lost)."""
    from sim.rules.lifecycle import STAGE_NAMES

    name = STAGE_NAMES[code]
    return "—" if name == "none" else t(f"stage.{name}", lang)
