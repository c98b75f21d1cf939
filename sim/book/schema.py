"""What a customer book is: its tables, their fields, and the CRM/ERP headers that name them.

Owns the canonical field names of the three tables (``accounts``, ``invoice_lines``,
``opportunities``), which fields each table needs, the header aliases of common exports
(kamsim's own names, Salesforce, SAP ECC/S4 tables KNA1, VBRK/VBRP, CRM opportunities), the
units of quantity, and the text rules that map material descriptions to kamsim's materials
and industries to its segments. Headers are matched case-insensitively, ignoring spaces,
underscores, dots and dashes ("Account ID" = "AccountId" = "account_id").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLES: tuple[str, ...] = ("accounts", "invoice_lines", "opportunities")
SYSTEMS: tuple[str, ...] = ("kamsim", "salesforce", "sap")

# table -> canonical field -> {system: [header aliases]}
ALIASES: dict[str, dict[str, dict[str, list[str]]]] = {
    "accounts": {
        "account_id": {"kamsim": ["account_id"], "salesforce": ["Id", "AccountId"],
                       "sap": ["KUNNR"]},
        "name": {"kamsim": ["name"], "salesforce": ["Name", "AccountName"], "sap": ["NAME1"]},
        "segment": {"kamsim": ["segment"], "salesforce": ["Segment__c", "Type"],
                    "sap": ["KDGRP"]},
        "industry": {"kamsim": ["industry"], "salesforce": ["Industry"], "sap": ["BRSCH"]},
        "parent": {"kamsim": ["parent"], "salesforce": ["ParentId"], "sap": ["KONZS"]},
        "country": {"kamsim": ["country"], "salesforce": ["BillingCountry",
                                                          "BillingCountryCode"],
                    "sap": ["LAND1"]},
        "owner": {"kamsim": ["owner"], "salesforce": ["OwnerId"], "sap": ["VKGRP", "PERNR"]},
        "currency": {"kamsim": ["currency"], "salesforce": ["CurrencyIsoCode"],
                     "sap": ["WAERS"]},
        "payment_terms": {"kamsim": ["payment_terms"],
                          "salesforce": ["PaymentTerms", "Payment_Terms__c"], "sap": ["ZTERM"]},
        "credit_rating": {"kamsim": ["credit_rating"],
                          "salesforce": ["Rating", "Credit_Rating__c"], "sap": ["CTLPC"]},
        "procurement": {"kamsim": ["procurement"],
                        "salesforce": ["Procurement_Mode__c"], "sap": ["ZZPROC"]},
        "created": {"kamsim": ["created"], "salesforce": ["CreatedDate"], "sap": ["ERDAT"]},
        "share_of_wallet": {"kamsim": ["share_of_wallet"],
                            "salesforce": ["Share_of_Wallet__c"], "sap": ["ZZSOW"]},
    },
    "invoice_lines": {
        "invoice_id": {"kamsim": ["invoice_id"],
                       "salesforce": ["InvoiceId", "blng__Invoice__c", "InvoiceNumber"],
                       "sap": ["VBELN"]},
        "line": {"kamsim": ["line"], "salesforce": ["LineNumber", "blng__LineNumber__c"],
                 "sap": ["POSNR"]},
        "account_id": {"kamsim": ["account_id"], "salesforce": ["AccountId",
                                                                "blng__Account__c"],
                       "sap": ["KUNAG", "KUNNR"]},
        "date": {"kamsim": ["date"], "salesforce": ["InvoiceDate", "blng__InvoiceDate__c"],
                 "sap": ["FKDAT"]},
        "material": {"kamsim": ["material"], "salesforce": ["ProductName", "Product2.Name"],
                     "sap": ["ARKTX", "MATNR"]},
        "quantity": {"kamsim": ["quantity"], "salesforce": ["Quantity", "blng__Quantity__c"],
                     "sap": ["FKIMG"]},
        "unit": {"kamsim": ["unit"], "salesforce": ["QuantityUnitOfMeasure"],
                 "sap": ["VRKME", "MEINS"]},
        "net_value": {"kamsim": ["net_value"],
                      "salesforce": ["TotalPrice", "blng__Subtotal__c", "NetAmount"],
                      "sap": ["NETWR"]},
        "cost": {"kamsim": ["cost"], "salesforce": ["Cost__c"], "sap": ["WAVWR"]},
        "currency": {"kamsim": ["currency"], "salesforce": ["CurrencyIsoCode"],
                     "sap": ["WAERK"]},
        "cancelled": {"kamsim": ["cancelled"], "salesforce": ["IsCancelled",
                                                              "blng__Cancelled__c"],
                      "sap": ["FKSTO"]},
    },
    "opportunities": {
        "opportunity_id": {"kamsim": ["opportunity_id"], "salesforce": ["Id",
                                                                        "OpportunityId"],
                           "sap": ["OBJECT_ID"]},
        "account_id": {"kamsim": ["account_id"], "salesforce": ["AccountId"],
                       "sap": ["PROSPECT", "SOLD_TO"]},
        "stage": {"kamsim": ["stage"], "salesforce": ["StageName"], "sap": ["PHASE"]},
        "amount": {"kamsim": ["amount"], "salesforce": ["Amount"], "sap": ["EXP_REVENUE"]},
        "probability": {"kamsim": ["probability"], "salesforce": ["Probability"],
                        "sap": ["PROBABILITY"]},
        "close_date": {"kamsim": ["close_date"], "salesforce": ["CloseDate"],
                       "sap": ["EXPECT_END"]},
        "won": {"kamsim": ["won"], "salesforce": ["IsWon"], "sap": ["WON"]},
        "currency": {"kamsim": ["currency"], "salesforce": ["CurrencyIsoCode"],
                     "sap": ["CURRENCY"]},
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "invoice_lines": ("invoice_id", "account_id", "date", "material", "quantity", "unit",
                      "net_value"),
    "opportunities": ("account_id", "stage", "amount", "close_date"),
}
# fields that are identifiers (hashed by --anonymise) and names (dropped by it)
ID_FIELDS: tuple[str, ...] = ("account_id", "invoice_id", "opportunity_id", "parent", "owner")
NAME_FIELDS: tuple[str, ...] = ("name",)
DATE_FIELDS: tuple[str, ...] = ("date", "created", "close_date")
NUMBER_FIELDS: tuple[str, ...] = ("quantity", "net_value", "cost", "amount", "probability",
                                  "share_of_wallet")
FLAG_FIELDS: tuple[str, ...] = ("cancelled", "won")

# unit text (normalised) -> tonnes per unit; SAP ISO unit codes included (TO, TNE, KGM, LBR)
UNITS: dict[str, float] = {
    "t": 1.0, "to": 1.0, "tne": 1.0, "mt": 1.0, "ton": 1.0, "tonne": 1.0, "tonnes": 1.0,
    "kg": 1e-3, "kgm": 1e-3, "kilogram": 1e-3, "kilograms": 1e-3,
    "lb": 0.45359237e-3, "lbs": 0.45359237e-3, "lbr": 0.45359237e-3, "pound": 0.45359237e-3,
    "pounds": 0.45359237e-3,
}
# ISO 4217 codes of the currencies a book is likely to carry
CURRENCIES: frozenset[str] = frozenset(
    "CNY USD EUR JPY KRW GBP CHF HKD TWD SGD THB MYR IDR INR VND MXN BRL CAD AUD SEK PLN CZK "
    "HUF TRY ZAR RUB".split())
TRUE_FLAGS = frozenset({"1", "true", "yes", "y", "x", "t"})
FALSE_FLAGS = frozenset({"", "0", "false", "no", "n", "f"})

# first matching rule wins; patterns are searched in the lower-cased material text
MATERIAL_RULES: tuple[tuple[str, str], ...] = (
    ("aluminium", r"\balu|alumin|\bal[ -]?[1-7]\d{3}|\b[5-7]0\d\d\b"),
    ("hdg_ahss", r"hdg|galv|\bgi\b|\bga\b|zinc|ahss|\bdp ?\d|\bdual.?phase|\btrip\b|"
                 r"\bcp ?\d|martensit|press.?harden|\bphs\b|22mnb5|\bhss\b"),
    ("steel", r"steel|\bcrc?\b|\bhrc?\b|cold.?roll|hot.?roll|\bdc0\d|\bspcc|\bspht|\bq2\d\d|"
              r"\bs235|\bs355|coil|sheet|strip|blank"),
)
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    ("ev_oem", r"ev.?oem|\bnev\b|electric.?vehicle|\bev\b.*(maker|manufactur)|bev"),
    ("new_entrant", r"new.?entrant|start.?up|startup"),
    ("ice_oem", r"ice.?oem|\boem\b|vehicle.?manufactur|car.?maker|automaker"),
    ("tier1", r"tier.?1\b|tier.?one|\bt1\b|system.?supplier"),
    ("tier2", r"tier.?[23]\b|tier.?two|\bt2\b|stamp|component|parts"),
)


def norm(header: str) -> str:
    """A header as compared: lower case, without spaces, underscores, dots or dashes."""
    return re.sub(r"[\s_.\-]+", "", str(header)).lower()


@dataclass(frozen=True)
class Mapping:
    """How one table's headers were read: ``columns`` maps source header -> field."""

    table: str
    columns: dict[str, str]
    systems: tuple[str, ...]
    ignored: tuple[str, ...]

    def describe(self) -> str:
        system = "+".join(self.systems) or "none"
        pairs = ", ".join(f"{src}->{dst}" for src, dst in self.columns.items()
                          if norm(src) != norm(dst))
        tail = f"; ignored: {', '.join(self.ignored)}" if self.ignored else ""
        return f"{self.table}: {system} headers" + (f" ({pairs})" if pairs else "") + tail


