"""The product speaks Chinese only (docs/ARCHITECTURE.md, "Language"): our strings are written
in Chinese, not wrapped for a translation that does not exist, and Django's own strings come in
Chinese whatever language the browser asks for."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_no_code_of_ours_wraps_a_string_for_translation():
    wrapped = [
        str(path.relative_to(ROOT))
        for package in ("projects", "indicators", "perfgoals")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and "django.utils.translation" in path.read_text(encoding="utf-8")
    ]
    assert wrapped == []


def test_no_template_of_ours_uses_the_translation_tags():
    tags = re.compile(r"\{%\s*(load\s[^%]*\bi18n\b|translate|trans|blocktrans)")
    tagged = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if tags.search(path.read_text(encoding="utf-8"))
    ]
    assert tagged == []


def test_a_browser_asking_for_english_gets_chinese_djangos_own_words_included(client, db):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "用户名" in html and "密码" in html  # Django's authentication form, in Chinese
    response = client.post(
        reverse("login"),
        {"username": "nobody", "password": "wrong"},
        headers={"accept-language": "en"},
    )
    assert "请输入一个正确的" in response.content.decode()
