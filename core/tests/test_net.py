from core.net import UNKNOWN_CLIENT_IP, socket_client_ip


def _scope(client: str | None, *headers: tuple[bytes, bytes]) -> dict:
    return {"type": "websocket", "client": (client, 50000) if client else None, "headers": list(headers)}


def test_it_uses_the_peer_address_of_a_socket_when_no_proxy_header_is_trusted(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = ""

    assert socket_client_ip(_scope("192.0.2.10", (b"x-forwarded-for", b"10.9.9.9"))) == "192.0.2.10"


def test_it_uses_the_address_the_trusted_proxy_appended_to_a_socket_handshake(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    scope = _scope("10.0.0.2", (b"X-Forwarded-For", b"1.2.3.4, 198.51.100.20"))

    assert socket_client_ip(scope) == "198.51.100.20"


def test_it_falls_back_to_the_socket_peer_when_the_proxy_header_is_missing_or_garbage(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    assert socket_client_ip(_scope("10.0.0.2")) == "10.0.0.2"
    assert socket_client_ip(_scope("10.0.0.2", (b"x-real-ip", b"evil; DROP"))) == "10.0.0.2"
    assert socket_client_ip(_scope(None)) == UNKNOWN_CLIENT_IP
