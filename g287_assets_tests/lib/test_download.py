"""Downloads of ICE's lists: host and size limits, retries, type checks, atomic saves and the mirror mode.

Network tests talk only to a throwaway HTTP server on 127.0.0.1. Hosts are refused before any connection,
and the host "not allowed" here is `localhost`, so even a broken check could only reach loopback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from g287_assets.lib.sources.download import (
    DownloadError,
    DownloadRefused,
    FetchedFile,
    download_current_lists,
    fetch_bytes,
    find_list_links,
    looks_like_xlsx,
    mirror_list_key,
    save_download,
    sniff_file_kind,
)
from g287_assets_tests.loopback import loopback_server

LOOPBACK = ("127.0.0.1",)
PARTICIPATING = "participatingAgencies_2026-05-18_am.xlsx"
PENDING = "pendingAgencies_2026-02-27_am.xlsx"
ICE_PARTICIPATING_PATH = "/doclib/about/offices/ero/287g/participatingAgencies05182026am.xlsx"
ICE_PENDING_PATH = "/doclib/about/offices/ero/287g/pendingAgencies02272026am.xlsx"
ERROR_PAGE = b"<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body>Denied</body></html>"


@dataclass
class Reply:
    """One scripted answer of the fake ICE server."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True


class FakeIce:
    """Scripted routes on 127.0.0.1: each request takes the next reply of its path (the last one repeats)."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.routes: dict[str, list[Reply]] = {}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            self.hits[path] += 1
            queue = self.routes.get(path)
            if not queue:
                return Reply(404, b"not found")
            return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (name fixed by http.server)
        reply = self.server.fake.next_reply(self.path)
        time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.send_length:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout or size limit), which is what some tests want

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        pass


@pytest.fixture
def fake_ice():
    with loopback_server(_Handler) as server:
        server.fake = FakeIce(server)
        yield server.fake


@pytest.fixture
def session():
    """A session that ignores proxy settings of the environment, so 127.0.0.1 is reached directly."""
    with requests.Session() as http:
        http.trust_env = False
        yield http


class NoNetwork(requests.Session):
    """A session that fails the test on any request: the mirror mode must not use the network."""

    def request(self, *args: object, **kwargs: object) -> requests.Response:
        raise AssertionError(f"network used in mirror mode: {args}")


def minimal_xlsx() -> bytes:
    """A tiny zip with the parts that make a file an xlsx container (not a readable workbook)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def ice_page(participating_href: str, pending_href: str) -> bytes:
    """A page shaped like ICE's 287(g) page: the two lists among MOA links and navigation."""
    return f"""<!DOCTYPE html><html lang="en"><head><title>Delegation of Immigration Authority</title></head>
<body><nav><a href="/identify-and-arrest">Identify &amp; Arrest</a></nav>
<p>Agencies participating in 287(g): <a href="{participating_href}">Participating Agencies</a>
(<a href="/doclib/287gMOA/287gTFM_ExampleCountySO_FL.pdf">participating MOA sample</a>)</p>
<p><a href="{pending_href}" title="Pending agencies list">Pending Agencies</a></p>
</body></html>""".encode()


def index_sha256(mirror: Path, saved_file: str) -> str:
    """The sha256 the mirror's own index records for a file, an expectation independent of the code."""
    with (mirror / "ice" / "snapshots_index.csv").open(newline="", encoding="utf-8") as stream:
        return next(row["sha256"] for row in csv.DictReader(stream) if row["saved_file"] == saved_file)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# --- what a body is -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b" \r\n\t", "empty"),
        (ERROR_PAGE, "html"),
        (b"\xef\xbb\xbf  <html><body>Service unavailable</body></html>", "html"),
        (b"STATE,LAW ENFORCEMENT AGENCY,TYPE\nTEXAS,Bexar County Sheriff's Office,County\n", "csv"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "unknown"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "unknown"),
    ],
)
def test_sniff_file_kind_names_what_the_bytes_are(body: bytes, kind: str) -> None:
    assert sniff_file_kind(body) == kind


def test_an_xlsx_is_a_zip_holding_the_workbook_part() -> None:
    assert looks_like_xlsx(minimal_xlsx())
    assert sniff_file_kind(minimal_xlsx()) == "xlsx"
    assert not looks_like_xlsx(plain_zip())
    assert sniff_file_kind(plain_zip()) == "unknown"
    assert not looks_like_xlsx(b"PK\x03\x04 truncated zip")


