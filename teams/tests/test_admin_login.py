"""The admin's login page tells a demo user how the admin is reached."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def test_the_admin_login_says_how_to_get_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "python manage.py createsuperuser" in response.text
    assert 'name="username"' in response.text  # Django's form is still there


def test_the_demo_user_is_sent_to_that_page_and_a_superuser_gets_in(client):
    demo = get_user_model().objects.create_user("demo", password="demo")
    client.force_login(demo)
    assert "createsuperuser" in client.get("/admin/", follow=True).text
    admin = get_user_model().objects.create_superuser("root", password="x" * 12)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