def map_headers(table: str, headers: list[str]) -> tuple[Mapping, list[str]]:
    """Match ``headers`` to the table's fields; return the mapping and problems (messages).

    A header matching no alias is ignored (and listed); two headers naming one field, or a
    required field without a header, are problems.
    """
    exact: dict[str, tuple[str, str]] = {}
    lookup: dict[str, tuple[str, str]] = {}
    for field, by_system in ALIASES[table].items():
        for system, aliases in by_system.items():
            for alias in aliases:
                exact.setdefault(alias, (field, system))
                lookup.setdefault(norm(alias), (field, system))
    columns: dict[str, str] = {}
    systems: list[str] = []
    ignored: list[str] = []
    problems: list[str] = []
    taken: dict[str, str] = {}
    for header in headers:
        hit = exact.get(str(header)) or lookup.get(norm(header))
        if hit is None:
            ignored.append(str(header))
            continue
        field, system = hit
        if field in taken:
            problems.append(f"columns {taken[field]!r} and {header!r} both give {field}")
            continue
        taken[field] = str(header)
        columns[str(header)] = field
        if system not in systems:
            systems.append(system)
    for field in REQUIRED[table]:
        if field not in taken:
            names = sorted({a for aliases in ALIASES[table][field].values() for a in aliases})
            problems.append(f"no column for {field} (expected one of {', '.join(names)})")
    order = {s: i for i, s in enumerate(SYSTEMS)}
    return Mapping(table, columns, tuple(sorted(systems, key=order.get)),
                   tuple(ignored)), problems


def classify(text: str, rules: tuple[tuple[str, str], ...]) -> str | None:
    """The first rule whose pattern occurs in ``text`` (lower-cased), or None."""
    low = str(text).lower()
    for name, pattern in rules:
        if name == low or re.search(pattern, low):
            return name
    return None
