"""Who may see and decide the complaint mailbox's messages: the committee
members of the message's compound, and for an unassigned message (no
compound yet) the members of any committee (InboundMessage.objects.visible_to
says why). Everyone else: 403 on the list, 404 on a message."""

from __future__ import annotations

from django.http import Http404

from committee_site.access import require_committee
from committee_site.models import User
from mailintake.models import InboundMessage


def require_intake(user: User) -> frozenset[int]:
    """The compounds whose intake list the user reads; 403 for everyone but committee members."""
    return require_committee(user)


def get_inbound_for(user: User, pk: int) -> InboundMessage:
    """A message the user may read and decide on; 404 otherwise (another
    compound's mail does not exist for them). Whether it still waits for a
    decision is the service's to say (NotAllowed, ChangedMeanwhile)."""
    message = (
        InboundMessage.objects.visible_to(user)
        .select_related("compound", "complaint", "note_event__complaint")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message
