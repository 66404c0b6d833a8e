"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Everything loaded at start-up is moved out of the garbage collector's reach (``gc.freeze``): a
full collection then scans only what was allocated since, instead of pausing every open socket
for a few hundred milliseconds while it walks the whole framework.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from core import ws_server  # noqa: E402
from core.asgi_errors import StartedResponseGuard  # noqa: E402
from workplace_roleplay.routing import websocket_application  # noqa: E402

ws_server.install()

application = ProtocolTypeRouter({"http": StartedResponseGuard(django_asgi_app), "websocket": websocket_application})

gc.collect()
gc.freeze()
