"""Download faults not covered in lib/test_download.py: cut-off bodies, misleading types, and ICE's host.

Everything runs against the scripted server on 127.0.0.1 of lib/test_download.py, or an in-process
transport that answers for ICE's host name without any network; nothing else is ever contacted.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from g287_assets.lib.sources.download import DownloadError, download_current_lists, fetch_bytes
from g287_assets_tests.lib.test_download import (  # noqa: F401 (fixtures used by name)
    ICE_PARTICIPATING_PATH,
    ICE_PENDING_PATH,
    LOOPBACK,
    PARTICIPATING,
    FakeIce,
    Reply,
    fake_ice,
    files_in,
    ice_page,
    session,
)


def test_a_body_cut_short_is_retried_then_given_up_and_nothing_is_saved(
    fake_ice: FakeIce,  # noqa: F811
    session: requests.Session,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("g287_assets.lib.sources.download.time.sleep", lambda seconds: None)
    cut_short = Reply(200, b"PK\x03\x04 first bytes only", {"Content-Length": "250000"}, send_length=False)
    fake_ice.serve(ICE_PARTICIPATING_PATH, cut_short)
    page_url = fake_ice.serve("/287g", Reply(200, ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)))
    with pytest.raises(DownloadError, match=r"gave up after 4 attempts"):
        download_current_lists(
            page_url,
            tmp_path / "inbox",
            known_sha256=lambda sha: False,
            session=session,
            allowed_hosts=LOOPBACK,
        )
    assert fake_ice.hits[ICE_PARTICIPATING_PATH] == 4
    assert files_in(tmp_path / "inbox") == []


def test_server_errors_on_a_list_save_nothing(
    fake_ice: FakeIce,  # noqa: F811
    session: requests.Session,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("g287_assets.lib.sources.download.time.sleep", lambda seconds: None)
    fake_ice.serve(ICE_PARTICIPATING_PATH, Reply(500, b"Internal Server Error"))
    page_url = fake_ice.serve("/287g", Reply(200, ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)))
    with pytest.raises(DownloadError, match=r"HTTP 500 .* \(gave up after 4 attempts\)"):
        download_current_lists(
            page_url,
            tmp_path / "inbox",
            known_sha256=lambda sha: False,
            session=session,
            allowed_hosts=LOOPBACK,
        )
    assert files_in(tmp_path / "inbox") == []


def test_the_content_decides_not_the_content_type(
    fake_ice: FakeIce,  # noqa: F811
    session: requests.Session,  # noqa: F811
    source_mirror: Path,
    tmp_path: Path,
) -> None:
    """A real list labelled text/html is kept; an HTML page labelled as a spreadsheet is refused."""
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    xlsx_type = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    fake_ice.serve(
        ICE_PARTICIPATING_PATH, Reply(200, (source_mirror / "ice" / PARTICIPATING).read_bytes(), html_type)
    )
    fake_ice.serve(ICE_PENDING_PATH, Reply(200, b"<html><body>Not Found</body></html>", xlsx_type))
    page_url = fake_ice.serve("/287g", Reply(200, ice_page(ICE_PARTICIPATING_PATH, ICE_PENDING_PATH)))
    outcomes = download_current_lists(
        page_url, tmp_path, known_sha256=lambda sha: False, session=session, allowed_hosts=LOOPBACK
    )
    assert [(o.kind, o.status) for o in outcomes] == [("participating", "new"), ("pending", "refused")]
    assert "is html, not an xlsx workbook" in outcomes[1].reason


class IceOnlyTransport(requests.adapters.BaseAdapter):
    """Answers for www.ice.gov from memory and records every request; nothing reaches any network."""

    def __init__(self, page: bytes) -> None:
        super().__init__()
        self.page = page
        self.requested: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.requested.append(request.url)
        response = requests.Response()
        response.status_code = 200
        response.url = request.url
        response.headers["Content-Type"] = "text/html"
        response.raw = io.BytesIO(self.page)
        return response

    def close(self) -> None:
        pass


def test_by_default_a_list_linked_on_another_host_is_never_requested(tmp_path: Path) -> None:
    page = ice_page(
        "https://files.example.org/participatingAgencies05182026am.xlsx",
        "https://ice.gov.example.net/pendingAgencies05182026am.xlsx",
    )
    transport = IceOnlyTransport(page)
    with requests.Session() as http:
        http.mount("https://", transport)
        http.mount("http://", transport)
        outcomes = download_current_lists(
            "https://www.ice.gov/identify-and-arrest/287g",
            tmp_path,
            known_sha256=lambda sha: False,
            session=http,
        )
    assert [(o.kind, o.status) for o in outcomes] == [("participating", "refused"), ("pending", "refused")]
    assert "host 'files.example.org' is not one of ['ice.gov', 'www.ice.gov']" in outcomes[0].reason
    assert "host 'ice.gov.example.net'" in outcomes[1].reason
    assert transport.requested == ["https://www.ice.gov/identify-and-arrest/287g"]
    assert files_in(tmp_path) == []


def test_fetching_from_another_host_fails_before_any_request() -> None:
    with requests.Session() as http:
        transport = IceOnlyTransport(b"")
        http.mount("https://", transport)
        with pytest.raises(DownloadError, match="host 'www.ice.gov.evil.example'"):
            fetch_bytes(
                "https://www.ice.gov.evil.example/x.xlsx",
                allowed_hosts=("www.ice.gov",),
                max_bytes=10,
                session=http,
            )
    assert transport.requested == []
