"""The smoke run's driver: uses the production site over HTTP as its people
would, with nothing but the standard library. .ci/smoke starts the site and
runs this; see there and README.md's Production section.

    python .ci/smoke_drive.py --port PORT --mail FOLDER --static-root DIR \\
        --admin USERNAME --admin-password PASSWORD [--plain-port PORT]

The site runs with DEBUG=0 behind a notional HTTPS proxy: every request but
the plain-http checks carries X-Forwarded-Proto: https (TRUST_X_FORWARDED_PROTO=1).
With --plain-port the proxy is real (nginx, DEPLOYMENT.md): --port is its
HTTPS listener (a self-signed certificate) and --plain-port its plain one.
Exits non-zero with the step that failed."""

from __future__ import annotations

import argparse
import email
import email.policy
import gzip
import http.client
import json
import re
import secrets
import ssl
import struct
import sys
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

TIMEOUT = 60


class SmokeFailure(Exception):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- HTML forms -------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def filled(self, **values: str) -> list[tuple[str, str]]:
        """The fields as a browser would send them, with these set (or added)."""
        out = [(n, values.get(n, v)) for n, v in self.fields]
        present = {n for n, _ in self.fields}
        out += [(n, v) for n, v in values.items() if n not in present]
        return out


class FormParser(HTMLParser):
    """Every <form> with what a browser would submit by default: text and
    hidden inputs, checked boxes and radios, the selected (or first) option."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._closed: set[int] = set()
        self._option_selected = False
        self._in_option = False
        self._select: tuple[str, bool] | None = None
        self._select_first: str | None = None
        self._select_chosen: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self.forms.append(
                Form(
                    action=a.get("action", ""),
                    method=a.get("method", "get").lower(),
                    enctype=a.get("enctype", "application/x-www-form-urlencoded"),
                )
            )
            return
        form = self._open_form()
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                form.options.setdefault(name, []).append(a.get("value", "on"))
                return
            form.fields.append((name, a.get("value", "on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._select_first = None
            self._select_chosen = None
            form.options[name] = []
        elif tag == "option" and self._select:
            self._in_option = True
            self._option_value = a.get("value")
            self._option_text = ""
            self._option_selected = "selected" in a
        elif tag == "textarea" and name:
            self._textarea = name
            self._textarea_text = ""

    def handle_data(self, data: str) -> None:
        if self._in_option:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        form = self._open_form()
        if tag == "option" and self._in_option and self._select and form is not None:
            self._in_option = False
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            form.options[self._select[0]].append(value)
            if self._select_first is None:
                self._select_first = value
            if self._option_selected:
                if self._select[1]:
                    form.fields.append((self._select[0], value))
                else:
                    self._select_chosen = value
        elif tag == "select" and self._select and form is not None:
            name, multiple = self._select
            if not multiple:
                chosen = self._select_chosen if self._select_chosen is not None else self._select_first
                if chosen is not None:
                    form.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form.fields.append((self._textarea, self._textarea_text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and form is not None:
            self._closed.add(id(form))

    def _open_form(self) -> Form | None:
        if self.forms and id(self.forms[-1]) not in self._closed:
            return self.forms[-1]
        return None


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


# --- an HTTP client with cookies, behind the notional proxy -------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def forms(self) -> list[Form]:
        return parse(self.text).forms

    def form(self, *, action: str | None = None, having: str | None = None) -> Form:
        for form in self.forms():
            if action is not None and not re.search(action, form.action or self.url):
                continue
            if having is not None and form.value(having) is None and having not in form.options:
                continue
            return form
        raise SmokeFailure(f"{self.url}: no form (action {action!r}, field {having!r}) on the page")


@dataclass
class Proxy:
    """Where the plain-http requests go when a real TLS proxy is in front."""

    plain_port: int | None = None


PROXY = Proxy()


class Client:
    def __init__(self, port: int, *, language: str) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.language = language
        self.cookies: dict[str, str] = {}
        self.last_url = "/"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        https: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Response:
        connection: http.client.HTTPConnection
        sent = {"Accept-Language": self.language, "User-Agent": "committee-site-smoke"}
        if PROXY.plain_port is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            if https:
                sent["X-Forwarded-Proto"] = "https"
        elif https:
            # The test's own self-signed certificate.
            unverified = ssl._create_unverified_context()  # noqa: S323
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=TIMEOUT, context=unverified)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", PROXY.plain_port, timeout=TIMEOUT)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            # What a browser sends with a form: the CSRF check compares them with the host.
            sent["Origin"] = self.origin
            sent["Referer"] = self.origin + self.last_url
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        raw = connection.getresponse()
        response = Response(raw.status, raw.headers, raw.read(), path)
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if method == "GET" and response.status == 200:
            self.last_url = path
        return response

    def get(self, path: str, **kwargs: object) -> Response:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def page(self, path: str) -> Response:
        response = self.get(path)
        expect(response.status == 200, f"GET {path} answered {response.status}: {response.text[:500]}")
        return response

    def submit(
        self,
        page: Response,
        form: Form,
        values: list[tuple[str, str]],
        files: Sequence[tuple[str, str, bytes]] = (),
    ) -> Response:
        action = urljoin(page.url, form.action) if form.action else page.url
        if form.enctype == "multipart/form-data":
            body, content_type = multipart(values, files)
        else:
            body, content_type = urlencode(values).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", action, body=body, content_type=content_type)

    def submit_expecting_redirect(self, page: Response, form: Form, values: list[tuple[str, str]], **kw: object) -> str:
        response = self.submit(page, form, values, **kw)  # type: ignore[arg-type]
        if response.status != 302:
            errors = re.findall(
                r'class="[^"]*(?:invalid-feedback|errorlist|alert-danger)[^"]*"[^>]*>(.*?)</', response.text, re.S
            )
            raise SmokeFailure(
                f"POST {form.action or page.url} answered {response.status}, not a redirect; "
                f"errors on the page: {[re.sub(r'<[^>]+>', '', e).strip() for e in errors][:10]}"
            )
        location = urlsplit(response.header("Location"))
        return location.path + (f"?{location.query}" if location.query else "")


def multipart(values: list[tuple[str, str]], files: Sequence[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = f"----smoke{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in values:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: image/png\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def png(width: int, height: int) -> bytes:
    """A photo-like gradient, made without Pillow (the driver needs the standard library only)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# --- the mail sink ----------------------------------------------------------------------


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.folder.glob("*.eml"), key=lambda p: int(p.stem)):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    def wait_for(self, *, to: str, subject_has: str, what: str) -> EmailMessage:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for message in self.messages():
                if to in str(message["To"]) and subject_has in str(message["Subject"]):
                    return message
            time.sleep(0.5)
        seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
        raise SmokeFailure(
            f"no e-mail {what} to {to} (subject with {subject_has!r}) within {TIMEOUT} s; sink has {seen}"
        )


