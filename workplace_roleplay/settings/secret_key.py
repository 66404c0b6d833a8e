"""The secret key of a single-machine install when ``DJANGO_SECRET_KEY`` is not set.

A key anyone can read (a default in the code) would let anyone sign sessions and JWTs, so there
is none: the first start makes a random key and stores it in a file only its owner can read,
outside the repository (``$XDG_CONFIG_HOME/workplace-roleplay/secret_key``, or the file
``DJANGO_SECRET_KEY_FILE`` names); every later start, and every process of the same install
(web, worker, beat), reads the same key. Production settings never come here: they refuse to
start without ``DJANGO_SECRET_KEY``.
"""

import os
import secrets
from pathlib import Path


def default_key_file() -> Path:
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "workplace-roleplay" / "secret_key"


def stored_secret_key(path: Path) -> str:
    """The key in ``path``; made (mode 600) when the file does not exist yet."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        stored = path.read_text(encoding="ascii").strip()
        if len(stored) < 50:
            raise ValueError(f"{path} holds no usable secret key: delete it to make a new one") from None
        return stored
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key
