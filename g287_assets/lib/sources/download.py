"""Bounded, checked downloads of ICE's 287(g) spreadsheets (and later Census files) into the inbox.

ICE overwrites its lists in place and keeps no archive, so a fetch that silently saves an error page, a
truncated body or a file from an unexpected host would corrupt the only history there is. Every fetch here
is therefore limited to named hosts (also across redirects), capped in size, retried only when a retry can
help, and returns bytes; writing is a separate, atomic step that never overwrites different content.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import requests

from g287_assets.lib.files import file_sha256, write_atomically
from g287_assets.lib.settings import ICE_HOSTS

LIST_KINDS = ("participating", "pending")
PAGE_MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
USER_AGENT = "g287/0.1 (public 287(g) agreement tracker)"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE = 64 * 1024
_MIRROR_NAME = re.compile(
    r"(?P<kind>participating|pending)Agencies_(?P<date>\d{4}-\d{2}-\d{2})_(?P<label>.+)\.xlsx"
)
_MIRROR_LABEL = re.compile(r"(?P<slot>nolabel|am|mid|pm|wb(?P<capture>\d{6}))(?P<revision>.*)")
_SLOT_ORDER = {"nolabel": 0, "am": 1, "mid": 2, "pm": 3}
_XLSX_WORD = re.compile(r"\bxlsx\b")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class DownloadError(RuntimeError):
    """A fetch that failed: HTTP error, exhausted retries, or a file that cannot be used."""


class DownloadRefused(DownloadError):
    """A fetch stopped on purpose (host not allowed, body too large): retrying would not help."""


class _TransientError(Exception):
    """A 5xx reply: the server may answer properly on a later attempt."""


_RETRYABLE = (
    _TransientError,
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class FetchedFile:
    """One fetched body with what is needed to prove later where and when it came from."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    sha256: str
    fetched_at: datetime


@dataclass(frozen=True)
class DownloadOutcome:
    """What became of one list: saved as new, skipped as already known, or refused with the reason."""

    kind: str
    url: str
    path: Path | None
    sha256: str | None
    status: str
    reason: str


def host_of(url: str) -> str:
    """The lower-case host name of a URL, without port, user info or trailing dot."""
    return (urlsplit(url).hostname or "").rstrip(".").lower()


def require_allowed_host(url: str, allowed_hosts: Iterable[str]) -> None:
    """Refuse any URL that is not http(s) on an allowed host, before a single byte is sent to it."""
    parts = urlsplit(url)
    host = host_of(url)
    allowed = {name.rstrip(".").lower() for name in allowed_hosts}
    if parts.scheme not in ("http", "https"):
        raise DownloadRefused(f"refused {url!r}: scheme {parts.scheme!r} is not http or https")
    if host not in allowed:
        raise DownloadRefused(f"refused {url!r}: host {host!r} is not one of {sorted(allowed)}")


def fetch_bytes(
    url: str,
    *,
    allowed_hosts: Iterable[str],
    max_bytes: int,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 1.0,
    session: requests.Session | None = None,
    accept: str | None = None,
) -> FetchedFile:
    """GET a URL into memory, following redirects only to allowed hosts and stopping past max_bytes.

    `timeout` applies to connecting and to each read. Timeouts, connection errors and 5xx replies are
    retried up to `retries` more times, waiting backoff, 2*backoff, 4*backoff... seconds; a 4xx reply, a
    refused host and an oversize body are final, because asking again would get the same answer.
    """
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    allowed = tuple(allowed_hosts)
    own_session = session is None
    http = requests.Session() if own_session else session
    request_headers = {"User-Agent": USER_AGENT, **({"Accept": accept} if accept else {})}
    attempts = retries + 1
    try:
        for attempt in range(1, attempts + 1):
            try:
                return _fetch_once(url, http, allowed, max_bytes, timeout, request_headers)
            except _RETRYABLE as error:
                failure = error
                if attempt < attempts:
                    time.sleep(backoff * 2 ** (attempt - 1))
    finally:
        if own_session:
            http.close()
    detail = str(failure) if isinstance(failure, _TransientError) else f"{type(failure).__name__}: {failure}"
    raise DownloadError(f"could not fetch {url}: {detail} (gave up after {attempts} attempts)") from failure


