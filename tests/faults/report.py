"""The figures of a `make faults` run: health transitions per fault, and the relay's CPU."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).parents[2] / "bench" / "results" / "faults.md"
GOAL_DETECT, GOAL_HEAL = 10.0, 30.0


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


@dataclass
class Row:
    fault: str
    endpoint: str
    detected: float | None  # s from the fault's start to the first failing /health
    healed: float | None  # s from the fault's end to ok again
    seen: str  # the answers while failing
    expected: bool  # the fault concerns this endpoint: its /health must fail
    parts: str  # the parts of /health that were not ok

    @property
    def goal(self) -> str:
        """An endpoint the fault concerns must fail within 10 s and be ok again within 30 s.
        One it does not concern (a bystander) may fail, for a reason of its own that /health
        names (its runners starved of CPU by a neighbour's recovery, say): then only its
        recovery is held to the goal."""
        if self.detected is None:
            return "met"
        healed = self.healed is not None and self.healed <= GOAL_HEAL
        if not self.expected:
            return "met (bystander)" if healed else "MISSED (bystander)"
        return "met" if healed and self.detected <= GOAL_DETECT else "MISSED"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    cpu: list[tuple[str, float, float]] = field(default_factory=list)  # what, cpu s, window s
    notes: list[str] = field(default_factory=list)

    def transition(self, row: Row) -> None:
        self.rows.append(row)

    def text(self) -> str:
        lines = [
            f"# make faults, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            "",
            f"/health transitions: seconds from the fault's start to the first failing answer "
            f"(goal {GOAL_DETECT:.0f} s) and from its end to ok again (goal {GOAL_HEAL:.0f} s); "
            "`-`: stayed ok throughout.",
            "",
            "An endpoint marked *bystander* is one the fault does not concern; it went degraded"
            " for the reason its /health gave (last column), and only its recovery has a goal.",
            "",
            "| fault | endpoint | to failing s | back to ok s | goal | answers while failing"
            " | parts not ok |",
            "| --- | --- | ---: | ---: | --- | --- | --- |",
        ]
        for r in self.rows:
            lines.append(
                f"| {r.fault} | {r.endpoint} | {_s(r.detected)} | {_s(r.healed)} | {r.goal} "
                f"| {r.seen} | {r.parts} |"
            )
        if self.cpu:
            lines += [
                "",
                "The relay's CPU (user+system, psutil cpu_times):",
                "",
                "| state | CPU s | window s | CPU % |",
                "| --- | ---: | ---: | ---: |",
            ]
            for what, cpu, window in self.cpu:
                lines.append(f"| {what} | {cpu:.3f} | {window:.0f} | {100 * cpu / window:.2f} |")
        if self.notes:
            lines += ["", *[f"- {n}" for n in self.notes]]
        return "\n".join(lines) + "\n"

    def write(self) -> str:
        text = self.text()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)
        return text


REPORT = Report()
