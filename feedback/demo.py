"""Demo feedback: the callbacks of the demo's replied complaints (the
complaints' demo calls these steps at their moments), owners' own feedback
in every status, and two satisfaction surveys: last quarter's, closed, with
answers from most units, and this quarter's, open."""

from __future__ import annotations

import random
from typing import Any

from complaints.models import Complaint
from feedback.models import Callback
from feedback.services import callbacks

# What owners say when called back, in Chinese and English.
SOLVED = (
    ["已经修好了，谢谢", "处理得很及时", "问题解决了，但希望下次快一点", "可以，没有问题了"],
    ["It is fixed, thank you", "Handled quickly", "Solved, but it could have been faster", "Fine now"],
)
UNSOLVED = (
    ["只是临时处理，第二天又坏了", "师傅来看过，问题还在", "垃圾还是没人清"],
    ["Only patched; it broke again the next day", "Someone looked, but the problem is still there"],
)
ATTEMPTS = ["电话无人接听", "电话关机", "上门无人"]


def _pending(complaint: Complaint) -> Callback:
    return Callback.objects.select_related("complaint__compound", "compound").get(
        complaint=complaint, status=Callback.Status.PENDING
    )


def _caller(callback: Callback, by: Any) -> Any:
    return callback.assigned_to or by


def callback_solved(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_record(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        solved=True,
        satisfaction=rng.choice([5, 5, 5, 4, 4, 4, 3, 2]),
        comment=rng.choice(SOLVED[1 if english else 0]),
        channel=rng.choice([Callback.Channel.PHONE, Callback.Channel.PHONE, Callback.Channel.VISIT]),
    )


def callback_unsolved(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_record(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        solved=False,
        satisfaction=rng.choice([1, 2, 2]),
        comment=rng.choice(UNSOLVED[1 if english else 0]),
        channel=Callback.Channel.PHONE,
    )


def callback_attempt(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_attempt(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        channel=Callback.Channel.PHONE,
        note=rng.choice(ATTEMPTS),
    )


# The steps the complaints' demo runs, by the names its plans use.
FOLLOWUPS = {
    "callback_solved": callback_solved,
    "callback_unsolved": callback_unsolved,
    "callback_attempt": callback_attempt,
}
