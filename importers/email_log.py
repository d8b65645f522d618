"""An e-mail log as interactions: what a mail server's message trace exports.

A CSV with a timestamp, the sender's address and the recipients' addresses (``;`` or
``,`` between them), one row per message — or one row per recipient with a message id
(Exchange's ``Get-MessageTrace``: ``Received``, ``SenderAddress``, ``RecipientAddress``,
``MessageId``), folded into one message. Addresses are matched, ignoring case, to the
``email`` of contacts and team members (in the store or in the same import); an address
that matches no one is counted and reported, never invented as a person. A message
becomes an ``email`` interaction when it links one of ours and one of theirs, or two or
more of theirs (for inferred influence); its sender is recorded so answered mail counts
as two-way. Its id is the message id, or a hash of timestamp, sender and recipients, so
re-importing the log changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from graph.exceptions import ImportProblem, ImportRejected
from graph.model import parse_time
from graph.store import GraphStore
from graph.vocabulary import parse_date, parse_text
from importers.tabular import RawTable, _csv_row_numbers, _normalise, read_csv_text

__all__ = ["EMAIL_LOG", "looks_like_email_log", "read_email_log", "resolve_email_logs"]

#: The raw table name of an e-mail log before its addresses are matched.
EMAIL_LOG = "email_log"

_HEADERS = {
    "timestamp": ("timestamp", "date", "time", "datetime", "date_time", "sent", "sent_at", "received",
                  "origin_timestamp", "origin_timestamp_utc", "unix_time", "发送时间", "时间", "日期"),
    "sender": ("sender", "from", "sender_address", "senderaddress", "from_address", "发件人", "发件人地址"),
    "recipients": ("recipients", "to", "recipient", "recipient_address", "recipientaddress", "to_address",
                   "recipient_addresses", "收件人", "收件人地址"),
    "cc": ("cc", "抄送"),
    "message_id": ("message_id", "messageid", "internet_message_id", "network_message_id", "邮件编号"),
    "subject": ("subject", "message_subject", "主题"),
}
_SPLIT = re.compile(r"[;,，；\s]+")
_ADDRESS = re.compile(r"<([^>]*)>")
_QUOTED = re.compile(r'"[^"]*"')
_PLAIN_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def _columns(headers: Iterable[object]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        key = _normalise(header)
        for column, aliases in _HEADERS.items():
            if key in aliases and column not in found:
                found[column] = str(header)
    return found


def looks_like_email_log(path: Path) -> bool:
    """A CSV whose header names a timestamp, a sender and recipients."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    first = read_csv_text(path).split("\n", 1)[0]
    headers = next(csv.reader(io.StringIO(first)), [])
    return {"timestamp", "sender", "recipients"} <= set(_columns(headers))


def read_email_log(path: Path) -> RawTable:
    """The log's messages as a raw ``email_log`` table (addresses not yet matched)."""
    text = read_csv_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ImportRejected([ImportProblem(str(path), None, None, f"not a readable CSV file: {err}")]) from err
    found = _columns(frame.columns)
    missing = [c for c in ("timestamp", "sender", "recipients") if c not in found]
    if missing:
        raise ImportRejected([ImportProblem(str(path), None, None,
                                            f"an e-mail log needs a {c} column") for c in missing])
    data = pd.DataFrame({c: frame[h] for c, h in found.items()}, dtype=object)
    return RawTable(EMAIL_LOG, str(path), data, _csv_row_numbers(text, len(frame)),
                    {c: h for c, h in found.items()})


def resolve_email_logs(tables: list[RawTable], store: GraphStore | None) -> tuple[list[RawTable], list[str]]:
    """Replace each ``email_log`` table by an ``interactions`` table; plus warnings that
    count the addresses that matched no one."""
    logs = [t for t in tables if t.table == EMAIL_LOG]
    if not logs:
        return tables, []
    people = _directory(tables, store)
    out = [t for t in tables if t.table != EMAIL_LOG]
    warnings = []
    for log in logs:
        table, said = _resolve(log, people)
        if table is not None:
            out.append(table)
        warnings += said
    return out, warnings


def _addresses(value: object, unreadable: list[str] | None = None) -> list[str]:
    """Every address in a cell, in every form one cell may mix: ``Name <a@b>``,
    ``"Lee, Tom" <t@b>`` and bare ``a@b``, separated by ``;`` ``,`` or spaces. Entries that
    look like an address but are not one (``bob@``) are added to ``unreadable``."""
    text = parse_text(value)
    if not text:
        return []
    found = [a.strip() for a in _ADDRESS.findall(text)]
    rest = _QUOTED.sub(" ", _ADDRESS.sub(" ", text))  # display names may hold separators
    found += [p for p in _SPLIT.split(rest) if "@" in p]
    out = []
    for part in found:
        address = part.strip().strip("'\"").lower()
        if _PLAIN_ADDRESS.fullmatch(address):
            out.append(address)
        elif unreadable is not None:
            unreadable.append(part)
    return list(dict.fromkeys(out))