def test_real_ice_files_are_xlsx(source_mirror: Path) -> None:
    for name in (PARTICIPATING, PENDING):
        assert sniff_file_kind((source_mirror / "ice" / name).read_bytes()) == "xlsx"


# --- finding the lists on ICE's page --------------------------------------------------------------


def test_find_list_links_resolves_ice_doclib_links() -> None:
    page = ice_page(ICE_PARTICIPATING_PATH, "https://www.ice.gov" + ICE_PENDING_PATH).decode()
    links = find_list_links(page, "https://www.ice.gov/identify-and-arrest/287g")
    assert links == {
        "participating": "https://www.ice.gov" + ICE_PARTICIPATING_PATH,
        "pending": "https://www.ice.gov" + ICE_PENDING_PATH,
    }


def test_find_list_links_reads_file_download_links_by_their_text() -> None:
    page = """<html><body>
    <a href="/file-download/download/public/90001">Participating Agencies</a>
    <a href="/file-download/download/public/90002"
       type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; length=231759">
       Participating Agencies</a>
    <a href="/file-download/download/public/90003">Pending agencies (XLSX, 19 KB)</a>
    <a href="/doclib/287gMOA/ParticipatingAgencyForm.pdf">Participating agency form</a>
    </body></html>"""
    links = find_list_links(page, "https://www.ice.gov/identify-and-arrest/287g")
    assert links == {
        "participating": "https://www.ice.gov/file-download/download/public/90002",
        "pending": "https://www.ice.gov/file-download/download/public/90003",
    }


def test_find_list_links_falls_back_to_the_file_name_when_the_text_says_nothing() -> None:
    page = '<p><a href="/x/287gParticipatingAgencies091526pm.xlsx">Download</a> <a href="#top">top</a></p>'
    assert find_list_links(page, "https://www.ice.gov/identify-and-arrest/287g") == {
        "participating": "https://www.ice.gov/x/287gParticipatingAgencies091526pm.xlsx"
    }


def test_find_list_links_on_a_page_without_lists_is_empty() -> None:
    page = (
        '<html><body><a href="/doclib/287gMOA/Example.pdf">participating MOA</a><a>no href</a></body></html>'
    )
    assert find_list_links(page, "https://www.ice.gov/identify-and-arrest/287g") == {}


# --- fetching -------------------------------------------------------------------------------------


def test_a_host_not_allowed_is_refused_before_any_connection() -> None:
    with pytest.raises(DownloadRefused, match="host 'localhost' is not one of"):
        fetch_bytes("http://localhost:9/participatingAgencies.xlsx", allowed_hosts=LOOPBACK, max_bytes=10)
    with pytest.raises(DownloadRefused, match="host 'localhost'"):
        fetch_bytes("http://127.0.0.1@localhost:9/list.xlsx", allowed_hosts=LOOPBACK, max_bytes=10)
    with pytest.raises(DownloadRefused, match="scheme 'ftp'"):
        fetch_bytes("ftp://127.0.0.1/list.xlsx", allowed_hosts=LOOPBACK, max_bytes=10)


def test_a_redirect_to_a_host_not_allowed_is_refused(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/list.xlsx", Reply(302, headers={"Location": "http://localhost:9/list.xlsx"}))
    with pytest.raises(DownloadRefused, match="host 'localhost'"):
        fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, backoff=0.01)
    assert fake_ice.hits["/list.xlsx"] == 1


def test_a_redirect_within_allowed_hosts_is_followed(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/old.xlsx", Reply(301, headers={"Location": "/new.xlsx"}))
    fake_ice.serve("/new.xlsx", Reply(200, b"payload"))
    fetched = fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session)
    assert (fetched.url, fetched.final_url, fetched.body) == (url, fake_ice.url("/new.xlsx"), b"payload")
    assert fetched.sha256 == "239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5"
    assert fetched.fetched_at.tzinfo is UTC


def test_server_errors_are_retried_then_succeed(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/flaky.xlsx", Reply(500), Reply(503), Reply(200, b"finally"))
    fetched = fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, backoff=0.01)
    assert fetched.body == b"finally"
    assert fake_ice.hits["/flaky.xlsx"] == 3