# --- the run ------------------------------------------------------------------------------


STARTED = time.monotonic()


def step(title: str) -> None:
    print(f"-- {time.monotonic() - STARTED:5.1f} s  {title}", flush=True)


def wait_until_healthy(port: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = Client(port, language="en").get("/healthz/", https=False)
            if response.status == 200:
                expect(json.loads(response.body) == {"status": "ok", "database": "ok", "broker": "ok"}, response.text)
                return
            last = f"{response.status} {response.text[:200]}"
        except OSError as error:
            last = repr(error)
        time.sleep(0.5)
    raise SmokeFailure(f"/healthz/ did not answer 200 within {TIMEOUT} s: {last}")


def check_secure_defaults(port: int) -> None:
    plain = Client(port, language="en").get("/accounts/login/", https=False)
    expect(plain.status == 301, f"plain http should redirect to https, answered {plain.status}")
    expect(
        plain.header("Location") == f"https://127.0.0.1:{port}/accounts/login/",
        f"redirect to {plain.header('Location')}",
    )
    page = Client(port, language="en").page("/accounts/login/")
    expect("max-age=31536000" in page.header("Strict-Transport-Security"), "no HSTS header")
    expect("script-src 'self'" in page.header("Content-Security-Policy"), "no Content-Security-Policy")
    cookies = page.headers.get_all("Set-Cookie") or []
    csrf = [c for c in cookies if c.startswith("csrftoken=")]
    expect(csrf and "Secure" in csrf[0], f"the CSRF cookie is not Secure: {cookies}")


def check_static(port: int, static_root: Path) -> None:
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    page = Client(port, language="en").page("/accounts/login/")
    css = manifest["css/site.css"]
    expect(f"/static/{css}" in page.text, f"the page does not link the hashed /static/{css}")
    chart = manifest["vendor/chart.js-4.6.1/chart.umd.js"]
    client = Client(port, language="en")
    response = client.get(f"/static/{chart}", headers={"Accept-Encoding": "gzip"})
    expect(response.status == 200, f"/static/{chart} answered {response.status}")
    cache = response.header("Cache-Control")
    expect("max-age=315360000" in cache and "immutable" in cache, f"/static/{chart}: Cache-Control {cache!r}")
    expect(response.header("Content-Encoding") == "gzip", "static file not served compressed")
    expect(gzip.decompress(response.body).startswith(b"/*!\n * Chart.js v4.6.1"), "wrong static content")
    css_response = client.get(f"/static/{css}")
    expect(css_response.status == 200 and "max-age=315360000" in css_response.header("Cache-Control"), "site.css")


def sign_in(client: Client, path: str, username: str, password: str) -> None:
    page = client.page(path)
    form = page.form(having="username")
    location = client.submit_expecting_redirect(page, form, form.filled(username=username, password=password))
    expect("login" not in location, f"sign-in of {username} went back to {location}")


def admin_add(client: Client, model: str, values: dict[str, str]) -> int:
    """Add one object in the Django admin and return its id (from the change page it continues to)."""
    page = client.page(f"/admin/committee_site/{model}/add/")
    form = page.form(having="csrfmiddlewaretoken", action=r"^$|add")
    location = client.submit_expecting_redirect(page, form, form.filled(**values, _continue="1"))
    match = re.search(rf"/admin/committee_site/{model}/(\d+)/change/", location)
    expect(match, f"adding a {model} led to {location}")
    assert match is not None
    return int(match.group(1))


def admin_change(client: Client, model: str, pk: int, values: dict[str, str]) -> Response:
    page = client.page(f"/admin/committee_site/{model}/{pk}/change/")
    form = page.form(having="csrfmiddlewaretoken", action=r"^$|change")
    client.submit_expecting_redirect(page, form, form.filled(**values, _continue="1"))
    return client.page(f"/admin/committee_site/{model}/{pk}/change/")


def run(args: argparse.Namespace) -> None:
    port = args.port
    mailbox = Mailbox(Path(args.mail))
    suffix = secrets.token_hex(3)

    step("/healthz/ answers 200 over plain http (the load balancer's probe)")
    wait_until_healthy(port)

    step("production defaults: http redirects to https, HSTS, CSP, Secure cookies")
    check_secure_defaults(port)

    step("static files: hashed names from the manifest, far-future caching, compressed")
    check_static(port, Path(args.static_root))

    step("the administrator sets up the compound and its committee in /admin/")
    admin = Client(port, language="en")
    sign_in(admin, "/admin/login/?next=/admin/", args.admin, args.admin_password)
    committee_id = admin_add(
        admin, "organisation", {"name": "阳光花园业主委员会", "name_en": "Sunny Garden committee", "kind": "committee"}
    )
    compound_id = admin_add(
        admin,
        "compound",
        {
            "name": "阳光花园",
            "name_en": "Sunny Garden",
            "address": "1 Sunny Road",
            "committee": str(committee_id),
            "buildings-TOTAL_FORMS": "1",
            "buildings-0-number": "3",
            "buildings-0-sort_key": "3",
        },
    )
    compound_page = admin.page(f"/admin/committee_site/compound/{compound_id}/change/")
    building_id = compound_page.form(having="buildings-0-id").value("buildings-0-id")
    expect(building_id, "the compound has no building 3")
    admin_add(admin, "unit", {"number": "1502", "building": str(building_id)})
    chair_password = secrets.token_urlsafe(12)
    chair_id = admin_add(
        admin,
        "user",
        {"username": "chair", "usable_password": "true", "password1": chair_password, "password2": chair_password},
    )
    chair_email = f"chair-{suffix}@example.org"
    admin_change(
        admin,
        "user",
        chair_id,
        {
            "first_name": "Li",
            "last_name": "Chair",
            "email": chair_email,
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-organisation": str(committee_id),
            "memberships-0-role": "committee_chair",
            "memberships-0-active": "on",
        },
    )

    step("an owner applies for an account through the public form")
    owner = Client(port, language="en")
    owner_email = f"owner-{suffix}@example.org"
    owner_password = secrets.token_urlsafe(12)
    page = owner.page("/accounts/apply/")
    form = page.form(having="unit_number")
    location = owner.submit_expecting_redirect(
        page,
        form,
        form.filled(
            full_name="Wang Owner",
            phone="13800138000",
            email=owner_email,
            building=str(building_id),
            unit_number="1502",
            username="owner",
            password1=owner_password,
            password2=owner_password,
            note="Smoke run",
        ),
    )
    expect(location == "/accounts/apply/done/", f"the application led to {location}")

    step("the committee chair signs in through the form and approves the application")
    chair = Client(port, language="zh-hans")
    sign_in(chair, "/accounts/login/", "chair", chair_password)
    applications = chair.page("/applications/")
    links = sorted({link for link in parse(applications.text).links if re.fullmatch(r"/applications/\d+/", link)})
    expect(len(links) == 1, f"the chair sees applications {links}")
    detail = chair.page(links[0])
    form = detail.form(action=r"/approve/$")
    chair.submit_expecting_redirect(detail, form, form.fields)
    mailbox.wait_for(
        to=owner_email, subject_has="account for Sunny Garden is ready", what="telling the owner the account is ready"
    )

    step("the owner signs in through the form and files a complaint with a photo")
    sign_in(owner, "/accounts/login/", "owner", owner_password)
    page = owner.page("/complaints/new/")
    form = page.form(having="title")
    expect(form.enctype == "multipart/form-data", "the complaint form does not upload files")
    photo = png(320, 240)
    location = owner.submit_expecting_redirect(
        page,
        form,
        # The form chooses no place and no category for the owner: the owner does.
        form.filled(
            where=next(value for value in form.options["where"] if value.startswith("unit:")),
            category=next(value for value in form.options["category"] if value),
            title="The lift in building 3 is broken",
            description="Stuck on the 9th floor since this morning.",
        ),
        files=[("photos", "lift.png", photo)],
    )
    match = re.fullmatch(r"/complaints/(\d+)/", location)
    expect(match, f"filing the complaint led to {location}")
    assert match is not None
    complaint_path = location
    detail = owner.page(complaint_path)
    reference = re.search(r"TS-?\d[\d-]*", detail.text)
    expect(reference, "the complaint page shows no reference")
    assert reference is not None
    photos = sorted(set(re.findall(rf"{complaint_path}photos/\d+/", detail.text)))
    expect(len(photos) == 1, f"the complaint page shows photos {photos}")
    image = owner.get(photos[0])
    expect(image.status == 200 and image.body[:2] == b"\xff\xd8", f"the photo answered {image.status}")
    expect(image.header("Content-Type") == "image/jpeg", f"the photo came as {image.header('Content-Type')!r}")
    expect(image.header("Content-Disposition").startswith("inline;"), "the photo is not shown inline")
    expect(image.header("X-Content-Type-Options") == "nosniff", "the photo may be sniffed")
    expect(not image.header("X-Accel-Redirect"), "the proxy passed its internal redirect on to the browser")
    expect(chair.get(complaint_path).status == 200, "the chair cannot open the complaint")
    mailbox.wait_for(to=owner_email, subject_has=reference.group(0), what="confirming the complaint")
    mailbox.wait_for(to=chair_email, subject_has=reference.group(0), what="telling the committee of the complaint")

    step("the committee chair accepts it; the worker e-mails the owner")
    detail = chair.page(complaint_path)
    form = detail.form(action=r"/accept/$")
    chair.submit_expecting_redirect(detail, form, form.fields)
    message = mailbox.wait_for(
        to=owner_email, subject_has=f"{reference.group(0)}: Accepted", what="telling the owner it is accepted"
    )
    body = message.get_content()
    expect(f"/complaints/{match.group(1)}/" in body, f"the e-mail has no link to the complaint: {body!r}")
    expect(owner.page(complaint_path).text.count("Accepted") >= 1, "the owner's page does not show it accepted")

    step("still healthy")
    wait_until_healthy(port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mail", required=True)
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--plain-port", type=int, help="a real TLS proxy's plain-http port; --port is its HTTPS one")
    args = parser.parse_args()
    PROXY.plain_port = args.plain_port
    try:
        run(args)
    except SmokeFailure as failure:
        print(f"SMOKE FAILED: {failure}", file=sys.stderr, flush=True)
        sys.exit(1)
    print("smoke run passed", flush=True)


if __name__ == "__main__":
    main()
