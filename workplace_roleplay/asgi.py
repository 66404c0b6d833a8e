"""ASGI entry point: HTTP through Django (a learner's line to the API through its lane,
``core.lanes``), WebSockets through Channels.

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
from django.urls import reverse  # noqa: E402

from conversations.api.lane import line_lane  # noqa: E402
from conversations.models import Mode  # noqa: E402
from core import ws_server  # noqa: E402
from core.asgi_errors import StartedResponseGuard  # noqa: E402
from core.lanes import LaneRouter  # noqa: E402
from workplace_roleplay.routing import websocket_application  # noqa: E402

ws_server.install()

lanes = {
    ("POST", reverse("api-chat-message")): line_lane(Mode.CHAT),
    ("POST", reverse("api-scenario-message")): line_lane(Mode.SCENARIO),
}
http_application = StartedResponseGuard(LaneRouter(django_asgi_app, lanes))
application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})

gc.collect()
gc.freeze()