def test_server_errors_are_retried_a_bounded_number_of_times(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/down.xlsx", Reply(502))
    with pytest.raises(DownloadError, match=r"HTTP 502 from .*down\.xlsx \(gave up after 3 attempts\)"):
        fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, retries=2, backoff=0.01)
    assert fake_ice.hits["/down.xlsx"] == 3


def test_client_errors_are_not_retried(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/gone.xlsx", Reply(404, b"no such file"))
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, backoff=0.01)
    assert fake_ice.hits["/gone.xlsx"] == 1


def test_timeouts_are_retried_then_given_up(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/slow.xlsx", Reply(200, b"late", delay=0.6))
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"ReadTimeout.*gave up after 2 attempts"):
        fetch_bytes(
            url,
            allowed_hosts=LOOPBACK,
            max_bytes=1000,
            session=session,
            timeout=0.15,
            retries=1,
            backoff=0.01,
        )
    assert fake_ice.hits["/slow.xlsx"] == 2
    assert time.monotonic() - started < 1.0


def test_a_timeout_followed_by_a_quick_reply_succeeds(fake_ice: FakeIce, session) -> None:
    url = fake_ice.serve("/once-slow.xlsx", Reply(200, b"late", delay=0.6), Reply(200, b"on time"))
    fetched = fetch_bytes(
        url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, timeout=0.15, backoff=0.01
    )
    assert fetched.body == b"on time"
    assert fake_ice.hits["/once-slow.xlsx"] == 2


@pytest.mark.parametrize("send_length", [True, False], ids=["announced", "streamed"])
def test_a_body_past_max_bytes_is_refused(fake_ice: FakeIce, session, send_length: bool) -> None:
    url = fake_ice.serve("/big.xlsx", Reply(200, b"x" * 300_000, send_length=send_length))
    with pytest.raises(DownloadRefused, match="larger than 1000 bytes"):
        fetch_bytes(url, allowed_hosts=LOOPBACK, max_bytes=1000, session=session, backoff=0.01)
    assert fake_ice.hits["/big.xlsx"] == 1


# --- saving ---------------------------------------------------------------------------------------


def fetched_file(body: bytes, url: str, headers: dict[str, str] | None = None) -> FetchedFile:
    return FetchedFile(
        url=url,
        final_url=url,
        status=200,
        headers=headers or {},
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=datetime(2026, 5, 18, 15, 30, tzinfo=UTC),
    )


def test_save_download_writes_the_body_and_its_sidecar(tmp_path: Path) -> None:
    fetched = fetched_file(b"first", "https://www.ice.gov" + ICE_PARTICIPATING_PATH, {"ETag": '"abc"'})
    path = save_download(fetched, tmp_path / "inbox")
    assert path == tmp_path / "inbox" / "participatingAgencies05182026am.xlsx"
    assert path.read_bytes() == b"first"
    sidecar = json.loads((tmp_path / "inbox" / "participatingAgencies05182026am.xlsx.json").read_text())
    assert sidecar == {
        "file_name": "participatingAgencies05182026am.xlsx",
        "url": "https://www.ice.gov" + ICE_PARTICIPATING_PATH,
        "final_url": "https://www.ice.gov" + ICE_PARTICIPATING_PATH,
        "status": 200,
        "fetched_at": "2026-05-18T15:30:00+00:00",
        "headers": {"ETag": '"abc"'},
        "sha256": "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e",
        "size": 5,
    }


def test_save_download_never_overwrites_different_bytes(tmp_path: Path) -> None:
    url = "https://www.ice.gov" + ICE_PARTICIPATING_PATH
    first = save_download(fetched_file(b"first upload", url), tmp_path)
    second = save_download(fetched_file(b"re-upload, new content", url), tmp_path)
    again = save_download(fetched_file(b"first upload", url), tmp_path)
    assert first.name == "participatingAgencies05182026am.xlsx"
    assert second.name == "participatingAgencies05182026am_2.xlsx"
    assert again == first
    assert (first.read_bytes(), second.read_bytes()) == (b"first upload", b"re-upload, new content")
    assert files_in(tmp_path) == [
        "participatingAgencies05182026am.xlsx",
        "participatingAgencies05182026am.xlsx.json",
        "participatingAgencies05182026am_2.xlsx",
        "participatingAgencies05182026am_2.xlsx.json",
    ]


