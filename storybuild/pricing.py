"""PURE: what the paid steps of a render would cost, before any of them runs.

Each paid provider declares one price table in the registry (model -> unit -> US
dollars; units `per_image`, `per_second` of speech or video, `per_1k_tokens`); a
story's `pricing:` block overrides it per model. A step's quantity comes from its
params: one picture per image step, the narration's words at a calm reading pace
for speech (the real length is known only after the call), the clip length for
video. Estimates are estimates: they say so wherever they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from storybuild.errors import InputError
from storybuild.step import Step

WORDS_PER_SECOND = 2.5  # about 150 words a minute
UNIT_WORDS = {"per_image": ("image", "images"), "per_second": ("s", "s"), "per_1k_tokens": ("1k tokens", "1k tokens")}
Prices = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class CostLine:
    """The paid calls to one model: how many, how much of its unit (images, seconds),
    the price per unit (None: unknown) and their cost (None when the price is unknown)."""

    provider: str
    model: str
    unit: str | None
    calls: int
    quantity: float
    price: float | None

    @property
    def cost(self) -> float | None:
        return None if self.price is None else self.quantity * self.price


@dataclass(frozen=True)
class Estimate:
    """Every paid model a render would call. Invariant: one line per (provider, model)
    of one story (a batch's estimate joins its stories' lines: their prices may differ)."""

    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.cost or 0.0 for line in self.lines)

    @property
    def calls(self) -> int:
        return sum(line.calls for line in self.lines)

    @property
    def unpriced(self) -> list[str]:
        return [line.model for line in self.lines if line.price is None]


def speech_seconds(text: str) -> float:
    """How long `text` takes to say at a calm pace (the estimate for per-second speech)."""
    return 0.3 + len(text.split()) / WORDS_PER_SECOND


def price_for(model: str, table: Prices, overrides: Prices) -> tuple[str | None, float | None]:
    """(unit, US dollars) for `model`: the story's price first, then the provider's."""
    units = overrides.get(model) or table.get(model) or {}
    for unit, usd in units.items():
        return unit, float(usd)
    return None, None


def quantity(step: Step, unit: str | None) -> float:
    """How many of `unit` one run of `step` uses."""
    if unit == "per_second":
        if "seconds" in step.params:
            return float(step.params["seconds"])
        lines = step.params.get("lines")  # a conversation part: every line it speaks
        text = " ".join(line["text"] for line in lines) if lines else str(step.params.get("text", ""))
        return speech_seconds(text)
    return 1.0


def estimate(steps: Iterable[Step], tables: Mapping[tuple[str, str], Prices], overrides: Prices) -> Estimate:
    """The cost of running `steps` (only paid ones count). `tables` maps (provider,
    family) to the provider's price table; `overrides` is the story's `pricing:`."""
    grouped: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        if step.paid and step.model:
            grouped.setdefault((step.provider, step.model), []).append(step)
    lines = []
    for (provider, model), group in grouped.items():
        table = next((t for (name, _), t in tables.items() if name == provider and model in t), {})
        unit, price = price_for(model, table, overrides)
        lines.append(CostLine(provider, model, unit, len(group), sum(quantity(s, unit) for s in group), price))
    return Estimate(tuple(lines))


def usd(amount: float) -> str:
    """"$0.23"; amounts under a cent keep their digits ("$0.0031")."""
    return f"${amount:.2f}" if amount == 0 or amount >= 0.01 else f"${amount:.4f}"


def cost_text(found: Estimate) -> str:
    """The paid calls and their estimated cost, one line per model and a total; "" when
    nothing paid would run."""
    if not found.lines:
        return ""
    rows = []
    for line in found.lines:
        calls = f"{line.calls} call{'' if line.calls == 1 else 's'} to {line.provider} {line.model}"
        if line.price is None:
            rows.append(f"paid: {calls}: no price known; set one under `pricing:` in story.yaml")
            continue
        one, many = UNIT_WORDS.get(line.unit or "", ("unit", "units"))
        amount = f"{line.quantity:g} {one if line.quantity == 1 else many}" if line.unit != "per_second" \
            else f"{line.quantity:.1f} s"
        rows.append(f"paid: {calls}: {amount} at ${line.price:g}/{one} = {usd(line.cost or 0.0)}")
    unknown = " (without the unpriced models)" if found.unpriced else ""
    rows.append(f"estimated cost: {usd(found.total)}{unknown}")
    return "\n".join(rows)


def check_budget(found: Estimate, max_cost: float) -> None:
    """Refuse (before any call) a render whose estimate exceeds `max_cost` US dollars,
    or whose cost cannot be estimated because a model has no price."""
    if found.unpriced:
        raise InputError(f"cannot check --max-cost: no price is known for {', '.join(found.unpriced)}; "
                         "set one under `pricing:` in story.yaml")
    if found.total > max_cost:
        raise InputError(f"this render would cost about {usd(found.total)} ({found.calls} paid calls), more than "
                         f"--max-cost {max_cost:.2f}; nothing was called (`storybuild status` lists the calls)")
