"""The content format (spec §3) as pydantic models.

Field names are the contract; `extra="forbid"` everywhere so a typo is an error
(reworded for people in `content.messages`). Cross-file rules live in `library`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
PART_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
LANG_PATTERN = r"^[a-z]{2}(-[A-Za-z]{2})?$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
PartId = Annotated[str, StringConstraints(pattern=PART_PATTERN)]

STAGES: dict[str, tuple[str, ...]] = {
    "triage": ("power", "cables", "light_source", "optics", "thermal", "settings", "reproduction"),
    "install": ("pre_install", "installation", "verification"),
    "maintenance": ("optics", "thermal", "reference", "logs"),
}


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        import re

        for k in value:
            if not re.match(LANG_PATTERN, k):
                raise PydanticCustomError(
                    "text_lang", "`{lang}` is not a language code (use en, ko, …)", {"lang": k}
                )
        return value
    raise PydanticCustomError(
        "text",
        "expected text, or a mapping of language to text like {en: \"…\", ko: \"…\"}",
    )


Text = Annotated[
    Any,
    BeforeValidator(_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "patternProperties": {LANG_PATTERN: {"type": "string"}},
                    "additionalProperties": False,
                    "minProperties": 1,
                },
            ]
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


DRIFT_OPS = ("drift_above_pct", "rise_above_pct", "fall_above_pct")
LEAF_OPS = ("is", "in", "below", "above", "between", "outside", *DRIFT_OPS, "skipped")
GROUP_OPS = ("all", "any", "not")


def _yes_no(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
        return value.lower() in ("yes", "true")
    return value


class Condition(_Model):
    """Exactly one operator; `check` points at an earlier check (leaf operators only)."""

    check: Id | None = None
    is_: Annotated[bool, BeforeValidator(_yes_no)] | None = Field(None, alias="is")
    in_: list[str] | None = Field(None, alias="in", min_length=1)
    below: float | None = None
    above: float | None = None
    between: tuple[float, float] | None = None
    outside: tuple[float, float] | None = None
    drift_above_pct: float | None = Field(None, ge=0)
    rise_above_pct: float | None = Field(None, ge=0)  # extension: only an increase counts
    fall_above_pct: float | None = Field(None, ge=0)  # extension: only a decrease counts
    skipped: bool | None = None
    all_: list[Condition] | None = Field(None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(None, alias="any", min_length=1)
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        ops = self.operators()
        if len(ops) != 1:
            names = ", ".join(LEAF_OPS + GROUP_OPS)
            raise PydanticCustomError(
                "condition_ops",
                "a condition needs exactly one operator ({found}); operators: {names}",
                {"found": "none" if not ops else "found " + ", ".join(ops), "names": names},
            )
        if self.check is not None and ops[0] in GROUP_OPS:
            raise PydanticCustomError(
                "condition_check", "`check:` goes inside each condition of `{op}`, not beside it", {"op": ops[0]}
            )
        return self

    def operators(self) -> list[str]:
        out = []
        for name in LEAF_OPS + GROUP_OPS:
            attr = name + "_" if name in ("is", "in", "all", "any", "not") else name
            if getattr(self, attr) is not None:
                out.append(name)
        return out

    @property
    def op(self) -> str:
        return self.operators()[0]

    def arg(self) -> Any:
        name = self.op
        return getattr(self, name + "_" if name in ("is", "in", "all", "any", "not") else name)


class Rule(_Model):
    if_: Condition = Field(alias="if")
    then: Id


class Check(_Model):
    id: Id
    ask: Text
    help: Text | None = None
    type: Literal["yes_no", "choice", "number", "text"]
    choices: dict[Annotated[str, StringConstraints(pattern=ID_PATTERN)], Text] | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    when: Condition | None = None
    baseline: Id | None = None
    record_baseline: Id | None = None
    rules: list[Rule] = []

    @model_validator(mode="after")
    def _fits_type(self) -> Check:
        if self.type == "choice" and not self.choices:
            raise PydanticCustomError("choice_needs_choices", "a `choice` check needs `choices`")
        if self.type != "choice" and self.choices:
            raise PydanticCustomError("choices_not_choice", "`choices` only fits `type: choice`")
        if self.type != "number":
            for name in ("unit", "min", "max", "baseline", "record_baseline"):
                if getattr(self, name) is not None:
                    raise PydanticCustomError(
                        "number_only", "`{name}` only fits `type: number`", {"name": name}
                    )
        return self


class Step(_Model):
    stage: str
    checks: list[Check] = Field(min_length=1)


class Finding(_Model):
    title: Text
    fix: Literal["remote", "visit", "rma"]
    safety: bool = False
    resolves: bool = False
    remote: list[Text] = []
    onsite: list[Text] = []
    parts: dict[PartId, Annotated[int, Field(ge=1)]] = {}
    tools: list[Text] = []
    explain: Text | None = None
    prevent: list[Text] = []
    card: Id | None = None
    url: str | None = None


class Checklist(_Model):
    kind: Literal["checklist"]
    id: Id
    purpose: Literal["triage", "install", "maintenance"] = "triage"
    title: Text
    products: list[Id] = Field(min_length=1)
    symptoms: list[str] = []
    steps: list[Step] = Field(min_length=1)
    findings: dict[Id, Finding] = {}

    def checks(self) -> list[tuple[str, Check]]:
        return [(step.stage, c) for step in self.steps for c in step.checks]


class Product(_Model):
    name: Text
    kit: dict[PartId, Annotated[int, Field(ge=1)]] = {}


class Part(_Model):
    name: Text
    pn: str | None = None


class Catalog(_Model):
    kind: Literal["catalog"]
    products: dict[Id, Product] = {}
    parts: dict[PartId, Part] = {}
    findings: dict[Id, Finding] = {}


class Card(_Model):
    kind: Literal["card"]
    id: Id
    title: Text
    symptom: Text
    products: list[Id] = Field(min_length=1)
    checks: list[Text] = Field(min_length=1)
    remote: list[Text] = []
    visit_if: list[Text] = []
    bring: list[PartId] = []
    say: Text
    prevent: list[Text] = []
    checklist: Id | None = None
    url: str | None = None


KINDS: dict[str, type[_Model]] = {"checklist": Checklist, "catalog": Catalog, "card": Card}

Condition.model_rebuild()
