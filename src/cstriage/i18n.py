"""Display language and the few interface strings that are not content."""

from __future__ import annotations

import os
from typing import Any

LANGS = ("en", "ko")


def detect_lang(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get("CSTRIAGE_LANG")):
        if value:
            return value.split("_")[0].split(".")[0].lower()
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def tr(text: Any, lang: str) -> str:
    """A content Text in `lang`, falling back to English, then to any language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")


STAGE_NAMES = {
    "power": ("power / ground", "전원/접지"),
    "cables": ("cables / connectors", "케이블/커넥터"),
    "light_source": ("light source", "광원"),
    "optics": ("optical path", "광학계"),
    "thermal": ("thermal / environment", "온도/환경"),
    "settings": ("settings", "설정"),
    "reproduction": ("reproduction test", "재현 테스트"),
    "pre_install": ("pre-install", "설치 전 점검"),
    "installation": ("installation", "설치"),
    "verification": ("verification", "검증"),
    "reference": ("reference comparison", "기준 비교"),
    "logs": ("logs", "로그"),
}

VERDICT_NAMES = {
    "remote": ("Remote fix", "원격 조치"),
    "visit": ("Site visit", "현장 방문"),
    "rma": ("RMA / factory repair", "입고 수리(RMA)"),
    "escalate": ("Escalate to level 2", "에스컬레이션"),
}
#: Shown instead of the verdict when an install or maintenance checklist found nothing.
PASSED_NAMES = ("Passed — no findings", "이상 없음 (합격)")


def yes_no(value: bool, lang: str) -> str:
    """A yes/no answer as shown to people (예/아니요 in Korean)."""
    if lang == "ko":
        return "예" if value else "아니요"
    return "yes" if value else "no"


def stage_name(stage: str, lang: str) -> str:
    en, ko = STAGE_NAMES.get(stage, (stage, stage))
    return ko if lang == "ko" else en


def both(pair: tuple[str, str], lang: str) -> str:
    """'원격 조치 · Remote fix' in Korean, 'Remote fix · 원격 조치' in English."""
    en, ko = pair
    return f"{ko} · {en}" if lang == "ko" else f"{en} · {ko}"
