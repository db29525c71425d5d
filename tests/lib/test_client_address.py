"""The client's address: the socket's unless trusted proxies say otherwise."""

from __future__ import annotations

import pytest

from annotations.lib.client_address import client_address


@pytest.mark.parametrize(
    ("forwarded_for", "trusted_proxies", "address"),
    [
        (None, 0, "10.0.0.1"),
        ("203.0.113.9", 0, "10.0.0.1"),  # no trusted proxy: the header is the client's word
        ("203.0.113.9", 1, "203.0.113.9"),
        ("spoof, 203.0.113.9", 1, "203.0.113.9"),  # the right-most: what our proxy saw
        (" spoof ,203.0.113.9 , 10.1.1.1 ", 2, "203.0.113.9"),
        ("203.0.113.9", 3, "203.0.113.9"),  # fewer entries than proxies: the left-most
        ("", 1, "10.0.0.1"),
        (" , ", 1, "10.0.0.1"),
    ],
)
def test_the_client_address(forwarded_for, trusted_proxies, address):
    meta = {"REMOTE_ADDR": "10.0.0.1"}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert client_address(meta, trusted_proxies) == address
