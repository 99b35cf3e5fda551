"""What `questline serve` checks and says before it serves: that its port is free, and
where to reach it."""

from __future__ import annotations

import errno
import ipaddress
import socket


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port``, in one line, or None if it can.

    Binds a socket as uvicorn will (``SO_REUSEADDR``, so a port left in TIME_WAIT by a
    server that just stopped counts as free) and lets it go at once."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"cannot listen on {host}: {error.strerror}"
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use: stop what listens there, or"
                    " choose another port with --port or QUESTLINE_PORT"
                )
            if error.errno == errno.EACCES:
                return f"not allowed to listen on port {port}: choose one above 1023"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def base_url(host: str, port: int) -> str:
    """The URL a person on this machine opens: a wildcard address is reached locally."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    try:
        if ipaddress.ip_address(shown).version == 6:
            shown = f"[{shown}]"
    except ValueError:
        pass  # a name, such as localhost
    return f"http://{shown}:{port}"


def welcome(
    url: str,
    admin_key: str | None,
    player_page: str | None = None,
    console_login: tuple[str, str] | None = None,
) -> str:
    """The lines `make run` prints once the port is known to be free."""
    lines = ["", f"Questline is starting on {url}  (API docs: {url}/docs)"]
    if player_page:
        lines.append(f"A demo player's dashboard: {player_page}")
    if console_login:
        email, password = console_login
        lines.append(f"The web console: {url}/console  (sign in as {email}, password {password})")
    if admin_key:
        lines += [
            f"Admin key: {admin_key}",
            f'Try:  curl -s -H "Authorization: Bearer {admin_key}" {url}/v1/players/ada',
            f'      curl -s -H "Authorization: Bearer {admin_key}"'
            f" {url}/v1/players/ada/notifications",
        ]
    return "\n".join([*lines, ""])
