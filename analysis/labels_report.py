# ruff: noqa: E501  (Chinese label lines: ruff counts each character as one column)
"""Labels of the comparison report's budget sections, in English and Simplified Chinese.

Owns the words of the one-paragraph answer (`analysis.answer`), the report's sections (cost and
return, lever decomposition, robustness, verdict table), the text under every figure, the run
settings, and the names of segments, suppliers, materials, levers and shipped scenarios.
`analysis.i18n` merges these tables into its own; look labels up with `i18n.label`.
"""

from __future__ import annotations

__all__ = ["REPORT_EN", "REPORT_ZH"]

REPORT_EN: dict[str, str] = {
    # names (scenarios: the shipped files' names, shown as they are in English)
    "scenario.reservoir": "reservoir", "scenario.funnel": "funnel",
    "scenario.baseline": "baseline", "scenario.kam_centre": "kam_centre",
    "scenario.price_war": "price_war", "scenario.poacher": "poacher",
    "scenario.price_shock_silent": "price_shock_silent",
    "scenario.price_shock_communicated": "price_shock_communicated",
    "scenario.ev_transition_lagging": "ev_transition_lagging",
    "scenario.ev_transition_ready": "ev_transition_ready",
    "scenario.new_entrant_contest": "new_entrant_contest", "scenario.wkh": "wkh",
    "scenario.status quo": "status quo", "scenario.played": "played",
    "segment.ev_oem": "EV OEMs", "segment.ice_oem": "combustion-engine OEMs",
    "segment.new_entrant": "new EV entrants", "segment.tier1": "tier-1 parts makers",
    "segment.tier2": "tier-2 parts makers",
    "material.steel": "steel", "material.hdg_ahss": "galvanised AHSS",
    "material.aluminium": "aluminium",
    "supplier.Focal": "Focal", "supplier.rival": "Rival {x}",
    "lever.price_war": "price war", "lever.kam_centre": "key-account centre",
    "lever.dedicated_team": "dedicated teams",
    "lever.proactive_price_communication": "price communication",
    "lever.supply_assurance": "supply assurance", "lever.demand_forecasting": "forecasting",
    "lever.new_materials": "EV materials", "lever.development": "development",
    "lever.lifecycle_care": "lifecycle care", "lever.poaching": "poaching",
    "lever.markup": "markup", "lever.service_level": "service level",
    "lever.kam_managers": "account managers", "lever.stock_cover_weeks": "stock cover",
    "lever.dev_staff": "development staff", "lever.capacity": "capacity",
    "lever.other levers": "other levers",
    "method.removal": "removed from the bundle", "method.addition": "added to the status quo",
    "method.shapley": "Shapley value",
    "kpi.pool_health": "Pool health (won ÷ lost, 52 weeks)",
    # run settings
    "meta.files": "scenario files", "meta.root_seed": "root seed",
    "meta.seeds": "seeds of the replications", "meta.steps": "weeks per run",
    "meta.overrides": "assumptions set for every scenario (--set)",
    "meta.steps_default": "as in each scenario file", "meta.none": "none",
    "meta.workshop": "workshop", "meta.team": "team", "meta.rounds": "rounds",
    "meta.seed": "seed", "meta.status_quo": "status quo",
    "meta.seeds_short": "{n} seeds from root {root}",
    # economics
    "eco.staff": "staff", "eco.discounts": "discounts", "eco.stock_carrying": "stock carrying",
    "eco.capacity": "capacity", "eco.service": "service per event",
    "eco.spend": "spend, all kinds", "eco.net_profit": "net profit",
    "eco.npv": "net present value of net profit",
    "eco.return_on_spend": "return on spend (extra net profit per extra CNY spent)",
    "eco.payback_week": "payback week",
    # sections
    "sec.answer": "The answer", "sec.verdict": "Reservoir or funnel: the verdict",
    "sec.economics": "Cost and return over the run",
    "sec.econ_vs": "Against {name}: extra cost and return (paired by replication)",
    "sec.diff_sq": "Differences from the status quo, {name} (paired by replication)",
    "sec.diff_sq_plain": "Differences from the status quo (paired by replication)",
    "sec.levers": "Which lever pays", "sec.robustness": "Robust to the market?",
    "sec.kpis": "Key figures (mean and 95 % interval over replications)",
    "sec.diffs": "Differences from the first scenario, {name} (paired by replication)",
    "sec.figures": "Figures", "sec.settings": "Run settings",
    "text.verdict": "Per strategy: its verdict, mean pool health with its 95 % interval, the "
    "share of replications whose pool refilled, and, while inconclusive, about how many "
    "replications would settle it at the observed spread. The rule:",
    "text.economics": "The focal supplier's spend by kind and its net profit summed over the "
    "run, each the mean over replications with its 95 % interval below it; NPV at the "
    "scenario's discount rate.",
    "text.econ_vs": "Each strategy minus {name} in the same replication (common random "
    "numbers). Bold: the 95 % interval excludes zero. Payback week: the week from which the "
    "extra net profit, summed from week 0, stays at or above zero (of the replications that "
    "paid back within the run); return on spend only where the strategy spends more.",
    "text.diff": "Each figure of a scenario minus the same figure of {name} in the same "
    "replication; bold where the 95 % interval excludes zero.",
    "text.levers": "What each lever of {bundle} adds to its difference from the status quo, "
    "with 95 % intervals over replications on common random numbers ({method}). A lever whose "
    "interval lies above zero pays; one below zero costs more than it brings.",
    "text.bundle": "The whole bundle against the status quo:",
    "text.robustness": "{n} plausible markets ({source}) drawn over the uncertain "
    "assumptions below; every strategy runs on each with common random numbers. Per "
    "strategy: the share of markets in which it leaves a reservoir, a funnel, and in which it "
    "has the best net profit of the strategies compared.",
    "text.flips": "Assumptions that flip the ranking, most important first:",
    "text.kpis": "Each cell: mean over replications, its 95 % interval below.",
    "rob.latin": "Latin hypercube sample", "rob.posterior": "drawn from the calibration "
    "posterior",
    # column heads
    "col.scenario": "Strategy", "col.verdict": "Verdict", "col.health": "Pool health",
    "col.p_refill": "Replications that refilled", "col.settle": "Replications to settle it",
    "col.lever": "Lever", "col.share_reservoir": "Markets: reservoir",
    "col.share_funnel": "Markets: funnel", "col.share_best": "Markets: best net profit",
    "col.assumption": "Uncertain assumption", "col.range": "Range",
    "col.importance": "Importance", "col.figure": "Figure", "text.importance": "importance",
    "report.status_quo": "status quo", "report.settled": "settled",
    # figures
    "fig.levers.title": "Which lever pays: difference from the status quo by lever, with 95 % "
    "intervals",
    "fig.levers.bundle": "whole bundle",
    "fig.dash.which": "Single run dashboard: {scenario}, replication {rep} (seed {seed})",
    "cap.pool_by_stage.png": "Top: the focal supplier's customers by lifecycle stage, mean "
    "over replications; a reservoir keeps its key and general accounts, a funnel thins from "
    "the top. Bottom: customers won (up) and lost or leaving the market (down) per quarter: "
    "the pool refills where the green bars match the red.",
    "cap.pool_health.png": "Customers won per customer lost, over the trailing 52 weeks; the "
    "shaded band is the 95 % interval over replications. Above the dashed line at 1 the pool "
    "refills; the verdict reads the last week.",
    "cap.performance.png": "Market share, gross profit per quarter, cumulative net profit and "
    "gross margin of the focal supplier; lines are means, shaded bands 95 % intervals over "
    "replications. The cumulative net profit at the right end is the net profit of the cost "
    "and return table.",
    "cap.survival_abc.png": "Kaplan–Meier estimate of the share of relationships still buying "
    "after a given number of weeks, by the highest ABC class the customer reached "
    "(replications pooled, relationships older than the run enter at their age). Drawn over "
    "the run's length; a flatter curve keeps customers longer.",
    "cap.clv_segments.png": "Customer lifetime value per segment: one customer's yearly gross "
    "margin times its retention, discounted at the scenario's rate. Bars are means over "
    "replications, whiskers their 95 % intervals.",
    "cap.pareto_abc.png": "Left: share of the focal supplier's 52-week revenue brought by its "
    "largest customers (the legend gives the top 20 %'s share). Right: customers per ABC "
    "class at the end, mean per replication with 95 % intervals.",
    "cap.dashboard.png": "One replication of the first strategy, as `kamsim run` draws it: "
    "prices and material cost indices, every supplier's market share, the focal pool by "
    "stage and its Pareto curve. One run shows a path, not a result: read the other figures "
    "for intervals.",
    "cap.levers.png": "Each bar: what a lever adds to the bundle's difference from the status "
    "quo; whiskers are 95 % intervals, the grey bar the whole bundle. Bars right of zero "
    "pay.",
    # the answer
    "ans.fund": "Fund {name}: of the strategies not judged a funnel it has the highest "
    "{what}, {npv} ({ci}).",
    "ans.what_npv": "net present value of net profit", "ans.what_np": "net profit over the run",
    "ans.richer_funnel": "{name} earns more, {npv} ({ci}), but drains its customer pool (a "
    "funnel).",
    "ans.all_funnel": "No strategy compared keeps its customer pool: every one is a funnel. "
    "The best on {what} is {name}, {npv} ({ci}).",
    "ans.sq_better": "None of the strategies pays more than {sq}: the best, "
    "{name}, changes the net present value by {npv} ({ci}).",
    "ans.sure": "How sure: its pool verdict is {verdict} — pool health {health} ({ci}); the "
    "pool refilled in {p} of {n} replications.",
    "ans.settle": "About {reps} replications would settle it.",
    "ans.unsettled": "More replications would hardly settle it: its pool health is about 1.",
    "ans.rule": "(Rule: a reservoir when the 95 % interval of mean pool health lies at or "
    "above 1, a funnel when it lies below 1, otherwise inconclusive.)",
    "ans.others": "The others: {others}.",
    "ans.other": "{name} — verdict {verdict}, pool health {health}",
    "ans.cost": "Over the run it spends {spend} ({ci}), mostly {kinds}, for a net profit of "
    "{profit} ({pci}).",
    "ans.vs": "Against {ref}: extra spend {dspend} ({dsci}), extra net profit {dprofit} "
    "({dpci}), NPV of the extra net profit {dnpv} ({dnci})",
    "ans.ros": "; {ros} net profit per extra CNY spent ({rci})",
    "ans.payback": "; it pays back by week {week} ({wci}) in {k} of {n} replications",
    "ans.no_payback": "; it does not pay back within the run",
    "ans.no_sq": "No status quo was run, so cost and return are not measured against doing "
    "nothing; adding the status quo to the comparison would settle it.",
    "ans.levers": "The levers that carry it ({figure}, {method}): {good}.",
    "ans.levers_cost": "Levers that cost more than they bring: {bad}.",
    "ans.levers_none": "No single lever's contribution is distinguishable from zero at this "
    "number of replications.",
    "ans.no_levers": "Which of its levers pay is not measured here; a lever decomposition "
    "(kamsim compare --levers) would settle it.",
    "ans.robust": "Across {n} plausible markets ({source}), {name} leaves a reservoir in "
    "{res} of them and a funnel in {fun}, and has the best net profit in {best}.",
    "ans.more": "and {k} more",
    "ans.flips": "The ranking turns most on {keys}.",
    "ans.no_robust": "Whether the verdict holds in other plausible markets is not measured "
    "here; sampling them (kamsim compare --robustness N) would settle it.",
    "ans.assume": "Assumptions: {reps} replications per strategy on common random numbers "
    "(root seed {seed}), {weeks}; {overrides}.",
    "ans.assume_ranges": "Uncertain assumptions varied: {ranges}.",
    "ans.weeks": "{weeks} weeks a run", "ans.weeks_file": "run lengths as in each scenario "
    "file", "ans.overrides": "set for every scenario: {items}",
    "ans.no_overrides": "the market as in the scenario files, no assumption overridden",
    "ans.nothing": "No scenario results to answer from.",
    "ans.sep": "; ", "ans.and": ", ", "ans.both": " and ",
}