def _fetch_once(
    url: str,
    http: requests.Session,
    allowed_hosts: tuple[str, ...],
    max_bytes: int,
    timeout: float,
    request_headers: dict[str, str],
) -> FetchedFile:
    """One attempt: walk the redirect chain by hand, checking each hop's host, then stream the body."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        require_allowed_host(current, allowed_hosts)
        with http.get(
            current, headers=request_headers, timeout=timeout, stream=True, allow_redirects=False
        ) as response:
            location = response.headers.get("Location")
            if response.status_code in _REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if response.status_code >= 500:
                raise _TransientError(f"HTTP {response.status_code} from {current}")
            if not 200 <= response.status_code < 300:
                raise DownloadError(f"HTTP {response.status_code} from {current} (not retried)")
            body = read_capped(response, max_bytes, current)
            return FetchedFile(
                url=url,
                final_url=current,
                status=response.status_code,
                headers=dict(response.headers),
                body=body,
                sha256=hashlib.sha256(body).hexdigest(),
                fetched_at=datetime.now(UTC),
            )
    raise DownloadError(f"more than {MAX_REDIRECTS} redirects starting from {url}")


def read_capped(response: requests.Response, max_bytes: int, url: str) -> bytes:
    """The decoded body, refused as soon as it (or its announced length) passes max_bytes.

    Counting decoded bytes also bounds a small gzip-encoded reply that would inflate to gigabytes.
    """
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise DownloadRefused(f"refused {url}: larger than {max_bytes} bytes (announced {announced})")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=_CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise DownloadRefused(f"refused {url}: larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def looks_like_xlsx(body: bytes) -> bool:
    """True when the bytes are a zip holding `xl/workbook.xml`, the one part every xlsx workbook has.

    ICE has served HTML error pages under .xlsx names; checking the container, not the name or the
    Content-Type, keeps such pages out of the archive.
    """
    if not body.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(BytesIO(body)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def sniff_file_kind(body: bytes) -> str:
    """What the bytes really are ('xlsx', 'html', 'csv', 'empty', a damaged zip or 'unknown'), whatever the name says."""
    if not body.strip():
        return "empty"
    if looks_like_xlsx(body):
        return "xlsx"
    if body.startswith(b"PK\x03\x04") and not _is_readable_zip(body):
        return "a truncated or damaged zip"
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return "html"
    if b"\x00" not in head and b"," in head.split(b"\n", 1)[0] and _decodes_as_text(head):
        return "csv"
    return "unknown"


def _is_readable_zip(body: bytes) -> bool:
    """True when the bytes hold a zip's central directory (a cut-off download does not)."""
    try:
        with zipfile.ZipFile(BytesIO(body)):
            return True
    except zipfile.BadZipFile:
        return False


def _decodes_as_text(head: bytes) -> bool:
    """True when the bytes read as UTF-8 (a multi-byte character cut at the end is tolerated)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


@dataclass(frozen=True)
class _Anchor:
    href: str
    text: str
    title: str
    media_type: str


class _AnchorCollector(HTMLParser):
    """Collects every `<a href>` with its visible text, title and type attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[_Anchor] = []
        self._open: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._close_anchor()
            values = {name: value or "" for name, value in attrs}
            self._open = values if values.get("href", "").strip() else None
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._close_anchor()

    def _close_anchor(self) -> None:
        if self._open is not None:
            text = " ".join("".join(self._text).split())
            attrs = self._open
            self.anchors.append(
                _Anchor(attrs["href"].strip(), text, attrs.get("title", ""), attrs.get("type", ""))
            )
        self._open = None


