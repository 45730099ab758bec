from django.contrib import admin

from committee_site.admin import ReadOnlyAdmin
from mailintake.models import InboundMessage


# Read-only until the committee's intake page exists: the site admin can see
# what the mailbox received and why each message went where it went.
@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "subject", "status", "compound", "complaint", "size")
    list_filter = ("status",)
    search_fields = ("key", "sender")
    list_select_related = ("compound", "complaint")
    show_full_result_count = False
