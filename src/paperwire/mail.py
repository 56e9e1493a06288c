"""Email transport chosen by one setting, PAPERWIRE_SMTP_URL.

smtp://user:pass@host:port (plain, port 25), smtp+starttls://… (port 587),
smtps://… (implicit TLS, port 465). Unset: development, where each message is
printed on the console and kept as a file under var/mail/.
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.message import EmailMessage

from paperwire.env import SettingError

_SCHEMES = {
    "smtp": (25, False, False),
    "smtp+starttls": (587, True, False),
    "smtps": (465, False, True),
}


def smtp_settings(url: str, mail_dir: Path) -> dict[str, object]:
    if not url:
        return {
            "EMAIL_BACKEND": "paperwire.mail.DevelopmentBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise SettingError(
            "PAPERWIRE_SMTP_URL: use smtp://, smtp+starttls:// or smtps:// "
            f"(not {parts.scheme or 'a URL without a scheme'})"
        )
    if not parts.hostname:
        raise SettingError("PAPERWIRE_SMTP_URL: the URL names no host")
    default_port, starttls, implicit_tls = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise SettingError("PAPERWIRE_SMTP_URL: the port is not a number") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": starttls,
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_TIMEOUT": 30,
    }


class DevelopmentBackend(FileBackend):
    """Writes each message to var/mail/ and shows it on the console."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._console = ConsoleBackend(*args, **kwargs)

    def send_messages(self, email_messages: list[EmailMessage]) -> int:  # type: ignore[override]
        self._console.send_messages(email_messages)
        return super().send_messages(email_messages)
