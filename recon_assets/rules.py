"""Business rules as reviewed YAML (`rules/`, or `$RECON_RULES_DIR`), loaded strictly.

Every file has a pydantic model that rejects unknown keys and malformed values; an error
names the file and the line of the offending key. Rules are data: nothing is ever evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from recon_assets.failures import RulesError
from recon_assets.legs import (
    CLASSES,
    DEFAULT_SLA_DAYS,
    LEGS_BY_CHECK,
    PART_SOURCES,
    SLA_OVERRIDES_BY,
)
from recon_assets.money import money_text
from recon_assets.sources.catalog import SOURCES

CheckName = Literal[tuple(LEGS_BY_CHECK)]  # type: ignore[valid-type]
SOURCE_NAMES = tuple(s.name for s in SOURCES)
SourceName = Literal[SOURCE_NAMES]  # type: ignore[valid-type]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
M = TypeVar("M", bound=BaseModel)
NORMALISATIONS = ("case_fold", "strip_hash", "strip_prefix", "strip_leading_zeros")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Days = Annotated[int, Field(ge=0)]


def _overrides_of(check: str) -> type[_Strict]:
    """A leg's SLA per processor or store code: only what its starting records name
    (legs.SLA_OVERRIDES_BY), so any other key is refused with its line."""
    fields: Any = {
        by: (dict[Text, Days], Field(default_factory=dict)) for by in SLA_OVERRIDES_BY[check]
    }
    return create_model(f"SlaOverrides_{check}", __base__=_Strict, **fields)


SlaOverrides = create_model(
    "SlaOverrides",
    __base__=_Strict,
    **{check: (_overrides_of(check) | None, None) for check in LEGS_BY_CHECK},  # type: ignore[call-overload]
)


class Timing(_Strict):
    sla_days: dict[CheckName, Days] = Field(default_factory=dict)
    overrides: SlaOverrides = Field(default_factory=SlaOverrides)  # type: ignore[valid-type]
    lookback_days: Annotated[int, Field(ge=1)] = 35
    evidence_records: Annotated[int, Field(ge=1)] = 50

    def sla(self, check: str) -> int:
        return self.sla_days.get(check, DEFAULT_SLA_DAYS[check])

    def override_rows(self) -> list[tuple[str, str, int]]:
        """(check, `processor:<code>` or `store:<code>`, days), as the leg inputs name them."""
        given = {check: by for check, by in self.overrides if by is not None}
        return [
            (check, f"{dimension}:{code}", days)
            for check, by in sorted(given.items())
            for dimension, codes in by
            for code, days in sorted(codes.items())
        ]


class SystemScope(_Strict):
    """Whether the retailer has a source's system, and since when (`rules/scope.yaml`)."""

    connected: bool = True
    since: date | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SystemScope:
        if not self.connected and self.since is not None:
            raise ValueError("a system that is not connected has no since date")
        if not self.connected and self.reason is None:
            raise ValueError("say why the system is not connected (reason)")
        return self


class Scope(_Strict):
    """Which systems are reconciled: every source is in scope unless listed otherwise."""

    systems: dict[SourceName, SystemScope] = Field(default_factory=dict)

    def reconciled_from(self, source: str) -> date:
        """The first business date a source's records are reconciled (date.max: never)."""
        system = self.systems.get(source, SystemScope())
        if not system.connected:
            return date.max
        return system.since or date.min

    def part_reconciled_from(self, check: str, part: str) -> date:
        """A leg part is reconciled from the day each of its groups has a source in scope."""
        return max(
            min(self.reconciled_from(source) for source in group)
            for group in PART_SOURCES[(check, part)]
        )

    def in_scope(self, source: str, night: date) -> bool:
        return self.reconciled_from(source) <= night

    def why_not(self, source: str) -> str:
        system = self.systems[source]
        return system.reason or f"connected from {system.since}"

    def not_reconciled(self, night: date) -> tuple[ScopeGap, ...]:
        """Per source not in scope on `night`, why, and the leg parts it stops: those with a
        group of sources none of which is in scope, named once, under its first source."""
        named: set[tuple[str, str]] = set()
        gaps = []
        for source in SOURCE_NAMES:
            if self.in_scope(source, night):
                continue
            stopped = [
                part
                for part, groups in PART_SOURCES.items()
                if part not in named
                and any(
                    source in group and not any(self.in_scope(s, night) for s in group)
                    for group in groups
                )
            ]
            named.update(stopped)
            gaps.append(ScopeGap(source, self.why_not(source), tuple(stopped)))
        return tuple(gaps)