def _directory(tables: list[RawTable], store: GraphStore | None) -> dict[str, tuple[str, str, str | None]]:
    """address → (side, id, account) for contacts and team members, the import's own first."""
    people: dict[str, tuple[str, str, str | None]] = {}
    if store is not None:
        for table, side in (("team", "team"), ("contacts", "contact")):
            after = None
            while True:
                page = store.list_records(table, limit=5000, after=after)
                for row in page:
                    if row.get("email"):
                        people[row["email"].strip().lower()] = (side, row["id"], row.get("account_id"))
                if len(page) < 5000:
                    break
                after = page[-1]["key"]
    for raw in tables:
        side = {"team": "team", "contacts": "contact"}.get(raw.table)
        if side is None or not {"id", "email"} <= set(raw.frame.columns):
            continue
        accounts = raw.frame["account_id"] if "account_id" in raw.frame.columns else [None] * len(raw.frame)
        for pid, email, account in zip(raw.frame["id"], raw.frame["email"], accounts):
            pid, email = parse_text(pid), parse_text(email)
            if pid and email:
                people[email.lower()] = (side, pid, parse_text(account))
    return people


def _resolve(log: RawTable, people: dict) -> tuple[RawTable | None, list[str]]:
    frame = log.frame
    messages: dict[str, dict] = {}
    order: list[str] = []
    unmatched: Counter[str] = Counter()
    unreadable: list[tuple[int, list[str]]] = []
    problems = []
    for pos, row_no in enumerate(log.rows):
        row = {c: frame[c].iat[pos] for c in frame.columns}
        try:
            date = parse_date(_unix(row["timestamp"]))
            time = parse_time(_unix(row["timestamp"])) if date else None
        except ValueError as err:
            problems.append(ImportProblem(log.file, row_no, log.headers["timestamp"], str(err)))
            continue
        if date is None:
            problems.append(ImportProblem(log.file, row_no, log.headers["timestamp"], "missing timestamp"))
            continue
        bad: list[str] = []
        sender = next(iter(_addresses(row["sender"], bad)), None)
        recipients = _addresses(row["recipients"], bad) + _addresses(row.get("cc"), bad)
        if bad:
            unreadable.append((row_no, bad))
        key = parse_text(row.get("message_id")) or hashlib.sha1(
            "|".join([date.isoformat(), time or "", sender or "", *sorted(set(recipients))]).encode()).hexdigest()[:20]
        message = messages.get(key)
        if message is None:
            message = messages[key] = {"date": date, "time": time, "sender": sender, "to": set(), "row": row_no,
                                       "subject": parse_text(row.get("subject"))}
            order.append(key)
        message["to"] |= set(recipients)
    if problems:
        raise ImportRejected(problems)
    records, rows = [], []
    skipped = 0
    mentions = Counter()
    for key in order:
        m = messages[key]
        team, contacts, accounts = set(), set(), Counter()
        sender_id = None
        for address in [m["sender"], *sorted(m["to"])]:
            if address is None:
                continue
            person = people.get(address)
            if person is None:
                unmatched[address] += 1
                continue
            side, pid, account = person
            (team if side == "team" else contacts).add(pid)
            if side == "contact" and account:
                accounts[account] += 1
            if address == m["sender"]:
                sender_id = pid
        for address in {a for a in [m["sender"], *m["to"]] if a and a not in people}:
            mentions[address] += 1
        if not contacts or (not team and len(contacts) < 2) or not accounts:
            skipped += 1
            continue
        account = sorted(accounts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        records.append({"id": key if key.startswith("mail-") else f"mail-{key}", "date": m["date"].isoformat(),
                        "time": m["time"], "type": "email", "account_id": account, "subject": m["subject"],
                        "team_ids": ";".join(sorted(team)) or None, "contact_ids": ";".join(sorted(contacts)),
                        "sender_id": sender_id})
        rows.append(m["row"])
    warnings = []
    name = log.file
    if unmatched:
        examples = ", ".join(a for a, _ in unmatched.most_common(3))
        warnings.append(f"{name}: {len(unmatched)} addresses matched no contact or team member "
                        f"(in {sum(1 for k in order if any(a in mentions for a in [messages[k]['sender'], *messages[k]['to']]))}"
                        f" messages; not added as people; most frequent: {examples})")
    if unreadable:
        examples = "; ".join(f"row {row}: {', '.join(map(repr, bad))}" for row, bad in unreadable[:3])
        warnings.append(f"{name}: {sum(len(bad) for _, bad in unreadable)} entries in {len(unreadable)} rows are "
                        f"not e-mail addresses and were left out ({examples})")
    if skipped:
        warnings.append(f"{name}: {skipped} of {len(order)} messages skipped: they link none of our team "
                        "with a contact (nor two contacts)")
    if not records:
        return None, warnings
    table = RawTable("interactions", name, pd.DataFrame(records, dtype=object), rows,
                     {"id": log.headers.get("message_id", "message"), "date": log.headers["timestamp"],
                      "time": log.headers["timestamp"], "team_ids": log.headers["sender"],
                      "contact_ids": log.headers["recipients"], "sender_id": log.headers["sender"],
                      "subject": log.headers.get("subject", "subject")})
    return table, warnings


def _unix(value: object) -> object:
    """Unix seconds (what some traces export) as an ISO timestamp; anything else as it is."""
    text = parse_text(value)
    if text and re.fullmatch(r"\d{9,11}(\.\d+)?", text):
        return pd.Timestamp(float(text), unit="s").isoformat()
    return value