REPORT_ZH: dict[str, str] = {
    "scenario.reservoir": "蓄水池策略", "scenario.funnel": "漏斗策略", "scenario.baseline": "基准情景",
    "scenario.kam_centre": "大客户中心", "scenario.price_war": "价格战", "scenario.poacher": "挖角对手",
    "scenario.price_shock_silent": "成本冲击（未沟通）",
    "scenario.price_shock_communicated": "成本冲击（提前沟通）",
    "scenario.ev_transition_lagging": "电动化转型（滞后）",
    "scenario.ev_transition_ready": "电动化转型（就绪）",
    "scenario.new_entrant_contest": "争夺新势力", "scenario.wkh": "WKH模型",
    "scenario.status quo": "现状", "scenario.played": "实际对局",
    "segment.ev_oem": "电动车整车厂", "segment.ice_oem": "燃油车整车厂",
    "segment.new_entrant": "造车新势力", "segment.tier1": "一级零部件商",
    "segment.tier2": "二级零部件商",
    "material.steel": "普通钢材", "material.hdg_ahss": "镀锌高强钢", "material.aluminium": "铝材",
    "supplier.Focal": "本公司", "supplier.rival": "竞争对手{x}",
    "lever.price_war": "价格战", "lever.kam_centre": "大客户中心", "lever.dedicated_team": "专属团队",
    "lever.proactive_price_communication": "价格沟通", "lever.supply_assurance": "供应保障",
    "lever.demand_forecasting": "需求预测", "lever.new_materials": "新能源材料",
    "lever.development": "客户开发", "lever.lifecycle_care": "生命周期维护", "lever.poaching": "挖角",
    "lever.markup": "加价率", "lever.service_level": "服务水平", "lever.kam_managers": "客户经理",
    "lever.stock_cover_weeks": "库存覆盖", "lever.dev_staff": "开发人员", "lever.capacity": "产能",
    "lever.other levers": "其他举措",
    "method.removal": "从组合中移除", "method.addition": "单独加入现状", "method.shapley": "Shapley值",
    "kpi.pool_health": "客户池健康度（52周新增÷流失）",
    "meta.files": "情景文件", "meta.root_seed": "根随机种子", "meta.seeds": "各次重复运行的随机种子",
    "meta.steps": "每次运行周数", "meta.overrides": "对所有情景设定的假设（--set）",
    "meta.steps_default": "按各情景文件", "meta.none": "无",
    "meta.workshop": "研讨会", "meta.team": "团队", "meta.rounds": "轮数", "meta.seed": "随机种子",
    "meta.status_quo": "现状", "meta.seeds_short": "由根种子{root}派生的{n}个种子",
    "eco.staff": "人员", "eco.discounts": "折让", "eco.stock_carrying": "库存持有",
    "eco.capacity": "产能", "eco.service": "按次服务", "eco.spend": "总投入",
    "eco.net_profit": "净利润", "eco.npv": "净利润净现值",
    "eco.return_on_spend": "投入回报（每多投入1元多得的净利润）", "eco.payback_week": "回本周",
    "sec.answer": "结论", "sec.verdict": "蓄水池还是漏斗：判定",
    "sec.economics": "运行期的投入与回报",
    "sec.econ_vs": "相对于{name}：增加的投入与回报（按重复运行配对）",
    "sec.diff_sq": "与现状（{name}）的差异（按重复运行配对）",
    "sec.diff_sq_plain": "与现状的差异（按重复运行配对）",
    "sec.levers": "哪项举措值得投入", "sec.robustness": "对市场假设是否稳健？",
    "sec.kpis": "关键指标（各次重复运行的均值与95%区间）",
    "sec.diffs": "与第一个情景（{name}）的差异（按重复运行配对）",
    "sec.figures": "图表", "sec.settings": "运行设置",
    "text.verdict": "每个策略：判定结果、平均客户池健康度及其95%区间、客户池得到补充的重复运行占比，"
    "以及（无法判断时）按观测离散程度约需多少次重复运行才能判定。判定规则：",
    "text.economics": "本公司运行期内各类投入与净利润之和，均为各次重复运行的均值，下方为95%区间；"
    "净现值按情景的折现率计算。",
    "text.econ_vs": "每个策略减去同一次重复运行中的{name}（共同随机数）。粗体：95%区间不含零。"
    "回本周：自第0周起累计的增量净利润此后一直不低于零的那一周（仅计运行期内回本的重复运行）；"
    "投入回报仅在策略投入更多时给出。",
    "text.diff": "情景的各项指标减去同一次重复运行中{name}的同一指标；95%区间不含零时加粗。",
    "text.levers": "{bundle}的每项举措对其相对现状差异的贡献，按共同随机数的各次重复运行给出95%区间"
    "（{method}）。区间整体高于零的举措值得投入；整体低于零的举措得不偿失。",
    "text.bundle": "整个组合相对现状：",
    "text.robustness": "在下列不确定假设上抽取{n}个可能的市场（{source}）；每个策略在每个市场上以"
    "共同随机数运行。每个策略：成为蓄水池、成为漏斗、以及净利润在所比较策略中最高的市场占比。",
    "text.flips": "改变排序的假设（按重要性排列）：",
    "text.kpis": "每格：各次重复运行的均值，下方为95%区间。",
    "rob.latin": "拉丁超立方抽样", "rob.posterior": "取自校准后验分布",
    "col.scenario": "策略", "col.verdict": "判定", "col.health": "客户池健康度",
    "col.p_refill": "客户池得到补充的重复运行", "col.settle": "判定所需重复运行次数",
    "col.lever": "举措", "col.share_reservoir": "蓄水池的市场占比", "col.share_funnel": "漏斗的市场占比",
    "col.share_best": "净利润最高的市场占比", "col.assumption": "不确定假设", "col.range": "范围",
    "col.importance": "重要性", "col.figure": "指标", "text.importance": "重要性",
    "report.status_quo": "现状", "report.settled": "已判定",
    "fig.levers.title": "哪项举措值得投入：各举措相对现状的差异及95%区间",
    "fig.levers.bundle": "整个组合",
    "fig.dash.which": "单次运行总览：{scenario}，第{rep}次重复运行（随机种子{seed}）",
    "cap.pool_by_stage.png": "上：本公司各生命周期阶段的客户数（各次重复运行的均值）；蓄水池保住大客户与"
    "一般客户，漏斗从上层变薄。下：每季度新增客户（向上）与流失或退出市场的客户（向下）：绿色与红色相当时"
    "客户池得到补充。",
    "cap.pool_health.png": "滚动52周内每流失1个客户所新增的客户数；阴影为各次重复运行的95%区间。"
    "高于虚线1时客户池得到补充；判定读取最后一周。",
    "cap.performance.png": "本公司的市场份额、每季度毛利、累计净利润与毛利率；线为均值，阴影为各次重复"
    "运行的95%区间。累计净利润的最右端即投入与回报表中的净利润。",
    "cap.survival_abc.png": "按客户达到的最高ABC分类，经过一定周数后仍在采购的客户关系占比"
    "（Kaplan–Meier估计，重复运行合并，运行前已有的关系按其当时的关系年龄进入）。横轴限于运行时长；"
    "曲线越平，客户留得越久。",
    "cap.clv_segments.png": "各细分客户的生命周期价值：单个客户的年毛利乘以其保留率，按情景折现率折现。"
    "柱为各次重复运行的均值，误差线为95%区间。",
    "cap.pareto_abc.png": "左：本公司最大客户贡献的52周收入占比（图例给出前20%客户的占比）。"
    "右：期末各ABC分类的客户数，每次重复运行的均值及95%区间。",
    "cap.dashboard.png": "第一个策略的一次重复运行（与 kamsim run 的图相同）：价格与材料成本指数、"
    "各供应商市场份额、本公司各阶段客户池及其帕累托曲线。单次运行只显示一条路径而非结论：区间见其他图表。",
    "cap.levers.png": "每根柱：一项举措对组合相对现状差异的贡献；误差线为95%区间，灰色柱为整个组合。"
    "柱在零右侧的举措值得投入。",
    "ans.fund": "建议投入{name}：在未被判定为漏斗的策略中，它的{what}最高，为{npv}（{ci}）。",
    "ans.what_npv": "净利润净现值", "ans.what_np": "运行期净利润",
    "ans.richer_funnel": "{name}赚得更多（{npv}，{ci}），但会使客户池流失（漏斗）。",
    "ans.all_funnel": "所比较的策略都无法保住客户池：全部是漏斗。{what}最高的是{name}，{npv}（{ci}）。",
    "ans.sq_better": "没有哪个策略比{sq}更赚钱：最好的{name}使净现值变化{npv}（{ci}）。",
    "ans.sure": "把握程度：其客户池判定为{verdict}——健康度{health}（{ci}）；客户池在{n}次重复运行中"
    "有{p}次得到补充。",
    "ans.settle": "约需{reps}次重复运行才能判定。",
    "ans.unsettled": "增加重复运行也难以判定：其健康度约等于1。",
    "ans.rule": "（规则：平均健康度的95%区间不低于1为蓄水池，整体低于1为漏斗，否则无法判断。）",
    "ans.others": "其他策略：{others}。",
    "ans.other": "{name}判定为{verdict}，健康度{health}",
    "ans.cost": "运行期内投入{spend}（{ci}），主要是{kinds}，净利润{profit}（{pci}）。",
    "ans.vs": "相对{ref}：增加投入{dspend}（{dsci}），增加净利润{dprofit}（{dpci}），"
    "增量净利润净现值{dnpv}（{dnci}）",
    "ans.ros": "；每多投入1元多得净利润{ros}（{rci}）",
    "ans.payback": "；在{n}次重复运行中有{k}次于第{week}周（{wci}）回本",
    "ans.no_payback": "；运行期内未能回本",
    "ans.no_sq": "本次未运行现状情景，因此投入与回报未与“什么都不做”比较；把现状加入比较即可回答。",
    "ans.levers": "支撑它的举措（{figure}，{method}）：{good}。",
    "ans.levers_cost": "得不偿失的举措：{bad}。",
    "ans.levers_none": "在当前重复运行次数下，没有哪项举措的贡献可与零区分。",
    "ans.no_levers": "本次未衡量哪些举措值得投入；举措分解（kamsim compare --levers）即可回答。",
    "ans.robust": "在{n}个可能的市场中（{source}），{name}在{res}的市场中成为蓄水池，在{fun}的市场中"
    "成为漏斗，在{best}的市场中净利润最高。",
    "ans.more": "另有{k}项",
    "ans.flips": "排序最受{keys}影响。",
    "ans.no_robust": "本次未衡量判定在其他可能市场中是否成立；对市场抽样（kamsim compare --robustness N）"
    "即可回答。",
    "ans.assume": "假设：每个策略{reps}次重复运行，使用共同随机数（根种子{seed}），{weeks}；{overrides}。",
    "ans.assume_ranges": "变动的不确定假设：{ranges}。",
    "ans.weeks": "每次运行{weeks}周", "ans.weeks_file": "运行时长按各情景文件",
    "ans.overrides": "对所有情景设定：{items}", "ans.no_overrides": "市场按情景文件设定，未覆盖任何假设",
    "ans.nothing": "没有可供回答的情景结果。",
    "ans.sep": "；", "ans.and": "、", "ans.both": "和",
}
