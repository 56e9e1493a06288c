"""A server error leaves a trace: its traceback in the log, and an email to the admins."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.conf import settings
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    from paperwire.feed import views

    def broken(request):
        raise RuntimeError("the feed broke")

    views.latest = broken  # before the URLs are read
    from django.core import mail
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()  # the locmem outbox; DEBUG stays off
    response = Client(raise_request_exception=False).get("/papers")
    print("STATUS", response.status_code)
    print("MAILS", [(m.to, m.subject) for m in mail.outbox])
    """
)


def test_a_500_is_logged_with_its_traceback_and_mailed_to_the_admins(tmp_path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "paperwire.settings",
        "PAPERWIRE_DEBUG": "False",
        "PAPERWIRE_ADMINS": "Ops <ops@example.org>",
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert "STATUS 500" in done.stdout, done.stderr
    assert "Internal Server Error: /papers" in done.stderr
    assert "Traceback" in done.stderr and "RuntimeError: the feed broke" in done.stderr
    assert "MAILS [(['ops@example.org'], '[Paperwire] ERROR" in done.stdout
