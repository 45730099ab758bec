#!/usr/bin/env python3
"""Verify a committee archive handed over as a ZIP (换届移交), offline, with
Python's standard library alone:

    python verify_archive.py archive.zip

Checks that every record's hash is the SHA-256 of the hash before it and of
its canonical content, that the positions run 1, 2, 3 … without a gap, that
every file in the ZIP has the hash its record names, and that the manifest's
head is the last record's hash. Exits 0 when intact, 1 when not.

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


def verify_zip(path: str) -> list[str]:
    """The problems found, in chain order; an empty list means intact."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        previous = GENESIS
        for position, entry in enumerate(manifest["records"], start=1):
            number = entry["number"]
            record = json.loads(archive.read(entry["json"]))
            content = record["content"]
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
                digest = hashlib.sha256()
                with archive.open(member) as handle:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
                if digest.hexdigest() != file["sha256"]:
                    problems.append(f"{number}: file {file['name']} was changed")
            previous = record["hash"]
        if manifest["head_hash"] != previous or manifest["count"] != len(manifest["records"]):
            problems.append("the manifest's head and count do not match the last record")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1])
        return 2
    try:
        problems = verify_zip(argv[1])
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        print(f"BROKEN: the archive cannot be read ({error})")
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
