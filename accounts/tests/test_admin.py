import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_user_add")


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _add(client, **fields):
    data = {
        "username": "newhire",
        "email": "newhire@example.com",
        "display_name": "新入社員",
        "usable_password": "true",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }
    return client.post(ADD, {**data, **fields})


def test_it_lets_an_admin_add_a_user_with_an_email_address(superuser_client):
    response = _add(superuser_client, email="NewHire@Example.com")

    assert response.status_code == 302
    user = User.objects.get(username="newhire")
    assert user.email == "newhire@example.com" and user.display_name == "新入社員"


def test_it_refuses_in_the_admin_an_email_already_used_in_another_case(superuser_client):
    UserFactory.create(email="taken@example.com")

    response = _add(superuser_client, email="TAKEN@example.com")

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newhire").exists()


def test_it_lists_and_finds_users_for_the_admin(superuser_client):
    UserFactory.create(username="hanako", display_name="花子")

    response = superuser_client.get(reverse("admin:accounts_user_changelist"), {"q": " 花子 "})

    assert response.status_code == 200
    assert [user.username for user in response.context["cl"].result_list] == ["hanako"]