def url_file_name(url: str) -> str:
    """The file name a URL points at: a `filename=` query value if present, else the path's last part."""
    parts = urlsplit(url)
    from_query = parse_qs(parts.query).get("filename", [""])[0]
    return from_query or unquote(parts.path.rsplit("/", 1)[-1])


def list_kind_named_in(*texts: str) -> str | None:
    """The first of the texts that names exactly one list kind decides it ('participating' or 'pending')."""
    for text in texts:
        named = [kind for kind in LIST_KINDS if kind in text.lower()]
        if len(named) == 1:
            return named[0]
    return None


def spreadsheet_evidence(anchor: _Anchor, absolute_url: str) -> int:
    """2 when the link says it is an xlsx, 1 for an ICE `/file-download/` link that says nothing, else 0.

    ICE's newer file-download paths can end in a numeric file id with no extension; such a link is only
    used when no link names an xlsx, and its body is still checked before it is kept.
    """
    path = urlsplit(absolute_url).path.lower()
    described = " ".join((url_file_name(absolute_url), anchor.text, anchor.title, anchor.media_type)).lower()
    if path.endswith(".xlsx") or _XLSX_WORD.search(described) or "spreadsheetml" in described:
        return 2
    if "/file-download/" in path:
        return 1
    return 0


def find_list_links(page_html: str, base_url: str) -> dict[str, str]:
    """Absolute URLs of the participating and pending spreadsheets linked from ICE's 287(g) page.

    A link counts when it is an xlsx (or an unlabelled ICE file-download link) and its text, title or file
    name names one kind; the first such link per kind wins, links that say xlsx before those that do not.
    A page without any returns {} so the caller can say what it looked for.
    """
    collector = _AnchorCollector()
    collector.feed(page_html)
    collector.close()
    best: dict[str, tuple[int, str]] = {}
    for anchor in collector.anchors:
        absolute = urljoin(base_url, anchor.href)
        evidence = spreadsheet_evidence(anchor, absolute)
        kind = list_kind_named_in(anchor.text, anchor.title, url_file_name(absolute))
        if evidence and kind and evidence > best.get(kind, (0, ""))[0]:
            best[kind] = (evidence, absolute)
    return {kind: best[kind][1] for kind in LIST_KINDS if kind in best}


def safe_file_name(name: str) -> str:
    """A plain file name with no folder parts or unusual characters ('' if nothing is left).

    Names come from URLs and Content-Disposition headers, so they must never lead outside the inbox.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME_CHARS.sub("_", base).lstrip(".")


def content_disposition_name(headers: dict[str, str]) -> str | None:
    """The file name a server announces in Content-Disposition (RFC 2231 forms included), if any."""
    value = header_value(headers, "Content-Disposition")
    if not value:
        return None
    message = Message()
    message["Content-Disposition"] = value
    return message.get_filename()


def header_value(headers: dict[str, str], name: str) -> str:
    """A header's value looked up without regard to case ('' when absent), as HTTP header names are."""
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "")


def file_name_for(fetched: FetchedFile) -> str:
    """The name to save under: the server's announced name, else the base name of the final or first URL."""
    for candidate in (
        content_disposition_name(fetched.headers),
        url_file_name(fetched.final_url),
        url_file_name(fetched.url),
    ):
        name = safe_file_name(candidate or "")
        if name:
            return name
    return "download"


def sidecar_path(path: Path) -> Path:
    """Where a saved file's provenance lives: beside it, as `<name>.json`."""
    return path.with_name(path.name + ".json")


def sidecar_record(fetched: FetchedFile, path: Path) -> dict[str, object]:
    """The provenance of one saved file: where it came from, when, what the server said, and its hash."""
    return {
        "file_name": path.name,
        "url": fetched.url,
        "final_url": fetched.final_url,
        "status": fetched.status,
        "fetched_at": fetched.fetched_at.astimezone(UTC).isoformat(),
        "headers": fetched.headers,
        "sha256": fetched.sha256,
        "size": len(fetched.body),
    }


