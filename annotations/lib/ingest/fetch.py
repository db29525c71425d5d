"""Fetching a URL: only public addresses (unless allowed), redirects checked one by one, time and
size limits, and the page handed to the HTML or text reader.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from annotations.lib.ingest.decode import decode_text_bytes, looks_binary
from annotations.lib.ingest.files import CONTENT_TYPE_KINDS
from annotations.lib.ingest.html import read_html
from annotations.lib.ingest.markdown import load_markdown
from annotations.lib.ingest.normalise import (
    MAX_BLOCKS,
    USER_AGENT,
    IngestError,
    LoadedArticle,
    load_text,
)
from annotations.lib.text import human_size

try:  # certifi ships with trafilatura; the system store is the fallback
    import certifi

    _CA_BUNDLE: str | None = certifi.where()
except ImportError:  # pragma: no cover
    _CA_BUNDLE = None


# --------------------------------------------------------------------------------------------
# Fetching a URL
# --------------------------------------------------------------------------------------------


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses hidden inside an IPv6 one (mapped, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    # IPv4-compatible form ::a.b.c.d (deprecated, still routed by some stacks)
    if int(address) >> 32 == 0 and int(address) > 1:
        found.append(ipaddress.IPv4Address(int(address)))
    return found


def _address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from (a key of _PROBLEM_TEXT), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        # judge an IPv4 address smuggled inside IPv6 by what it really points at
        for inner in _embedded_ipv4(address):
            problem = _address_problem(inner)
            if problem:
                return problem
        if address in _NAT64:
            return None  # DNS64 networks reach every public IPv4 site through this prefix
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if address.is_loopback:
        return "loopback"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "private"  # e.g. 100.64.0.0/10, shared carrier-grade NAT space
    return None


# The unspecified address reaches this machine on Linux and multicast cannot serve a page;
# link-local is where cloud metadata services live (169.254.169.254). None of them is ever a
# news site, so they stay refused even when private networks are allowed.
_ALWAYS_REFUSED = {"unspecified", "multicast", "link-local"}


_PROBLEM_TEXT = {
    "unspecified": "the unspecified address (it stands for this server)",
    "multicast": "a multicast address",
    "link-local": "a link-local address (used by cloud metadata services)",
    "loopback": "a loopback address (this server itself)",
    "private": "a private-network address",
    "reserved": "a reserved address",
}


def resolve_public_address(host: str, port: int, *, allow_private: bool) -> str:
    """Resolve `host` and return one address to connect to, refusing internal targets.

    Every address the name resolves to is checked, not only the first: a name that also points
    into the private network is refused as a whole. The caller must connect to the returned
    address (not resolve the name again), or DNS rebinding could swap in another address.
    """
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise IngestError(
            f"The server {host} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        ) from error
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if text not in addresses:
            addresses.append(text)
    # IPv4 first: a dual-stack name with a broken IPv6 route is common, the reverse is rare
    addresses.sort(key=lambda text: ":" in text)
    if not addresses:
        raise IngestError(
            f"The server {host} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        )
    for text in addresses:
        problem = _address_problem(ipaddress.ip_address(text))
        if problem is None or (allow_private and problem not in _ALWAYS_REFUSED):
            continue
        where = f"The address {text}" if bare == text else f"{host} resolves to {text}, which"
        if problem in _ALWAYS_REFUSED:
            raise IngestError(
                f"{where} is {_PROBLEM_TEXT[problem]}; pages cannot be imported from there.",
                code="forbidden_address",
            )
        raise IngestError(
            f"{where} is {_PROBLEM_TEXT[problem]}; importing from private networks is "
            "switched off. Use a public address, or upload the page as a file.",
            code="forbidden_address",
        )
    return addresses[0]


@dataclass
class _Target:
    url: str
    scheme: str
    host: str  # IDNA (ASCII) host name or IP literal without brackets
    port: int
    request_path: str
    host_header: str


def _parse_target(url: str, *, redirected_from: str = "") -> _Target:
    def bad(reason: str) -> IngestError:
        if redirected_from:
            return IngestError(
                f"{redirected_from} redirected to {url[:200]}, {reason}.", code="bad_url"
            )
        return IngestError(f"{url[:200] or 'The address'}: {reason}.", code="bad_url")

    if not url:
        raise IngestError("Give the address (URL) of the page to import.", code="bad_url")
    if any(character.isspace() for character in url):
        url = url.strip().replace(" ", "%20")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise bad("this is not a valid web address") from error
    scheme = parts.scheme.lower()
    if not scheme and not redirected_from:
        raise bad("start the address with https:// or http://")
    if scheme not in ("http", "https"):
        raise bad("only http:// and https:// addresses can be imported")
    if parts.username is not None or parts.password is not None:
        raise bad("addresses with a user name or password are not supported")
    hostname = parts.hostname or ""
    if not hostname:
        raise bad("the address has no host name")
    try:
        ipaddress.ip_address(hostname)
        ascii_host = hostname
    except ValueError:
        try:
            ascii_host = hostname.encode("idna").decode("ascii").lower()
        except UnicodeError as error:
            raise bad("the host name is not valid") from error
    port = port or (443 if scheme == "https" else 80)
    default_port = 443 if scheme == "https" else 80
    shown_host = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    # Non-ASCII or spaces in path/query are percent-encoded; existing escapes are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    request_path = path + (f"?{query}" if query else "")
    clean_url = urlunsplit((scheme, host_header, path, query, ""))
    return _Target(clean_url, scheme, ascii_host, port, request_path, host_header)


def _pool(target: _Target, address: str, connect_timeout: float, read_timeout: float) -> Any:
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    if target.scheme == "https":
        is_ip = True
        try:
            ipaddress.ip_address(target.host)
        except ValueError:
            is_ip = False
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_CA_BUNDLE,
            # connect to the checked address, but speak TLS to (and verify) the real name
            server_hostname=None if is_ip else target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, retries=False, maxsize=1
    )


def _header_text(value: str) -> str:
    # http.client decodes header bytes as latin-1; servers send UTF-8 in Location headers
    try:
        return value.encode("latin-1").decode("utf-8").strip()
    except UnicodeError:
        return value.strip()


def _content_type(header: str) -> tuple[str, str]:
    message = Message()
    message["content-type"] = header or ""
    mime = message.get_content_type() if header else ""
    return mime.lower(), (message.get_param("charset") or "").strip()  # type: ignore[union-attr]


def _read_body(response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
    too_large = IngestError(
        f"The page at {url[:200]} is larger than the {human_size(max_bytes)} limit; "
        "copy the article text and paste it instead.",
        code="too_large",
        status=413,
    )
    length = response.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise too_large
    body = bytearray()
    for chunk in response.stream(65536, decode_content=True):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise too_large
        if time.monotonic() > deadline:
            raise IngestError(
                f"The server at {url[:200]} is sending the page too slowly; try again later.",
                code="timeout",
                status=504,
            )
    return bytes(body)


def _network_error(error: Exception, target: _Target) -> IngestError:
    where = target.host_header
    if isinstance(error, ProtocolError) and error.args and isinstance(error.args[-1], Exception):
        error = error.args[-1]  # urllib3 wraps socket errors met while reading the body
    if isinstance(error, NameResolutionError):
        return IngestError(
            f"The server {where} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        )
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is told apart first
    if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
        return IngestError(
            f"{where} did not answer in time (connection timed out). Try again later.",
            code="timeout",
            status=504,
        )
    if isinstance(error, ReadTimeoutError | TimeoutError):
        return IngestError(
            f"{where} stopped answering (timed out while waiting for the page). Try again later.",
            code="timeout",
            status=504,
        )
    if isinstance(error, SSLError):
        return IngestError(
            f"The secure connection to {where} failed (certificate or TLS problem).",
            code="unreachable",
            status=502,
        )
    detail = "connection refused" if "refused" in str(error).lower() else "connection failed"
    return IngestError(
        f"Could not connect to {where} ({detail}). Check the address or try again later.",
        code="unreachable",
        status=502,
    )


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = 5 * 1024 * 1024,
    connect_timeout: float = 5,
    read_timeout: float = 15,
    max_redirects: int = 5,
    max_blocks: int = MAX_BLOCKS,
) -> LoadedArticle:
    """Download a web page and load it (HTML, plain text or Markdown).

    Guards against server-side request forgery: only http(s), every hop's address is resolved
    once, checked, and connected to directly; redirects are followed by hand so each target
    passes the same checks.
    """
    target = _parse_target(url.strip())
    # read_timeout bounds each wait for data; this bounds a server that trickles bytes forever
    deadline = time.monotonic() + connect_timeout + 4 * read_timeout
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
    }
    redirects = 0
    while True:
        try:
            address = resolve_public_address(target.host, target.port, allow_private=allow_private)
        except IngestError as error:
            if redirects:
                # say where the address came from: the user typed a different one
                error.message = f"{url[:200]} redirected to {target.url[:200]}. {error.message}"
                error.args = (error.message,)
            raise
        pool = _pool(target, address, connect_timeout, read_timeout)
        response = None
        try:
            response = pool.urlopen(
                "GET",
                target.request_path,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            status = response.status
            if 300 <= status < 400 and status != 304 and response.headers.get("Location"):
                redirects += 1
                if redirects > max_redirects:
                    raise IngestError(
                        f"{url[:200]} redirected more than {max_redirects} times; "
                        "open it in a browser and import the final address.",
                        code="too_many_redirects",
                        status=502,
                    )
                location = urljoin(target.url, _header_text(response.headers["Location"]))
                target = _parse_target(location, redirected_from=target.url)
                continue
            if status >= 300:
                reason = getattr(response, "reason", "") or ""
                raise IngestError(
                    f"The server answered {status}{f' {reason}' if reason else ''} for "
                    f"{target.url[:200]}; check the address.",
                    code="http_error",
                    status=502,
                )
            mime, charset = _content_type(response.headers.get("Content-Type", ""))
            if mime and mime not in CONTENT_TYPE_KINDS:
                # refuse before downloading an image or a PDF
                raise _unsupported_page(target.url, mime)
            body = _read_body(response, target.url, max_bytes, deadline)
        except (HTTPError, OSError) as error:
            raise _network_error(error, target) from error
        finally:
            if response is not None:
                response.close()  # never drain an unread body: it may be huge or endless
            pool.close()
        break

    return _load_fetched(body, mime, charset, target.url, max_blocks)


def _unsupported_page(url: str, mime: str) -> IngestError:
    return IngestError(
        f"The page at {url[:200]} is {mime or 'of unknown type'}, not a web page or text; "
        "only HTML, plain text and Markdown pages can be imported.",
        code="unsupported_type",
        status=415,
    )


def _load_fetched(
    body: bytes, mime: str, charset: str, url: str, max_blocks: int = MAX_BLOCKS
) -> LoadedArticle:
    if not body.strip():
        raise IngestError(f"The page at {url[:200]} is empty.", code="empty")
    kind = CONTENT_TYPE_KINDS.get(mime)
    if not mime:
        # No Content-Type: accept what plainly is a web page.
        kind = (
            "html" if re.search(rb"<(?:!doctype|html|body)", body[:2048], re.IGNORECASE) else None
        )
    if kind is None:
        raise _unsupported_page(url, mime)
    if kind == "html":
        article = read_html(body, url=url, declared_charset=charset, max_blocks=max_blocks)
    else:
        if looks_binary(body):
            raise IngestError(
                f"The page at {url[:200]} does not contain text.", code="binary", status=415
            )
        decoded = decode_text_bytes(body, charset)
        loader = load_markdown if kind == "markdown" else load_text
        article = loader(decoded, max_blocks=max_blocks)
    article.url = url
    article.source_kind = "url"
    return article
