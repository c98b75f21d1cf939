"""Every word on the workshop's pages, in English and Chinese (a test checks both have the
same keys). Pages receive the table of their language and look words up by key; the API's
refusals are put in the asker's language by :func:`problem_text`."""

from __future__ import annotations

import re

LANGS = ("en", "zh")

EN: dict[str, str] = {
    "title": "kamsim workshop", "lang_other": "中文", "join": "Join a team",
    "room_code": "Room code", "show_seats": "Show free seats", "no_seats": "No free seats.",
    "seat": "Seat", "refused": "This link is not valid here, or the seat is already taken.",
    "team": "Team", "supplier": "Your company", "round": "Round", "of": "of",
    "practice": "Practice round", "time_left": "Time left", "submitted": "Submitted",
    "not_submitted": "Not submitted yet", "game_over": "The game is over.",
    "levers": "Your decisions for this round", "submit": "Submit decisions",
    "saved": "Decisions saved.", "budget": "Budget", "cost": "Committed cost",
    "per_year": "CNY/year", "results": "Your results", "book": "Your customer book",
    "lost_accounts": "Accounts lost this game, and to whom",
    "price_margin": "Price margin over cost", "account_managers": "Account managers",
    "allocation": "Managers allocated by", "price_communication": "Price-shock communication",
    "safety_stock_weeks": "Safety stock (weeks)", "key_first": "Key accounts served first",
    "ev_hdg_ahss_add": "New HDG/AHSS capacity (t/week)",
    "ev_aluminium_add": "New aluminium capacity (t/week)",
    "prospecting_staff": "Prospecting staff", "dedicated_accounts": "Dedicated-team accounts",
    "care_per_week": "Lifecycle care (accounts/week)",
    "revenue": "revenue (largest accounts)", "A": "ABC class A (KAM centre)",
    "AB": "ABC classes A and B (KAM centre)",
    "silent": "silent", "covered": "warn covered accounts", "key": "warn key accounts",
    "buying": "warn every buyer",
    "net_profit": "Net profit (M CNY)", "revenue_m": "Revenue (M CNY)",
    "market_share": "Market share", "acquired": "Acquired", "upgraded": "Upgraded",
    "downgraded": "Downgraded", "lost": "Lost", "exited": "Exited",
    "key_revenue_retained": "Key-account revenue retained", "customer": "Customer",
    "segment": "Segment", "stage": "Stage", "abc": "ABC", "revenue_52w": "Revenue 52 w (k CNY)",
    "share": "Share of wallet", "satisfaction": "Satisfaction", "loyalty": "Loyalty",
    "signs": "Warning signs", "main_supplier": "Main supplier", "to": "Now with",
    "low_satisfaction": "low satisfaction", "declining": "declining",
    "small_share": "small share", "tender_due": "tender due",
    "potential": "potential", "general": "general", "key_stage": "key", "sunset": "sunset",
    "lost_stage": "lost", "prospect": "prospect", "left the market": "left the market",
    "none": "nobody",
    "facilitator": "Facilitator", "join_address": "Join address", "seat_links": "Seat links",
    "claimed": "Claimed", "bot": "Bot strategy if absent", "status_quo": "status quo",
    "price_war": "price war", "reservoir": "reservoir bundle", "countdown": "Countdown (min)",
    "start": "Start", "close_round": "Close the round", "events": "Events",
    "price_shock": "Raw-material price shock", "material": "Material", "magnitude": "Size",
    "mega_oem": "A mega OEM enters", "count": "How many", "poaching": "A rival poaches",
    "rival": "Rival", "target": "Target team", "add": "Add", "rollback": "Roll back to round",
    "start_practice": "Start a practice round", "end_practice": "End practice and reset",
    "debrief": "Debrief", "leaderboard": "Leaderboard", "score": "Score",
    "formula": "Score formula", "pool_health": "Pool health", "pool": "Pool by stage",
    "flows": "Flows", "timeline": "Decision timeline", "benchmarks": "Benchmark strategies",
    "show_benchmarks": "Compare with benchmarks (takes a moment)",
    "whatif": "What if", "from_round": "from round", "played": "Played", "actual": "Actual",
    "alternative": "Alternative", "run": "Run",
    "wi_score_actual": "Score as played", "wi_score_alt": "Score, what if",
    "wi_profit_actual": "Net profit as played (M CNY)",
    "wi_profit_alt": "Net profit, what if (M CNY)", "steel": "steel", "hdg_ahss": "HDG/AHSS",
    "aluminium": "aluminium", "yes": "yes", "no": "no", "refresh": "Refresh",
    "ev_oem": "EV OEM", "ice_oem": "ICE OEM", "new_entrant": "new EV maker",
    "tier1": "tier 1", "tier2": "tier 2", "accounts": "accounts", "error": "Error",
    "superseded": "superseded", "lost_to": "Lost to", "counts": "Accounts by stage",
    "company": "Company", "submissions": "Submissions", "time": "Time",
    "kam_covered": "account manager", "dedicated": "dedicated team",
    "tender_buyer": "buys by tender", "profile": "Care and warning signs",
    "in_round": "Events scheduled for round", "own_submission": "its submission for round",
    "formula_text": "score = {p} x net profit (M CNY) + {k} x min(key-account revenue retained, "
                    "{kc}) + {h} x min(pool health, {hc}); pool health = relationships acquired "
                    "/ (lost + exited)",
}