def free_path_for(inbox: Path, file_name: str, sha256: str) -> Path:
    """The name itself, or name_2, name_3... : the first path that is free or already holds these bytes.

    ICE re-uploads different content under an old name; a numeric suffix keeps both versions.
    """
    candidate = inbox / file_name
    stem, suffix = Path(file_name).stem, Path(file_name).suffix
    number = 1
    while candidate.exists() and file_sha256(candidate) != sha256:
        number += 1
        candidate = inbox / f"{stem}_{number}{suffix}"
    return candidate


def save_download(fetched: FetchedFile, inbox: Path, file_name: str | None = None) -> Path:
    """Save a fetched body into the inbox with its `<name>.json` sidecar, and return the file's path.

    The sidecar is written before the file, so whoever sees the file can also read where it came from.
    Identical bytes already saved under the name are left as they are (with their first sidecar).
    """
    inbox.mkdir(parents=True, exist_ok=True)
    name = safe_file_name(file_name or "") or file_name_for(fetched)
    path = free_path_for(inbox, name, fetched.sha256)
    if path.exists() and sidecar_path(path).exists():
        return path
    record = json.dumps(sidecar_record(fetched, path), indent=2, sort_keys=True) + "\n"
    write_atomically(sidecar_path(path), record.encode("utf-8"))
    if not path.exists():
        write_atomically(path, fetched.body)
    return path


def mirror_list_key(file_name: str) -> tuple[str, tuple[date, int, str, str]] | None:
    """The list kind of a mirror file and its sort key by ISO date and upload label; None for other names.

    Within a day: unlabelled and Wayback-timed (`wbHHMMSS`, by capture time) uploads, then am, mid, pm;
    a re-upload suffix (pm2, pmB, pm_b, pm_v2) comes after its base label; an unknown label comes first.
    """
    match = _MIRROR_NAME.fullmatch(file_name)
    if match is None:
        return None
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        return None
    label = _MIRROR_LABEL.fullmatch(match["label"])
    if label is None:
        return match["kind"], (day, -1, "", match["label"])
    slot_rank = 0 if label["capture"] else _SLOT_ORDER[label["slot"]]
    return match["kind"], (day, slot_rank, label["capture"] or "", label["revision"])


def newest_mirror_lists(ice_folder: Path) -> dict[str, Path]:
    """The newest participating and pending file in a mirror's ice/ folder, by date and label in the name."""
    newest: dict[str, tuple[tuple[date, int, str, str], Path]] = {}
    for path in ice_folder.glob("*Agencies_*.xlsx"):
        parsed = mirror_list_key(path.name)
        if parsed is None:
            continue
        kind, order = parsed
        if kind not in newest or order > newest[kind][0]:
            newest[kind] = (order, path)
    return {kind: newest[kind][1] for kind in LIST_KINDS if kind in newest}


def read_mirror_file(path: Path, max_bytes: int) -> FetchedFile:
    """A mirror file as if fetched: its file:// URL, status 200, no HTTP headers, the same size limit."""
    url = path.resolve().as_uri()
    if path.stat().st_size > max_bytes:
        raise DownloadRefused(f"refused {url}: larger than {max_bytes} bytes")
    body = path.read_bytes()
    return FetchedFile(
        url=url,
        final_url=url,
        status=200,
        headers={},
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=datetime.now(UTC),
    )


def page_text(page: FetchedFile) -> str:
    """The page decoded with the charset its Content-Type names (UTF-8 otherwise), bad bytes replaced."""
    message = Message()
    message["Content-Type"] = header_value(page.headers, "Content-Type")
    return page.body.decode(message.get_content_charset() or "utf-8", errors="replace")


