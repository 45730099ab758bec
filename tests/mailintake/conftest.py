"""A real IMAP server for the poller's tests: Debian's Dovecot, started once
for this folder's tests as a private instance in a temporary folder (its own
configuration, users, maildir, sockets and log), on a free port of
127.0.0.1, without TLS."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
USER = "tousu"
PASSWORD = "dovecot-test-password"
INSTALL = "sudo apt-get install dovecot-imapd"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _version() -> tuple[int, int]:
    printed = subprocess.run([DOVECOT or "dovecot", "--version"], capture_output=True, text=True, check=True).stdout
    found = re.match(r"(\d+)\.(\d+)", printed.strip())
    return (int(found.group(1)), int(found.group(2))) if found else (2, 3)


def _accounts() -> dict[str, str]:
    """Who the server's processes and the mailbox run as. Root runs its
    processes as Debian's dovecot and dovenull accounts (Dovecot refuses to
    run its login process as root, and mail as UID 0); anyone else runs every
    process as themselves, without chroot."""
    if os.geteuid() == 0:
        internal = pwd.getpwnam("dovecot")
        return {
            "internal_user": "dovecot",
            "internal_group": grp.getgrgid(internal.pw_gid).gr_name,
            "login_user": "dovenull",
            "uid": str(internal.pw_uid),
            "gid": str(internal.pw_gid),
            "chroot": "",
        }
    me = pwd.getpwuid(os.geteuid())
    return {
        "internal_user": me.pw_name,
        "internal_group": grp.getgrgid(os.getegid()).gr_name,
        "login_user": me.pw_name,
        "uid": str(os.geteuid()),
        "gid": str(os.getegid()),
        "chroot": "service imap-login {\n  chroot =\n}\nservice anvil {\n  chroot =\n}\n",
    }


def _configuration(root: Path, port: int, accounts: dict[str, str]) -> str:
    passwd = root / "passwd"
    common = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = committee-site-tests-{port}
log_path = {root}/dovecot.log
ssl = no
auth_mechanisms = plain login
# A wrong password is answered at once, not after Dovecot's usual two seconds.
auth_failure_delay = 0
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = {accounts["internal_user"]}
default_internal_group = {accounts["internal_group"]}
default_login_user = {accounts["login_user"]}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{accounts["chroot"]}"""
    if _version() >= (2, 4):
        return f"""dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = ~/Maildir
passdb passwd-file {{
  passwd_file_path = {passwd}
  default_password_scheme = PLAIN
}}
userdb passwd-file {{
  passwd_file_path = {passwd}
}}
"""
    return f"""{common}
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
"""


def _found(pattern: bytes, text: Any) -> bytes:
    found = re.search(pattern, text if isinstance(text, bytes) else b"")
    assert found, (pattern, text)
    return found.group(1)


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        conn.select("INBOX")
        return conn

    def append(self, raw: bytes) -> int:
        """Deliver a message into INBOX, as the mail server would; its UID."""
        conn = self.connect()
        try:
            # typeshed has append() return a str; it returns (status, data).
            answer: Any = conn.append("INBOX", None, None, raw)  # type: ignore[arg-type]
            status, data = answer
            assert status == "OK", data
            return int(_found(rb"APPENDUID \d+ (\d+)", data[0]))
        finally:
            conn.logout()

    def size(self, uid: int) -> int:
        """The size the server gives the message (RFC822.SIZE)."""
        conn = self.connect()
        try:
            status, data = conn.uid("FETCH", str(uid), "(RFC822.SIZE)")
            assert status == "OK", data
            return int(_found(rb"RFC822\.SIZE (\d+)", data[0]))
        finally:
            conn.logout()

    def flags(self) -> dict[int, set[str]]:
        """Every message's flags, by UID."""
        conn = self.connect()
        try:
            status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", data
            return {
                int(_found(rb"UID (\d+)", item)): set(_found(rb"FLAGS \(([^)]*)\)", item).decode().split())
                for item in data
                if isinstance(item, bytes) and b"UID" in item
            }
        finally:
            conn.logout()

    def empty(self) -> None:
        conn = self.connect()
        try:
            _status, data = conn.search(None, "ALL")
            if data and data[0]:
                conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()
        finally:
            conn.logout()


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    process.kill()
    logged = "\n".join(path.read_text(errors="replace") for path in (log, log.with_name("stderr.log")) if path.exists())
    pytest.fail(f"Dovecot did not answer on 127.0.0.1:{port}.\n{logged}")


# Started once for the tests of this folder and stopped after them.
@pytest.fixture(scope="package")
def dovecot() -> Iterator[ImapServer]:
    if DOVECOT is None:
        message = f"The IMAP tests need Debian's Dovecot: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    accounts = _accounts()
    # Not under pytest's tmp_path: Dovecot's own accounts must reach the
    # folder, and pytest makes its folders private to the user running it.
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    for folder in ("run", "state"):
        (root / folder).mkdir()
    home = root / "mail" / USER
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, int(accounts["uid"]), int(accounts["gid"]))
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{accounts['uid']}:{accounts['gid']}::{home}::\n")
    (root / "passwd").chmod(0o644)
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_configuration(root, port, accounts))
    log = root / "dovecot.log"
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=stderr, stderr=stderr)
    try:
        _wait_for(port, process, log)
        yield ImapServer(host="127.0.0.1", port=port, user=USER, password=PASSWORD, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot: ImapServer) -> ImapServer:
    """The server with an empty INBOX."""
    dovecot.empty()
    return dovecot