@dataclass(frozen=True)
class ScopeGap:
    source: str
    why: str
    parts: tuple[tuple[str, str], ...]  # (check, part) not reconciled because of it


class Tolerance(_Strict):
    absolute_minor: Annotated[int, Field(ge=0)] = 0
    relative_bp: Annotated[int, Field(ge=0, le=10_000)] = 0


class Tolerances(_Strict):
    tolerances: dict[CheckName, Tolerance] = Field(default_factory=dict)

    def of(self, check: str) -> Tolerance:
        return self.tolerances.get(check, Tolerance())


class Roles(_Strict):
    sales: Text = "4000"
    refunds: Text = "4010"
    bank: Text = "1000"
    processor_fees: Text = "6100"


class Accounts(_Strict):
    chart: dict[Text, Text]
    roles: Roles = Roles()


class Mappings(_Strict):
    key_normalisations: dict[Text, Literal[NORMALISATIONS]] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    # Allowed codes; None means any code is fine (DESIGN.md: free unless listed).
    stores: list[Text] | None = None
    processors: list[Text] | None = None

    def levels(self) -> dict[str, int]:
        return {s: NORMALISATIONS.index(n) + 1 for s, n in self.key_normalisations.items()}


class Owners(_Strict):
    default: Text
    checks: dict[CheckName, dict[Literal[("default", *CLASSES)], Text]] = Field(  # type: ignore[misc]
        default_factory=dict
    )

    # The team that owns each Dagster asset (shown as `team:<name>`), else the default.
    assets: dict[str, Text] = Field(default_factory=dict)

    def owner(self, check: str, klass: str) -> str:
        per_check = self.checks.get(check, {})
        return per_check.get(klass) or per_check.get("default") or self.default

    def of_asset(self, asset: str) -> str:
        return self.assets.get(asset, self.default)


class AmountBounds(_Strict):
    """The money at stake a rule accepts: one break's amount as accepted (`accepted`, give or
    take `tolerance`), or a pattern's range (`min`, `max`)."""

    min: int | None = None
    max: int | None = None
    accepted: int | None = None
    tolerance: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> AmountBounds:
        if self.accepted is not None and (self.min is not None or self.max is not None):
            raise ValueError("give accepted (and tolerance) or min/max, not both")
        if self.accepted is None and self.tolerance is not None:
            raise ValueError("tolerance goes with accepted")
        return self

    def bounds(self) -> tuple[int | None, int | None]:
        if self.accepted is not None:
            give = self.tolerance or 0
            return self.accepted - give, self.accepted + give
        return self.min, self.max

    def contains(self, amount: int) -> bool:
        low, high = self.bounds()
        return (low is None or amount >= low) and (high is None or amount <= high)

    def describe(self, currency: str | None) -> str:
        """`at GBP 0.01`, `at GBP 0.01 give or take GBP 0.05`, `up to GBP 25.00`."""
        if self.accepted is not None:
            exact = f"at {money_text(self.accepted, currency)}"
            if not self.tolerance:
                return exact
            return f"{exact} give or take {money_text(self.tolerance, currency)}"
        low, high = self.bounds()
        if low is not None and high is not None:
            return f"from {money_text(low, currency)} to {money_text(high, currency)}"
        if high is not None:
            return f"up to {money_text(high, currency)}"
        return f"from {money_text(low or 0, currency)}"


class AcceptedRule(_Strict):
    """An accepted edge case: every selector given must match; none is code."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    reason: Text
    owner: Text
    author: Text | None = None
    created: date | None = None
    expires: date | None = None
    break_id: Text | None = None
    check: CheckName | None = None
    key: Text | None = None
    kind: Text | None = None
    currency: CurrencyCode | None = None
    amount_minor: AmountBounds | None = None
    record: dict[Text, str | int] | None = None

    @property
    def is_pattern(self) -> bool:
        """A rule for every break like one, rather than for one break."""
        return self.break_id is None and self.key is None


class NextSteps(_Strict):
    """What to do next about a break, in the retailer's words: per check, a `default` and
    optionally a sentence per kind (`rules/next_steps.yaml`)."""

    checks: dict[CheckName, dict[Text, Text]]

    @model_validator(mode="after")
    def _every_check_has_a_default(self) -> NextSteps:
        lacking = [c for c in LEGS_BY_CHECK if "default" not in self.checks.get(c, {})]
        if lacking:
            raise ValueError(f"checks without a default next step: {', '.join(lacking)}")
        return self

    def of(self, check: str, kind: str) -> str:
        steps = self.checks[check]
        return steps.get(kind) or steps["default"]


class AcceptedFile(_Strict):
    rules: list[AcceptedRule]


class PolicyLimits(_Strict):
    """Limits for one rule, overriding the policy's defaults."""

    max_genuine_share: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    amount_cap_minor: dict[CurrencyCode, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)


