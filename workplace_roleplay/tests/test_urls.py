"""Site-wide addresses that are not a page of one app."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client


@pytest.mark.django_db
def test_the_site_icon_is_served_where_browsers_ask_for_it(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg")
    assert f'rel="icon" href="{static("favicon.svg")}"' in client.get("/accounts/login/").content.decode()
