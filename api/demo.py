"""The demo's front: the WeChat official account 业主之家公众号 of the demo
compound, with a fixed token the README prints (demo only: anyone who reads
it can call), and the demo owner's openid bound to it."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.models import ApiClient, FrontIdentity
from api.services import api_client_create, binding_code_issue, front_identity_bind
from committee_site import clock
from committee_site.models import Building, Compound, Unit, User
from complaints import services
from complaints.demo import Front
from complaints.models import Category, Channel, Complaint

DEMO_KEY = "demo0wechat0front"
DEMO_TOKEN = f"{DEMO_KEY}.committee-demo-front-secret"
DEMO_OPENID = "oDemoOwner3-1502"
# The account went live this long before the demo's today, and the owner
# bound it the same evening; from then on the owner files through it.
FRONT_AGE = timedelta(days=75)
BOUND_AFTER = timedelta(hours=10)


def seed(*, compound: Compound, admin: User, owner: User, now: datetime | None = None) -> int:
    """The client and the binding, through the services, back-dated to when
    the account went live; nothing if there already."""
    now = now or clock.now()
    created = 0
    client = ApiClient.objects.filter(key=DEMO_KEY).first()
    if client is None:
        with clock.frozen_at(now - FRONT_AGE):
            client = api_client_create(by=admin, name="业主之家公众号", compounds=[compound], token=DEMO_TOKEN).client
        created += 1
    if not FrontIdentity.objects.filter(client=client, openid=DEMO_OPENID).exists():
        # The owner's way: a one-time code from the account page, typed into the front.
        with clock.frozen_at(now - FRONT_AGE + BOUND_AFTER):
            front_identity_bind(client=client, openid=DEMO_OPENID, code=binding_code_issue(user=owner).code)
        created += 1
    return created


def front(*, owner: User, now: datetime) -> Front:
    """The demo owner's complaints through the account once it is bound."""
    return Front(owner=owner, since=now - FRONT_AGE + BOUND_AFTER, file=wechat_file)


def wechat_file(
    *,
    by: User,
    compound: Compound,
    category: Category,
    title: str,
    description: str,
    unit: Unit | None = None,
    building: Building | None = None,
) -> Complaint:
    """What POST /api/v1/complaints does for the bound owner: the complaints
    service, filed by the owner, channel WeChat."""
    return services.complaint_submit(
        by=by,
        compound=compound,
        category=category,
        title=title,
        description=description,
        unit=unit,
        building=building,
        channel=Channel.WECHAT,
        complainant=by,
    )