class AcceptedPolicy(_Strict):
    """What an accepted rule may do (`rules/accepted_policy.yaml`).

    Every night, a rule never accepts a break above the cap of the break's currency. A
    backtest also refuses a rule that would accept more than `max_genuine_share` of the
    genuine errors of the nights tested.
    """

    max_genuine_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.05")
    amount_cap_minor: dict[CurrencyCode, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    rules: dict[Text, PolicyLimits] = Field(default_factory=dict)

    def genuine_share_for(self, rule_id: str) -> Decimal:
        own = self.rules.get(rule_id)
        if own is not None and own.max_genuine_share is not None:
            return own.max_genuine_share
        return self.max_genuine_share

    def cap_for(self, rule_id: str, currency: str | None) -> int | None:
        own = self.rules.get(rule_id)
        caps = {**self.amount_cap_minor, **(own.amount_cap_minor if own else {})}
        return caps.get(currency) if currency else None


ACCEPTED_POLICY_FILE = "accepted_policy.yaml"
SCOPE_FILE = "scope.yaml"


def load_accepted_policy(rules_dir: Path) -> AcceptedPolicy:
    """The backtest policy; its defaults when the rules folder has no policy file."""
    path = rules_dir / ACCEPTED_POLICY_FILE
    return load_yaml_model(path, AcceptedPolicy) if path.exists() else AcceptedPolicy()


def load_scope(rules_dir: Path) -> Scope:
    """The declared scope; every system in scope when the rules folder has no scope file."""
    path = rules_dir / SCOPE_FILE
    return load_yaml_model(path, Scope) if path.exists() else Scope()


class Rules(_Strict):
    timing: Timing
    tolerances: Tolerances
    accounts: Accounts
    mappings: Mappings
    owners: Owners
    accepted: tuple[AcceptedRule, ...]
    accepted_files: dict[str, str]  # rule id -> file it came from
    policy: AcceptedPolicy
    next_steps: NextSteps
    scope: Scope


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node a pydantic error location points at."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == str(part)]
            if not match:
                return line
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader without aliases: a rules file never needs one, and a few hundred bytes
    of nested aliases (a "billion laughs") expand into more than any check can walk."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"alias *{event.anchor} is not allowed in a rules file",
                event.start_mark,
            )
        return super().compose_node(parent, index)  # type: ignore[misc]


def _load(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, composed once."""
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def load_yaml_model(path: Path, model: type[M]) -> M:
    try:
        node, data = _load(path.read_text(encoding="utf-8"))
        data = data or {}
    except FileNotFoundError:
        raise RulesError(f"{path}: file is missing") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line 1"
        problem = getattr(err, "problem", None) or str(err)
        raise RulesError(f"{path}, {where}: not valid YAML: {problem}") from err
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = []
        for error in err.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{path}, line {line_of(node, loc)}: {where}: {message}")
        raise RulesError("\n".join(problems)) from err


def load_rules(rules_dir: Path) -> Rules:
    accepted: list[AcceptedRule] = []
    files: dict[str, str] = {}
    for path in sorted((rules_dir / "accepted").glob("*.yaml")):
        for rule in load_yaml_model(path, AcceptedFile).rules:
            if rule.id in files:
                raise RulesError(f"{path}: rule id {rule.id!r} is also in {files[rule.id]}")
            if rule.is_pattern and rule.amount_minor is None:
                raise RulesError(
                    f"{path}: rule {rule.id!r} accepts a pattern of breaks without an amount "
                    "bound: add amount_minor: {max: ...} (and its currency)"
                )
            files[rule.id] = str(path)
            accepted.append(rule)
    return Rules(
        timing=load_yaml_model(rules_dir / "timing.yaml", Timing),
        tolerances=load_yaml_model(rules_dir / "tolerances.yaml", Tolerances),
        accounts=load_yaml_model(rules_dir / "accounts.yaml", Accounts),
        mappings=load_yaml_model(rules_dir / "mappings.yaml", Mappings),
        owners=load_yaml_model(rules_dir / "owners.yaml", Owners),
        accepted=tuple(accepted),
        accepted_files=files,
        policy=load_accepted_policy(rules_dir),
        next_steps=load_yaml_model(rules_dir / "next_steps.yaml", NextSteps),
        scope=load_scope(rules_dir),
    )