def test_save_download_keeps_a_server_name_inside_the_inbox(tmp_path: Path) -> None:
    fetched = fetched_file(
        b"body",
        "https://www.ice.gov/file-download/download/public/90002",
        {"Content-Disposition": 'attachment; filename="../../participatingAgencies05182026am.xlsx"'},
    )
    path = save_download(fetched, tmp_path / "inbox")
    assert path == tmp_path / "inbox" / "participatingAgencies05182026am.xlsx"
    assert files_in(tmp_path) == ["inbox"]


# --- the whole download ---------------------------------------------------------------------------


def serve_ice_site(fake_ice: FakeIce, mirror: Path) -> str:
    """ICE's page and both real lists (bytes from the mirror) on the fake server; returns the page URL."""
    xlsx_type = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    fake_ice.serve(
        ICE_PARTICIPATING_PATH, Reply(200, (mirror / "ice" / PARTICIPATING).read_bytes(), xlsx_type)
    )
    fake_ice.serve(ICE_PENDING_PATH, Reply(200, (mirror / "ice" / PENDING).read_bytes(), xlsx_type))
    page = ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)
    return fake_ice.serve("/identify-and-arrest/287g", Reply(200, page, {"Content-Type": "text/html"}))


def test_download_saves_new_lists_then_skips_them(
    fake_ice: FakeIce, session, source_mirror: Path, tmp_path: Path
) -> None:
    page_url = serve_ice_site(fake_ice, source_mirror)
    inbox = tmp_path / "inbox"
    outcomes = download_current_lists(
        page_url, inbox, known_sha256=lambda sha: False, session=session, allowed_hosts=LOOPBACK
    )
    expected = {
        "participating": ("participatingAgencies05182026am.xlsx", index_sha256(source_mirror, PARTICIPATING)),
        "pending": ("pendingAgencies02272026am.xlsx", index_sha256(source_mirror, PENDING)),
    }
    assert [(o.kind, o.status, o.path.name, o.sha256) for o in outcomes] == [
        (kind, "new", name, sha) for kind, (name, sha) in expected.items()
    ]
    for outcome in outcomes:
        sidecar = json.loads((inbox / f"{outcome.path.name}.json").read_text())
        assert sidecar["sha256"] == expected[outcome.kind][1]
        assert sidecar["size"] == outcome.path.stat().st_size == len(outcome.path.read_bytes())
        assert sidecar["url"] == sidecar["final_url"] == outcome.url
        assert sidecar["headers"]["Content-Type"].endswith("spreadsheetml.sheet")
        assert datetime.fromisoformat(sidecar["fetched_at"]).utcoffset().total_seconds() == 0
    written = {path.name: path.stat().st_mtime_ns for path in inbox.iterdir()}
    assert len(written) == 4

    registered = {o.sha256 for o in outcomes}
    again = download_current_lists(
        page_url, inbox, known_sha256=registered.__contains__, session=session, allowed_hosts=LOOPBACK
    )
    assert [(o.kind, o.status, o.path) for o in again] == [
        ("participating", "unchanged", None),
        ("pending", "unchanged", None),
    ]
    assert {path.name: path.stat().st_mtime_ns for path in inbox.iterdir()} == written


def test_html_served_as_xlsx_is_refused(fake_ice: FakeIce, session, tmp_path: Path) -> None:
    fake_ice.serve(
        ICE_PARTICIPATING_PATH, Reply(200, ERROR_PAGE, {"Content-Type": "application/octet-stream"})
    )
    fake_ice.serve(ICE_PENDING_PATH, Reply(200, b""))
    page_url = fake_ice.serve("/287g", Reply(200, ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)))
    outcomes = download_current_lists(
        page_url, tmp_path, known_sha256=lambda sha: False, session=session, allowed_hosts=LOOPBACK
    )
    assert [(o.kind, o.status, o.path) for o in outcomes] == [
        ("participating", "refused", None),
        ("pending", "refused", None),
    ]
    assert "is html, not an xlsx workbook" in outcomes[0].reason
    assert "is empty, not an xlsx workbook" in outcomes[1].reason
    assert files_in(tmp_path) == []