def keep_if_new(
    kind: str, fetched: FetchedFile, inbox: Path, file_name: str, known_sha256: Callable[[str], bool]
) -> DownloadOutcome:
    """Refuse a body that is not an xlsx, skip one already known by hash, else save it with its sidecar."""
    found = sniff_file_kind(fetched.body)
    if found != "xlsx":
        reason = f"{fetched.final_url} is {found}, not an xlsx workbook ({len(fetched.body)} bytes)"
        return DownloadOutcome(kind, fetched.url, None, fetched.sha256, "refused", reason)
    if known_sha256(fetched.sha256):
        reason = "this content (same sha256) is already registered"
        return DownloadOutcome(kind, fetched.url, None, fetched.sha256, "unchanged", reason)
    path = save_download(fetched, inbox, file_name)
    return DownloadOutcome(kind, fetched.url, path, fetched.sha256, "new", f"saved as {path.name}")


def xlsx_file_name(fetched: FetchedFile, kind: str) -> str:
    """The save name of a list, ending in .xlsx even when ICE serves it from an extension-less path."""
    name = file_name_for(fetched)
    return name if name.lower().endswith(".xlsx") else f"{kind}Agencies_{name}.xlsx"


def require_participating(sources: dict[str, object], where: str) -> None:
    """Fail loudly when no participating list is found: the page (or mirror) has changed shape."""
    if "participating" not in sources:
        raise DownloadError(
            f"no participating-agencies .xlsx link found on {where} (found: {sorted(sources) or 'nothing'})"
        )


def mirror_outcome(
    kind: str, path: Path, inbox: Path, known_sha256: Callable[[str], bool], max_bytes: int
) -> DownloadOutcome:
    """One list taken from the mirror, kept under the mirror's own file name."""
    try:
        fetched = read_mirror_file(path, max_bytes)
    except DownloadRefused as refusal:
        return DownloadOutcome(kind, path.resolve().as_uri(), None, None, "refused", str(refusal))
    return keep_if_new(kind, fetched, inbox, path.name, known_sha256)


def network_outcome(
    kind: str,
    url: str,
    inbox: Path,
    known_sha256: Callable[[str], bool],
    *,
    allowed_hosts: tuple[str, ...],
    max_bytes: int,
    session: requests.Session | None,
) -> DownloadOutcome:
    """One list fetched from ICE; a refused host or size is an outcome, a network failure raises."""
    try:
        fetched = fetch_bytes(
            url, allowed_hosts=allowed_hosts, max_bytes=max_bytes, session=session, accept=XLSX_MEDIA_TYPE
        )
    except DownloadRefused as refusal:
        return DownloadOutcome(kind, url, None, None, "refused", str(refusal))
    return keep_if_new(kind, fetched, inbox, xlsx_file_name(fetched, kind), known_sha256)


def download_current_lists(
    page_url: str,
    inbox: Path,
    *,
    known_sha256: Callable[[str], bool],
    mirror: Path | None = None,
    max_bytes: int = 20_000_000,
    session: requests.Session | None = None,
    allowed_hosts: Iterable[str] = ICE_HOSTS,
) -> list[DownloadOutcome]:
    """Fetch the lists ICE links from its 287(g) page now, and keep the ones whose content is new.

    With `mirror`, nothing touches the network: the newest participating and pending files of the
    mirror's ice/ folder stand for the page's links. A list refused for its host, size or type becomes a
    'refused' outcome; a page (or mirror) with no participating list, or a network failure, raises
    DownloadError. ICE stopped publishing a pending list in 2026, so its absence is not an error.
    """
    if mirror is not None:
        files = newest_mirror_lists(mirror / "ice")
        require_participating(files, f"the mirror folder {mirror / 'ice'}")
        return [mirror_outcome(kind, path, inbox, known_sha256, max_bytes) for kind, path in files.items()]
    hosts = tuple(allowed_hosts)
    page = fetch_bytes(
        page_url, allowed_hosts=hosts, max_bytes=PAGE_MAX_BYTES, session=session, accept="text/html"
    )
    links = find_list_links(page_text(page), page.final_url)
    require_participating(links, f"the page {page_url}")
    return [
        network_outcome(
            kind, url, inbox, known_sha256, allowed_hosts=hosts, max_bytes=max_bytes, session=session
        )
        for kind, url in links.items()
    ]