ZH: dict[str, str] = {
    "title": "kamsim 工作坊", "lang_other": "English", "join": "加入团队",
    "room_code": "房间码", "show_seats": "显示空席位", "no_seats": "没有空席位。",
    "seat": "席位", "refused": "此链接在这里无效，或该席位已被占用。",
    "team": "团队", "supplier": "你的公司", "round": "回合", "of": "/",
    "practice": "练习回合", "time_left": "剩余时间", "submitted": "已提交",
    "not_submitted": "尚未提交", "game_over": "游戏结束。",
    "levers": "本回合的决策", "submit": "提交决策", "saved": "决策已保存。", "budget": "预算",
    "cost": "已承诺成本", "per_year": "元/年", "results": "你的结果", "book": "你的客户名册",
    "lost_accounts": "本局流失的客户及其去向",
    "price_margin": "成本加成利润率", "account_managers": "客户经理人数",
    "allocation": "客户经理分配方式", "price_communication": "涨价沟通",
    "safety_stock_weeks": "安全库存（周）", "key_first": "优先供应关键客户",
    "ev_hdg_ahss_add": "新增镀锌/高强钢产能（吨/周）",
    "ev_aluminium_add": "新增铝材产能（吨/周）",
    "prospecting_staff": "开发人员", "dedicated_accounts": "专属团队服务客户数",
    "care_per_week": "生命周期关怀（客户/周）",
    "revenue": "收入（最大的客户）", "A": "ABC 分类 A（大客户中心）",
    "AB": "ABC 分类 A 和 B（大客户中心）",
    "silent": "不通知", "covered": "通知有客户经理的客户", "key": "通知关键客户",
    "buying": "通知所有采购客户",
    "net_profit": "净利润（百万元）", "revenue_m": "收入（百万元）", "market_share": "市场份额",
    "acquired": "新获得", "upgraded": "升级", "downgraded": "降级", "lost": "流失",
    "exited": "退出市场", "key_revenue_retained": "关键客户收入保留率", "customer": "客户",
    "segment": "细分市场", "stage": "阶段", "abc": "ABC", "revenue_52w": "52 周收入（千元）",
    "share": "钱包份额", "satisfaction": "满意度", "loyalty": "忠诚度", "signs": "预警信号",
    "main_supplier": "主供应商", "to": "现在的供应商",
    "low_satisfaction": "满意度低", "declining": "衰退中", "small_share": "份额小",
    "tender_due": "即将招标",
    "potential": "潜在", "general": "一般", "key_stage": "关键", "sunset": "衰退",
    "lost_stage": "流失", "prospect": "意向", "left the market": "已退出市场", "none": "无",
    "facilitator": "主持人", "join_address": "加入地址", "seat_links": "席位链接",
    "claimed": "已认领", "bot": "缺席时的机器人策略", "status_quo": "维持现状",
    "price_war": "价格战", "reservoir": "蓄水池组合", "countdown": "倒计时（分钟）",
    "start": "开始", "close_round": "结束本回合", "events": "事件",
    "price_shock": "原材料价格冲击", "material": "材料", "magnitude": "幅度",
    "mega_oem": "超大型主机厂进入", "count": "数量", "poaching": "竞争对手挖客户",
    "rival": "竞争对手", "target": "目标团队", "add": "添加", "rollback": "回退到回合",
    "start_practice": "开始练习回合", "end_practice": "结束练习并重置",
    "debrief": "复盘", "leaderboard": "排行榜", "score": "得分", "formula": "得分公式",
    "pool_health": "客户池健康度", "pool": "各阶段客户池", "flows": "流量",
    "timeline": "决策时间线", "benchmarks": "基准策略",
    "show_benchmarks": "与基准策略比较（需要片刻）",
    "whatif": "假如", "from_round": "从回合", "played": "所用决策", "actual": "实际",
    "alternative": "替代方案", "run": "运行",
    "wi_score_actual": "实际得分", "wi_score_alt": "假如的得分",
    "wi_profit_actual": "实际净利润（百万元）", "wi_profit_alt": "假如的净利润（百万元）",
    "steel": "普通钢", "hdg_ahss": "镀锌/高强钢",
    "aluminium": "铝", "yes": "是", "no": "否", "refresh": "刷新",
    "ev_oem": "电动车主机厂", "ice_oem": "燃油车主机厂", "new_entrant": "造车新势力",
    "tier1": "一级供应商", "tier2": "二级供应商", "accounts": "客户", "error": "错误",
    "superseded": "已作废", "lost_to": "流失给", "counts": "各阶段客户数",
    "company": "公司", "submissions": "提交记录", "time": "时间",
    "kam_covered": "客户经理", "dedicated": "专属团队", "tender_buyer": "招标采购",
    "profile": "服务与预警信号",
    "in_round": "事件安排在回合", "own_submission": "本队提交，回合",
    "formula_text": "得分 = {p} × 净利润（百万元）+ {k} × min(关键客户收入保留率, {kc}) "
                    "+ {h} × min(客户池健康度, {hc})；客户池健康度 = 新获得的客户关系 / "
                    "（流失 + 退出市场）",
}


