"""The site admin's read-only view of what the mailbox received."""

from mailintake.services import message_ingest
from tests.mailintake.test_services import eml


def test_admin_lists_inbound_messages_with_their_status(admin_client):
    message_ingest(raw=eml(sender="stranger@example.net", subject="楼道灯不亮"))
    response = admin_client.get("/admin/mailintake/inboundmessage/")
    assert response.status_code == 200
    assert "楼道灯不亮" in response.content.decode()
    assert "stranger@example.net" in response.content.decode()


def test_admin_cannot_add_or_change_inbound_messages(admin_client):
    assert admin_client.get("/admin/mailintake/inboundmessage/add/").status_code == 403
