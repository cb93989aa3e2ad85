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
class Report:
    rows: list[tuple[str, str, float | None, float | None, str]] = field(default_factory=list)
    cpu: list[tuple[str, float, float]] = field(default_factory=list)  # what, cpu s, window s
    notes: list[str] = field(default_factory=list)

    def transition(self, fault: str, endpoint: str, detected: float | None,
                   healed: float | None, seen: str) -> None:  # fmt: skip
        self.rows.append((fault, endpoint, detected, healed, seen))

    def text(self) -> str:
        lines = [
            f"# make faults, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            "",
            f"/health transitions: seconds from the fault's start to the first failing answer "
            f"(goal {GOAL_DETECT:.0f} s) and from its end to ok again (goal {GOAL_HEAL:.0f} s); "
            "`-`: stayed ok throughout.",
            "",
            "| fault | endpoint | to failing s | back to ok s | goal | answers while failing |",
            "| --- | --- | ---: | ---: | --- | --- |",
        ]
        for fault, endpoint, detected, healed, seen in self.rows:
            met = detected is None or (
                detected <= GOAL_DETECT and healed is not None and healed <= GOAL_HEAL
            )
            lines.append(
                f"| {fault} | {endpoint} | {_s(detected)} | {_s(healed)} | "
                f"{'met' if met else 'MISSED'} | {seen} |"
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
