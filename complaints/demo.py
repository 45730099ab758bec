"""Demo complaints: about 200 over the last year, in every status, channel and
category, so the dashboard, the staff queue and the analysis look alive.

Each complaint goes through the real services, step by step, with the clock
set to the moment the step is meant to have happened: deadlines, next
deadlines, events, references (TS-<year>-…) and the status counts come out
exactly as if the year had really passed. The services tell people what
happens in the app, at those moments, but queue no e-mail for made-up history.
About half the closed complaints are published, so the owners' board shows results."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from committee_site import clock, notifications
from committee_site.models import Building, Compound, Language, User
from complaints import services
from complaints.models import (
    Action,
    Category,
    Channel,
    Complaint,
    Priority,
    PublicationScope,
    ResponsibleParty,
    Status,
)

COUNT = 200
DAYS = 365

# Per category code: what owners of a Shanghai compound write, as (title,
# description) in Chinese and in English; each owner writes in their own language.
TEXTS: dict[str, list[tuple[tuple[str, str], tuple[str, str]]]] = {
    "service_attitude": [
        (
            ("物业前台态度差", "去前台问停水通知，工作人员不理人，还说自己去看公告。"),
            ("Rude front desk", "I asked the front desk about the water cut and was told to go and read the notice."),
        ),
        (
            ("维修师傅不守约", "约好上午上门修水管，一直没来，电话也不接。"),
            ("Repairman did not come", "The plumber was booked for the morning, never came and does not answer."),
        ),
    ],
    "facility_repair": [
        (
            ("电梯门关不上", "电梯门这周一直关不上，老人小孩进出很危险。"),
            ("Lift door does not close", "The lift door has not closed properly all week; dangerous for children."),
        ),
        (
            ("楼道灯不亮", "单元楼道的声控灯坏了一个多星期，晚上很黑。"),
            ("Stairwell light broken", "The stairwell light has been out for over a week; it is dark at night."),
        ),
        (
            ("地下车库渗水", "B2 车库顶板渗水，车上都是水渍。"),
            ("Water leak in the garage", "Water keeps dripping from the ceiling of garage B2 near the lift."),
        ),
    ],
    "cleaning": [
        (
            ("垃圾房没人清运", "东门垃圾房周末没人清运，味道很大。"),
            ("Bins not emptied", "The bin room at the east gate was not emptied over the weekend; it smells."),
        ),
        (
            ("楼道堆放杂物", "楼道里堆了纸箱和旧家具，挡住了通道。"),
            ("Boxes in the stairwell", "Cardboard boxes and old furniture block the stairwell."),
        ),
    ],
    "landscaping": [
        (
            ("草坪被踩成黄土", "中心花园草坪大片裸露，下雨全是泥。"),
            ("Lawn worn to bare soil", "Large parts of the central lawn are bare soil and turn to mud in the rain."),
        ),
        (
            ("树枝挡住窗户", "楼前的香樟树枝长到窗边，请修剪。"),
            ("Branches against the window", "The camphor tree in front of the building reaches our window."),
        ),
    ],
    "security": [
        (
            ("外来人员随意进出", "南门门岗经常没人，外卖和陌生人随便进。"),
            ("Strangers walk in", "The south gate is often unattended; couriers and strangers walk straight in."),
        ),
        (
            ("夜间北门无人值守", "半夜北门又开着，门岗没有人。"),
            ("Gate left open at night", "The north gate was open and unattended after midnight again."),
        ),
    ],
    "fire_safety": [
        (
            ("消防通道被占", "5号楼旁消防通道长期停着私家车。"),
            ("Fire lane blocked", "Private cars are parked in the fire lane beside building 5 all the time."),
        ),
        (
            ("灭火器过期", "楼道灭火器压力表指针在红区，检查记录还是去年的。"),
            ("Extinguisher out of date", "The stairwell extinguisher's gauge is in the red; last check a year ago."),
        ),
    ],
    "parking": [
        (
            ("电动车在楼道充电", "有人把电动车推进楼道拉线充电，太危险。"),
            ("E-bike charged in the stairwell", "Someone charges an e-bike in the stairwell with a cable from a flat."),
        ),
        (
            ("车位被外来车辆占用", "业主车位经常被外来车辆占用，门岗不管。"),
            ("Parking space taken", "Visitors' cars often take owners' spaces and the gate does nothing."),
        ),
    ],
    "noise": [
        (
            ("夜间装修噪声", "楼上晚上十点后还在电钻施工。"),
            ("Drilling at night", "The flat upstairs is still drilling after ten in the evening."),
        ),
        (
            ("广场舞音响太吵", "中心广场每晚音响声音很大，影响休息。"),
            ("Loud music on the square", "Loudspeakers on the central square are very loud every evening."),
        ),
    ],
    "illegal_construction": [
        (
            ("顶楼违章搭建", "顶楼住户在露台搭建阳光房，物业没有制止。"),
            ("Illegal rooftop structure", "The top-floor flat is building a sunroom on the terrace; nobody stops it."),
        ),
        (
            ("装修拆改承重墙", "楼下装修好像在拆承重墙，请物业核查。"),
            ("Load-bearing wall removed?", "The renovation downstairs seems to remove a load-bearing wall."),
        ),
    ],
    "animals": [
        (
            ("狗不牵绳", "小区里经常有大型犬不牵绳，孩子被吓到。"),
            ("Dogs off the lead", "Large dogs often run off the lead in the compound and frighten children."),
        ),
        (
            ("流浪猫太多", "地下车库流浪猫很多，到处是粪便。"),
            ("Stray cats in the garage", "Many stray cats live in the underground garage; droppings everywhere."),
        ),
    ],
    "fees": [
        (
            ("物业费账单有误", "本月账单多收了公摊电费，请核对。"),
            ("Wrong service charge bill", "This month's bill charges too much for shared electricity."),
        ),
        (
            ("停车费涨价没公示", "停车费突然上涨，没有看到任何公示。"),
            ("Parking fee raised without notice", "The parking fee went up with no notice posted anywhere."),
        ),
    ],
    "disclosure": [
        (
            ("公共收益没有公示", "电梯广告和停车收益已经两个季度没有公示了。"),
            ("Shared income not disclosed", "Lift advertising and parking income were not posted for two quarters."),
        ),
        (
            ("维修资金使用不透明", "外墙维修动用了维修资金，没有公布明细。"),
            ("Repair fund spending unclear", "The facade repair used the repair fund; no breakdown was published."),
        ),
    ],
    "committee_work": [
        (
            ("业委会会议纪要没公开", "上次业委会会议的纪要一直没有张贴。"),
            ("Committee minutes not posted", "The minutes of the last committee meeting were never posted."),
        ),
        (
            ("业委会接待时间太少", "每周只有一个下午接待业主，希望增加。"),
            ("More committee office hours", "The committee meets owners one afternoon a week; please add more."),
        ),
    ],
    "suggestion": [
        (
            ("建议增设快递柜", "东门快递堆在地上，建议增设快递柜。"),
            ("Parcel lockers, please", "Parcels pile up on the ground at the east gate; please add lockers."),
        ),
        (
            ("建议增设自行车架", "2号楼旁放几个自行车架，车就不会挡路了。"),
            ("Please add bike racks", "A few bike racks near building 2 would stop bikes blocking the path."),
        ),
    ],
}

# What those handling a complaint write, in Chinese and in English.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "plan": (
        ["已安排师傅明天上门查看", "今天联系外包单位到场处理", "先设置警示，再安排维修"],
        ["A technician will come tomorrow", "The contractor comes today", "Warning signs first, then the repair"],
    ),
    "progress": (["配件已订购，预计三天内到货"], ["The part is ordered and should arrive within three days"]),
    "reply": (
        ["已处理完毕，请业主查看", "已修复并复查，运行正常", "已清理并加强日常巡查"],
        ["Done; please have a look", "Repaired and checked again; it works", "Cleared; the daily rounds now check it"],
    ),
    "dispute": (["问题还在，请再看看"], ["The problem is still there; please look again"]),
    "withdraw": (["已经自行解决"], ["We sorted it out ourselves"]),
}

RECORDED_NAMES = ["王先生", "李阿姨", "赵女士", "陈老师", "周先生", "孙女士"]
# What reaches the committee besides the web form and is recorded by it:
# calls, the complaints mailbox, letters and visits. WeChat complaints come
# through a front (below), filed by the owner.
RECORDED_CHANNELS = [Channel.PHONE, Channel.EMAIL, Channel.LETTER, Channel.VISIT]


@dataclass(frozen=True)
class Front:
    """A front another app runs for one owner (api.demo's WeChat official
    account): complaints may not import it, so the caller hands it in. From
    `since` on, the complaints that owner would have filed on the web form go
    through the front, as file(owner=, compound=, category=, title=,
    description=, unit=) at their moment, and go on like any other."""

    owner: User
    since: datetime
    file: Callable[..., Complaint]


# Results every owner should see; the others are published to the building where it happened.
COMPOUND_WIDE = {"security", "fire_safety", "parking", "fees", "disclosure", "committee_work", "suggestion"}

# How each complaint's story ends; weights for complaints old enough to have
# finished. "reopened": the callback found it not solved, it was handled again.
FATES = [
    ("closed", 62), ("reopened", 8), ("auto_closed", 8), ("disputed", 6), ("rejected", 6), ("withdrawn", 5),
    ("referred", 5),
]  # fmt: skip

# Steps another app takes in a complaint's story (the callbacks, 回访), by
# name: complaints may not import it, so the demo's caller hands them in.
# Each is called as step(complaint=, by=, rng=, english=) at its moment.
Followup = Callable[..., None]


@dataclass
class _Story:
    complaint: Complaint
    owner: User | None
    english: bool = False
    followups: Mapping[str, Followup] = field(default_factory=dict)

    def say(self, rng: random.Random, what: str) -> str:
        chinese, english = PHRASES[what]
        return rng.choice(english if self.english else chinese)


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


# People file, record, handle and call back between 8:00 and 22:00.
DAY_STARTS, DAY_ENDS = 8, 22


def earlier_in_the_day(moment: datetime) -> datetime:
    """A filing at night moved back into the day before it, so it stays in the past."""
    hour = timezone.localtime(moment).hour
    if hour < DAY_STARTS:
        return moment - timedelta(hours=10)
    if hour >= DAY_ENDS:
        return moment - timedelta(hours=3)
    return moment


def in_office_hours(moment: datetime) -> datetime:
    """A step that would fall at night waits for the next morning."""
    local = timezone.localtime(moment)
    if DAY_STARTS <= local.hour < DAY_ENDS:
        return moment
    day = local.date() + timedelta(days=1 if local.hour >= DAY_ENDS else 0)
    return clock.local_midnight(day) + timedelta(hours=DAY_STARTS, minutes=local.minute)


def seed(
    *,
    compound: Compound,
    committee: User,
    staff: User,
    owners: Sequence[User],
    followups: Mapping[str, Followup],
    front: Front | None = None,
    now: datetime | None = None,
) -> int:
    """Add the demo complaints to a compound that has none; return how many.
    A compound with complaints is left alone, so running it again adds nothing."""
    if Complaint.objects.filter(compound=compound).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(2026)  # noqa: S311 (the same demo every time, nothing secret)
    categories = list(Category.objects.filter(active=True).order_by("order", "code"))
    buildings = list(Building.objects.filter(compound=compound).order_by("sort_key", "number"))
    units = {owner.pk: owner.owner_profile.units.select_related("building").first() for owner in owners}
    ages = [timedelta(days=rng.uniform(1.5, DAYS)) for _ in range(COUNT - len(_RECENT))]
    # The last days' complaints are the demo owners' own, so they have news waiting.
    stories: list[tuple[datetime, int, list[str] | None, Category]] = [
        (earlier_in_the_day(now - age), index, None, categories[index % len(categories)])
        for index, age in enumerate(ages)
    ]
    by_code = {category.code: category for category in categories}
    stories += [
        (now - timedelta(hours=hours_ago), index, steps, by_code[code])
        for index, (hours_ago, steps, code) in enumerate(_RECENT)
    ]
    # Filed oldest first, so the reference numbers follow the submission dates.
    stories.sort(key=lambda story: story[0])
    closed = 0
    # People are told in the app what happens; nobody is mailed about the demo's past.
    with transaction.atomic(), notifications.in_app_only():
        for filed, index, steps, category in stories:
            recent = steps is not None
            story = _file(
                rng, compound, committee, owners, units, buildings, category, filed, index, recent=recent, front=front
            )
            story.followups = followups
            if steps is None:
                _live(rng, story, committee, staff, now, _fate(rng))
                closed += _publish(story, committee, now, publish=closed % 2 == 0)
            else:
                _recent(story, committee, staff, filed, steps, now)
    return COUNT


def _publish(story: _Story, committee: User, now: datetime, *, publish: bool) -> int:
    """Publish the closed complaint a day after it closed when asked (the
    caller asks for every other one): to the building where it happened, else
    to the whole compound. Returns 1 for a closed complaint, so the caller can
    count them."""
    complaint = Complaint.objects.select_related("compound", "building", "category").get(pk=story.complaint.pk)
    if complaint.status != Status.CLOSED or complaint.closed_at is None:
        return 0
    moment = in_office_hours(complaint.closed_at + timedelta(days=1))
    if publish and moment < now:
        result = complaint.result.strip().rstrip("。.;")
        summary = f"{complaint.title}: {result}." if story.english else f"{complaint.title}：{result}。"
        whole = complaint.category.code in COMPOUND_WIDE or not complaint.building_id
        scope = PublicationScope.COMPOUND if whole else PublicationScope.BUILDING
        with clock.frozen_at(moment):
            services.complaint_publish(complaint=complaint, by=committee, summary=summary, scope=scope)
    return 1


# Complaints of the last days, in the states a committee meets on a Monday
# morning: (hours ago, steps taken, category). Some are overdue, some due soon.
_RECENT: list[tuple[float, list[str], str]] = [
    (5, [], "facility_repair"),  # accept due in 19 hours
    (20, [], "noise"),  # accept due in 4 hours
    (60, [], "cleaning"),  # accept overdue
    (30, ["accept"], "parking"),  # reply due soon
    (80, ["accept"], "fees"),  # reply overdue
    (40, ["accept", "assign"], "security"),
    (100, ["accept", "assign"], "facility_repair"),  # reply overdue
    (70, ["accept", "assign", "plan"], "landscaping"),
    (200, ["accept", "assign", "plan", "progress"], "facility_repair"),  # resolve overdue (7 days)
    (170, ["accept", "assign", "plan"], "fire_safety"),  # resolve overdue (3 days)
    (120, ["accept", "assign", "plan", "reply"], "cleaning"),
    (50, ["accept", "assign", "plan", "reply"], "service_attitude"),
    # The callback found it not solved: back in progress, with a new deadline.
    (150, ["accept", "assign", "plan", "reply", "callback_unsolved"], "facility_repair"),
]


def _file(
    rng: random.Random,
    compound: Compound,
    committee: User,
    owners: Sequence[User],
    units: dict[int, Any],
    buildings: list[Building],
    category: Category,
    moment: datetime,
    index: int,
    *,
    recent: bool,
    front: Front | None = None,
) -> _Story:
    owner = owners[index % 2] if recent else owners[index % len(owners)]
    chinese, english = rng.choice(TEXTS[category.code])
    in_english = owner.language == Language.EN
    with clock.frozen_at(moment):
        if index % 3 == 0:
            # A third come by the web form, in the owner's language (or, once
            # the owner has bound the WeChat account, through it); the rest the committee records.
            title, description = english if in_english else chinese
            by_front = front is not None and front.owner.pk == owner.pk and moment >= front.since
            file = front.file if front is not None and by_front else services.complaint_submit
            complaint = file(
                by=owner,
                compound=compound,
                category=category,
                title=title,
                description=description,
                unit=units[owner.pk],
            )
            return _Story(complaint, owner, english=in_english)
        # Every third is a web complaint; the others cycle through the other channels.
        channel = RECORDED_CHANNELS[(index - index // 3) % len(RECORDED_CHANNELS)]
        registered = recent or index % 2 == 0
        # An owner with an account is recorded in their language; callers
        # without one, in Chinese.
        in_english = in_english and registered
        title, description = english if in_english else chinese
        complaint = services.complaint_submit(
            by=committee,
            compound=compound,
            category=category,
            title=title,
            description=description,
            building=rng.choice(buildings),
            location_text=rng.choice(["", "一单元", "二单元", "地下车库", "楼顶"]),
            channel=channel,
            complainant=owner if registered else None,
            complainant_name="" if registered else rng.choice(RECORDED_NAMES),
            complainant_phone="" if registered else f"139{rng.randrange(10**8):08d}",
        )
    return _Story(complaint, owner if registered else None, english=in_english)


def _fate(rng: random.Random) -> str:
    names, weights = zip(*FATES, strict=True)
    return rng.choices(names, weights=weights)[0]


def _step(story: _Story, action: str, moment: datetime, committee: User, staff: User, rng: random.Random) -> None:
    complaint = Complaint.objects.select_related("compound", "category", "complainant").get(pk=story.complaint.pk)
    with clock.frozen_at(moment):
        _run(action, story, complaint, story.owner or committee, committee, staff, rng)


def _run(
    action: str, story: _Story, complaint: Complaint, owner: User, committee: User, staff: User, rng: random.Random
) -> None:
    """One step through its service, as the person who takes it."""
    seen = complaint.version
    handler = staff if complaint.assignee_id == complaint.compound.property_company_id else committee
    if action == "accept":
        urgent = complaint.category.code in ("fire_safety", "security")
        services.complaint_accept(
            complaint=complaint,
            by=committee,
            seen_version=seen,
            category=complaint.category,
            service_area=None,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            is_complex=complaint.category.code == "illegal_construction",
        )
    elif action == "assign":
        compound = complaint.compound
        # The demo's cases are all the committee's own or the company's to fix:
        # a category another party answers for (owners, utilities) is handled
        # by the company here, and the ruling says so.
        if complaint.category.default_responsible == ResponsibleParty.COMMITTEE:
            party, assignee, reason = ResponsibleParty.COMMITTEE, compound.committee, "属业委会职责，由业委会办理"
        else:
            party, assignee = ResponsibleParty.PROPERTY_COMPANY, compound.property_company
            reason = "按物业服务合同约定由物业公司负责"
        services.complaint_assign(
            complaint=complaint, by=committee, seen_version=seen, responsible_party=party, reason=reason,
            assignee=assignee,
        )  # fmt: skip
    elif action == "plan":
        services.complaint_plan(complaint=complaint, by=handler, seen_version=seen, plan=story.say(rng, "plan"))
    elif action == "progress":
        note = story.say(rng, "progress")
        services.complaint_progress(
            complaint=complaint, by=handler, seen_version=seen, note=note, visible_to_owner=True
        )
    elif action == "reply":
        result = story.say(rng, "reply")
        services.complaint_reply(complaint=complaint, by=handler, seen_version=seen, result=result)
    elif action == "confirm":
        rating = rng.choice([5, 5, 4, 4, 3, 2])
        services.complaint_confirm(complaint=complaint, by=owner, seen_version=seen, rating=rating)
    elif action == "dispute":
        services.complaint_dispute(complaint=complaint, by=owner, seen_version=seen, reason=story.say(rng, "dispute"))
    elif action == "auto_close":
        services.complaint_transition(
            complaint=complaint,
            action=Action.AUTO_CLOSE,
            by=None,
            seen_version=seen,
            fields={"closed_at": clock.now()},
        )
    elif action == "reject":
        reason = "属于业主之间的民事纠纷，建议协商或调解"
        services.complaint_reject(complaint=complaint, by=committee, seen_version=seen, reason=reason)
    elif action == "withdraw":
        services.complaint_withdraw(complaint=complaint, by=owner, seen_version=seen, reason=story.say(rng, "withdraw"))
    elif action.startswith("callback_"):
        story.followups[action](complaint=complaint, by=committee, rng=rng, english=story.english)
    elif action == "refer":
        services.complaint_refer(
            complaint=complaint, by=committee, seen_version=seen, referred_to="街道城管中队", note="属于城管执法范围"
        )
    else:
        raise ValueError(action)


def _live(rng: random.Random, story: _Story, committee: User, staff: User, now: datetime, fate: str) -> None:
    """Take the complaint as far along its fate as the time since filing allows.
    After every reply a committee member calls the owner back (回访) within
    the three days, now and then late; some owners confirm online first."""
    if fate in ("withdrawn", "disputed") and story.owner is None:
        # Only an owner with an account disputes or withdraws.
        fate = "closed" if fate == "disputed" else "rejected"
    late = rng.random() < 0.2  # one in five handled slowly: the overdue rates have something to show
    moment = story.complaint.submitted_at
    plan: list[tuple[str, timedelta]] = [("accept", _hours(rng, 30, 60) if late else _hours(rng, 1, 20))]
    handled = [
        ("assign", _hours(rng, 0.2, 3)),
        ("plan", _hours(rng, 30, 60) if late else _hours(rng, 1, 20)),
        ("progress", _hours(rng, 12, 48)),
        ("reply", _hours(rng, 24 * 8, 24 * 14) if late else _hours(rng, 6, 24 * 5)),
    ]
    # The callback: mostly within the three days, one in eight late.
    callback = _hours(rng, 70, 100) if rng.random() < 0.125 else _hours(rng, 4, 66)
    if fate == "rejected":
        plan = [("reject", _hours(rng, 2, 20))]
    elif fate == "withdrawn":
        plan += [("withdraw", _hours(rng, 2, 30))]
    elif fate == "referred":
        plan += [("refer", _hours(rng, 2, 24))]
    elif fate == "auto_closed":
        # Three calls that reach nobody; the reply then closes by the dispute window.
        attempts = [_hours(rng, 3, 20), _hours(rng, 20, 26), _hours(rng, 20, 26)]
        rest = timedelta(days=7, hours=1) - sum(attempts, timedelta())
        plan += handled + [("callback_attempt", a) for a in attempts] + [("auto_close", rest)]
    else:
        plan += handled
        if fate == "disputed":
            plan += [
                ("dispute", _hours(rng, 12, 60)),
                ("progress", _hours(rng, 12, 24)),
                ("reply", _hours(rng, 24, 72)),
            ]
        if fate == "reopened":
            plan += [
                ("callback_unsolved", callback),
                ("progress", _hours(rng, 12, 48)),
                ("reply", _hours(rng, 24, 24 * 4)),
            ]
            callback = _hours(rng, 4, 60)
        if story.owner is not None and rng.random() < 0.35:
            plan += [("confirm", _hours(rng, 2, 40))]
        else:
            plan += [("callback_solved", callback)]
    for action, delay in plan:
        moment = moment + delay if action == "auto_close" else in_office_hours(moment + delay)
        if moment > now - timedelta(hours=1):
            return
        _step(story, action, moment, committee, staff, rng)


def _recent(story: _Story, committee: User, staff: User, filed: datetime, steps: list[str], now: datetime) -> None:
    rng = random.Random(story.complaint.pk)  # noqa: S311
    moment = filed
    for done, action in enumerate(steps, start=1):
        left = len(steps) - done
        moment = moment + timedelta(hours=1 if action == "assign" else 3)
        # In the day when the steps still left fit before now; these cases are hours old.
        daytime = in_office_hours(moment)
        if daytime + timedelta(hours=3 * left) < now - timedelta(minutes=30):
            moment = daytime
        _step(story, action, moment, committee, staff, rng)
