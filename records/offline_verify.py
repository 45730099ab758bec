#!/usr/bin/env python3
"""Verify a committee archive handed over as a ZIP (换届移交), offline, with
Python's standard library alone:

    python3 verify_archive.py archive.zip [HEAD_HASH ...]

Checks that every record's hash is the SHA-256 of the hash before it and of
its canonical content, that the positions run 1, 2, 3 … without a gap, that
every file in the ZIP has the hash its record names, and that the manifest's
head is the last record's hash; and that each HEAD_HASH given (one published
on the owners' board or in a quarterly report) is still in the chain, so a
chain cut short after it is noticed too. Exits 0 when intact, 1 when not.

The site computes its hashes with the functions below (records/chain.py
imports them), so the two can never disagree."""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from typing import Any

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_hash(previous_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical(content)}".encode()).hexdigest()


def _file_digest(archive: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_problems(
    archive: zipfile.ZipFile, names: set[str], entry: dict[str, Any], position: int, previous: str, compound: Any
) -> tuple[list[str], str]:
    """What is wrong with one record of the manifest, and its hash (the link
    the next record must follow)."""
    number = entry["number"]
    if entry["json"] not in names:
        return [f"{number}: its record is missing from the archive"], entry["hash"]
    try:
        record = json.loads(archive.read(entry["json"]))
    except (zipfile.BadZipFile, ValueError) as error:
        return [f"{number}: its record cannot be read ({error})"], entry["hash"]
    problems = []
    content = record["content"]
    if content["number"] != number:
        problems.append(f"{number}: its file holds record {content['number']}")
    if content["compound"] != compound:
        problems.append(f"{number}: belongs to another compound")
    if content["sequence"] != position:
        problems.append(f"{number}: position {content['sequence']}, expected {position} (a record is missing)")
    if record["previous_hash"] != previous:
        problems.append(f"{number}: does not follow the record before it")
    if record_hash(record["previous_hash"], content) != record["hash"]:
        problems.append(f"{number}: its content does not match its hash")
    if entry["hash"] != record["hash"]:
        problems.append(f"{number}: the manifest names another hash")
    for file in content["files"]:
        member = record["files_in_zip"].get(str(file["position"]))
        if not member or member not in names:
            if not record["disposed"]:
                problems.append(f"{number}: file {file['name']} is missing")
            continue
        try:
            digest = _file_digest(archive, member)
        except zipfile.BadZipFile as error:
            problems.append(f"{number}: file {file['name']} is damaged ({error})")
            continue
        if digest != file["sha256"]:
            problems.append(f"{number}: file {file['name']} was changed")
    return problems, record["hash"]


def verify_zip(path: str, known_heads: tuple[str, ...] = ()) -> list[str]:
    """The problems found, in chain order; an empty list means intact.
    `known_heads`: hashes published earlier (the owners' board, a quarterly
    report), each of which must still be in the chain."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        previous = GENESIS
        wanted = {head.strip().lower() for head in known_heads}
        seen = set()
        for position, entry in enumerate(manifest["records"], start=1):
            found, previous = _record_problems(archive, names, entry, position, previous, manifest["compound"])
            problems.extend(found)
            if previous in wanted:
                seen.add(previous)
        if manifest["head_hash"] != previous or manifest["count"] != len(manifest["records"]):
            problems.append("the manifest's head and count do not match the last record")
        for head in sorted(wanted - seen):
            problems.append(f"the head {head} is not in this chain (records were removed or rewritten)")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1])
        return 2
    try:
        problems = verify_zip(argv[1], tuple(argv[2:]))
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
        print(f"BROKEN: the archive cannot be read ({error!r})")
        return 1
    if problems:
        print("BROKEN:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("INTACT")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
