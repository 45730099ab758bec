"""The flood check every kind of form shares: under the limit the form
works; past it the answer is the 429 page, in Chinese and in English, and
nothing is written or sent."""

from collections.abc import Callable
from typing import Any

from tests.snapshot import db_rows

ZH = ("请求过于频繁", "请在")
EN = ("Too many requests", "Please try again in")


def limit_group(settings: Any, group: str, limit: int) -> None:
    """Every limit of `group` (per user, per address, per e-mail) becomes `limit` an hour."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, group: dict.fromkeys(settings.RATE_LIMITS[group], f"{limit}/h")}


def assert_flood_refused(
    settings: Any,
    group: str,
    send: Callable[[int, str], Any],
    *,
    speak: Callable[[str], None] = lambda language: None,
    limit: int = 2,
) -> None:
    """send(i, language) makes the i-th request, in `language` where the
    request chooses it (Accept-Language); speak(language) switches a signed-in
    user's own language, which wins over the browser's."""
    limit_group(settings, group, limit)
    start = db_rows()
    for i in range(limit):
        response = send(i, "zh-hans")
        assert response.status_code != 429, f"request {i + 1} of {limit} was refused"
    assert db_rows() != start, "the requests under the limit must write rows"
    for i, (language, words) in enumerate((("zh-hans", ZH), ("en", EN)), start=limit):
        speak(language)
        before = db_rows()
        response = send(i, language)
        page = response.content.decode()
        assert response.status_code == 429, language
        assert all(word in page for word in words), page
        assert 0 < int(response["Retry-After"]) <= 3600
        assert db_rows() == before, "a refused request wrote rows"