def words(lang: str) -> dict[str, str]:
    return ZH if lang == "zh" else EN


# Every refusal the API gives, as a pattern matched against the whole English message, with
# its Chinese. Pydantic's messages for the levers (bounds, types, choices, unknown keys), the
# budget, and the shape of a request; tests/workshop/test_messages.py walks every path.
MESSAGES_ZH: tuple[tuple[str, str], ...] = (
    (r"Input should be less than or equal to (\S+)", r"应小于或等于 \1"),
    (r"Input should be greater than or equal to (\S+)", r"应大于或等于 \1"),
    (r"Input should be less than (\S+)", r"应小于 \1"),
    (r"Input should be greater than (\S+)", r"应大于 \1"),
    (r"Input should be a finite number", "应为有限的数字"),
    (r"Input should be a valid number", "应为数字"),
    (r"Input should be a valid integer", "应为整数"),
    (r"Input should be a valid boolean", "应为是或否（true / false）"),
    (r"Input should be a valid string", "应为文字"),
    (r"Input should be a valid dictionary.*", "应为一个对象"),
    (r"Input should be ('[^']*'(?:, '[^']*')*) or ('[^']*')", r"应为以下之一：\1 或 \2"),
    (r"Input should be ('[^']*')", r"应为 \1"),
    (r"Field required", "缺少此项"),
    (r"Extra inputs are not permitted", "不是可用的决策项"),
    (r"the levers cost (\S+) M CNY/year \((.*)\), over the budget of (\S+) M CNY/year",
     r"决策成本 \1 百万元/年（\2），超过预算 \3 百万元/年"),
    (r"a decision must be an object of levers", "决策应为由各决策项组成的对象"),
    (r'expected \{"levers": \{\.\.\.\}\} or \{"preset": NAME\}',
     '应为 {"levers": {...}} 或 {"preset": 名称}'),
    (r"expected an object", "应为一个 JSON 对象"),
    (r"not JSON", "不是有效的 JSON"),
    (r"too large", "请求过大"),
    (r"the game is over", "游戏已结束"),
    (r"not a team of this workshop \(claim a seat first\)", "不是本次研讨的队伍（请先领取席位）"),
    (r"unknown room code", "房间码不正确"),
)


def message_zh(message: str) -> str | None:
    """The Chinese of an API refusal, or None if the catalogue has no pattern for it."""
    for pattern, repl in MESSAGES_ZH:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, repl, message)
    return None


def problem_text(key: str, message: str, lang: str) -> str:
    """One refusal (the dotted key and message of an InputError) in ``lang``; the English
    where the catalogue has no Chinese (a test keeps the catalogue complete)."""
    table = words(lang)
    if lang == "zh":
        message = message_zh(message) or message
    word = table.get(key, key)
    return f"{word}: {message}" if word else message