def test_an_oversize_list_is_refused_and_nothing_is_written(
    fake_ice: FakeIce, session, tmp_path: Path
) -> None:
    fake_ice.serve(ICE_PARTICIPATING_PATH, Reply(200, minimal_xlsx() + b"\0" * 5000, send_length=False))
    fake_ice.serve(ICE_PENDING_PATH, Reply(302, headers={"Location": "https://localhost:9/pending.xlsx"}))
    page_url = fake_ice.serve("/287g", Reply(200, ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)))
    outcomes = download_current_lists(
        page_url,
        tmp_path / "inbox",
        known_sha256=lambda sha: False,
        max_bytes=4000,
        session=session,
        allowed_hosts=LOOPBACK,
    )
    assert [(o.kind, o.status, o.sha256) for o in outcomes] == [
        ("participating", "refused", None),
        ("pending", "refused", None),
    ]
    assert "larger than 4000 bytes" in outcomes[0].reason
    assert "host 'localhost'" in outcomes[1].reason
    assert files_in(tmp_path) == []


def test_a_page_without_list_links_is_a_clear_error(fake_ice: FakeIce, session, tmp_path: Path) -> None:
    page_url = fake_ice.serve("/287g", Reply(200, b"<html><body><h1>Page moved</h1></body></html>"))
    with pytest.raises(DownloadError, match=r"no participating-agencies \.xlsx link found on the page http"):
        download_current_lists(
            page_url, tmp_path, known_sha256=lambda sha: False, session=session, allowed_hosts=LOOPBACK
        )
    assert files_in(tmp_path) == []


def test_only_ice_hosts_are_allowed_by_default(tmp_path: Path) -> None:
    with pytest.raises(
        DownloadRefused, match="host '127.0.0.1' is not one of \\['ice.gov', 'www.ice.gov'\\]"
    ):
        download_current_lists("http://127.0.0.1:9/287g", tmp_path, known_sha256=lambda sha: False)


# --- the mirror -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("participatingAgencies_2026-05-14_am.xlsx", "participatingAgencies_2026-05-18_am.xlsx"),
        ("participatingAgencies_2025-12-04_pm.xlsx", "participatingAgencies_2025-12-04_pm2.xlsx"),
        ("participatingAgencies_2025-10-17_am.xlsx", "participatingAgencies_2025-10-17_mid.xlsx"),
        ("participatingAgencies_2025-10-17_mid.xlsx", "participatingAgencies_2025-10-17_pm.xlsx"),
        ("participatingAgencies_2025-03-27_wb140009.xlsx", "participatingAgencies_2025-03-27_wb195954.xlsx"),
        ("pendingAgencies_2025-07-11_pm.xlsx", "pendingAgencies_2025-07-11_pm_v2.xlsx"),
        ("pendingAgencies_2025-11-12_nolabel.xlsx", "pendingAgencies_2025-11-12_am.xlsx"),
    ],
)
def test_mirror_files_order_by_date_then_label(older: str, newer: str) -> None:
    older_kind, older_key = mirror_list_key(older)
    newer_kind, newer_key = mirror_list_key(newer)
    assert older_kind == newer_kind
    assert older_key < newer_key


def test_mirror_names_that_are_not_lists_are_ignored() -> None:
    assert mirror_list_key("snapshots_index.csv") is None
    assert mirror_list_key("participatingAgencies_2025-02-30_am.xlsx") is None
    assert mirror_list_key("participatingAgencies05182026am.xlsx") is None


def test_mirror_mode_copies_the_newest_lists_without_network(source_mirror: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    outcomes = download_current_lists(
        "https://www.ice.gov/identify-and-arrest/287g",
        inbox,
        known_sha256=lambda sha: False,
        mirror=source_mirror,
        session=NoNetwork(),
    )
    assert [(o.kind, o.status, o.path.name) for o in outcomes] == [
        ("participating", "new", PARTICIPATING),
        ("pending", "new", PENDING),
    ]
    for outcome, name in zip(outcomes, (PARTICIPATING, PENDING), strict=True):
        source = source_mirror / "ice" / name
        assert outcome.path.read_bytes() == source.read_bytes()
        assert outcome.sha256 == index_sha256(source_mirror, name)
        sidecar = json.loads((inbox / f"{name}.json").read_text())
        assert sidecar["url"] == source.resolve().as_uri() == outcome.url
        assert sidecar["url"].startswith("file:///")
        assert sidecar["sha256"] == outcome.sha256
        assert sidecar["size"] == source.stat().st_size
    assert files_in(inbox) == sorted([PARTICIPATING, f"{PARTICIPATING}.json", PENDING, f"{PENDING}.json"])
