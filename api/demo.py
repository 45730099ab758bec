"""The demo's front: the WeChat official account 业主之家公众号 of the demo
compound, with a fixed token the README prints (demo only: anyone who reads
it can call), and the demo owner's openid bound to it."""

from __future__ import annotations

from api.models import ApiClient, FrontIdentity
from api.services import api_client_create, binding_code_issue, front_identity_bind
from committee_site.models import Compound, User

DEMO_KEY = "demo0wechat0front"
DEMO_TOKEN = f"{DEMO_KEY}.committee-demo-front-secret"
DEMO_OPENID = "oDemoOwner3-1502"


def seed(*, compound: Compound, admin: User, owner: User) -> int:
    """The client and the binding, through the services; nothing if there already."""
    created = 0
    client = ApiClient.objects.filter(key=DEMO_KEY).first()
    if client is None:
        client = api_client_create(by=admin, name="业主之家公众号", compounds=[compound], token=DEMO_TOKEN).client
        created += 1
    if not FrontIdentity.objects.filter(client=client, openid=DEMO_OPENID).exists():
        # The owner's way: a one-time code from the account page, typed into the front.
        front_identity_bind(client=client, openid=DEMO_OPENID, code=binding_code_issue(user=owner).code)
        created += 1
    return created
