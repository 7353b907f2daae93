"""Generate corpora of checklist files in cstriage's format (valid, ~19 KB each)."""

from __future__ import annotations

import random
from pathlib import Path

STAGES = ["power", "cables", "light_source", "optics", "thermal", "settings", "reproduction"]

CATALOG = """kind: catalog
products:
  bench-camera:
    name: {en: "Benchmark camera", ko: "벤치마크 카메라"}
    kit: {bench-part-0: 1}
parts:
%s
"""


def catalog() -> str:
    parts = "\n".join(
        f'  bench-part-{i}:\n    name: {{en: "Benchmark part {i}", ko: "벤치마크 부품 {i}"}}\n    pn: "EX-{i:04d}"'
        for i in range(20)
    )
    return CATALOG % parts


def checklist(n: int, rng: random.Random) -> str:
    cid = f"bench-{n:05d}"
    lines = [
        "kind: checklist",
        f"id: {cid}",
        "purpose: triage",
        f'title: {{en: "Benchmark checklist {n}: image noise or banding", ko: "벤치마크 점검표 {n}: 영상 노이즈/줄무늬"}}',
        "products: [bench-camera]",
        "symptoms: [noise, banding, 노이즈, 줄무늬]",
        "steps:",
    ]
    findings = []
    k = 0
    for stage in STAGES:
        lines.append(f"  - stage: {stage}")
        lines.append("    checks:")
        for j in range(3):
            chk = f"c{k}"
            fid = f"{cid}-f{k}"
            kind = "yes_no" if k == 0 else rng.choice(["yes_no", "number", "choice"])
            lines += [
                f"      - id: {chk}",
                f'        ask: {{en: "Check {k} in stage {stage}: is the measured value within the test-sheet range for this unit?",',
                f'              ko: "{stage} 단계 점검 {k}: 측정값이 이 장비의 시험 성적서 범위 안에 있습니까?"}}',
                f'        help: {{en: "Measure with a calibrated DMM at the rear connector; note the value in the ticket.",',
                f'               ko: "교정된 테스터로 후면 커넥터에서 측정하고, 값을 티켓에 기록합니다."}}',
                f"        type: {kind}",
            ]
            if kind == "number":
                lines += ["        unit: V", "        min: 0", "        max: 300", "        rules:",
                          "          - if: {outside: [198, 242]}", f"            then: {fid}"]
            elif kind == "choice":
                lines += ["        choices:", '          low: {en: "Low", ko: "낮음"}', '          high: {en: "High", ko: "높음"}',
                          "        rules:", "          - if: {in: [high]}", f"            then: {fid}"]
            else:
                cond = "{is: no}" if k == 0 else "{all: [{is: no}, {check: c0, is: yes}]}"
                lines += ["        rules:", f"          - if: {cond}", f"            then: {fid}"]
            findings.append((fid, rng.choice(["remote", "visit", "rma"])))
            k += 1
    lines.append("findings:")
    for fid, fix in findings:
        lines += [
            f"  {fid}:",
            f'    title: {{en: "Cause {fid}", ko: "원인 {fid}"}}',
            f"    fix: {fix}",
            f'    remote: [{{en: "Restore the saved settings preset and retest.", ko: "저장된 설정 프리셋을 복원하고 다시 시험합니다."}}]',
            f'    explain: {{en: "This instrument behaves like B under A; changing A to C restores it.", ko: "본 장비는 A 조건에서 B 현상을 보입니다. A를 C로 바꾸면 정상으로 돌아옵니다."}}',
        ]
        if fix != "remote":
            lines.append(f"    parts: {{bench-part-{rng.randrange(20)}: 1}}")
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 7) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f".count-{count}"
    if marker.exists():
        return folder
    rng = random.Random(seed)
    (folder / "catalog.yaml").write_text(catalog(), encoding="utf-8")
    for n in range(count):
        (folder / f"bench-{n:05d}.yaml").write_text(checklist(n, rng), encoding="utf-8")
    marker.write_text("")
    return folder
