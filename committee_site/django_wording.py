"""Django's own messages that its Chinese catalog words with 你. Listed here so
that they are extracted into the project's catalog, which Django consults first,
and translated there with 您 like every other message of the site
(locale/GLOSSARY.md). Nothing calls these at run time."""

from django.utils.translation import gettext_noop


def ngettext_noop(singular: str, plural: str) -> str:
    """Marks a plural message for extraction, as gettext_noop does a singular one."""
    return singular


DJANGO_MESSAGES = (
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need to file a bug report if the issue persists."
    ),  # conf
    gettext_noop(
        'If you are using the <meta name="referrer" content="no-referrer"> tag or including the “Referrer-Policy: no-referrer” header, please remove them. The CSRF protection requires the “Referer” header to do strict referer checking. If you’re concerned about privacy, use alternatives like <a rel="noreferrer" …> for links to third-party sites.'
    ),  # conf
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),  # auth
    ngettext_noop(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),  # auth
    gettext_noop("Your password can’t be too similar to your other personal information."),  # auth
    gettext_noop("Your password can’t be a commonly used password."),  # auth
    gettext_noop("Your password can’t be entirely numeric."),  # auth
    gettext_noop("Are you sure?"),  # admin
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),  # admin
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),  # admin
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),  # admin
    gettext_noop("You don’t have permission to view or edit anything."),  # admin
    gettext_noop("First, enter a username and password. Then, you’ll be able to edit more user options."),  # admin
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related objects, but your account doesn't have permission to delete the following types of objects:"
    ),  # admin
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the following related items will be deleted:'
    ),  # admin
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but your account doesn't have permission to delete the following types of objects:"
    ),  # admin
    gettext_noop("Your password was changed."),  # admin
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can verify you typed it in correctly."
    ),  # admin
    gettext_noop("Your password has been set.  You may go ahead and log in now."),  # admin
    gettext_noop("Please enter your new password twice so we can verify you typed it in correctly."),  # admin
    gettext_noop(
        "We’ve emailed you instructions for setting your password, if an account exists with the email you entered. You should receive them shortly."
    ),  # admin
    gettext_noop(
        "If you don’t receive an email, please make sure you’ve entered the address you registered with, and check your spam folder."
    ),  # admin
    gettext_noop(
        "You're receiving this email because you requested a password reset for your user account at %(site_name)s."
    ),  # admin
    gettext_noop("Your username, in case you’ve forgotten:"),  # admin
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we’ll email instructions for setting a new one."
    ),  # admin
)
