"""Mail transports chosen by MAIL_URL: ``smtp://host:port`` (real SMTP), ``file://DIR`` (.eml files),
``console://`` (printed)."""

from __future__ import annotations

import smtplib
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlparse


class MailError(Exception):
    pass


def send(message: EmailMessage, url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme in ("smtp", "smtps"):
        try:
            cls = smtplib.SMTP_SSL if parsed.scheme == "smtps" else smtplib.SMTP
            with cls(parsed.hostname or "127.0.0.1", parsed.port or 25, timeout=10) as smtp:
                if parsed.username:
                    smtp.login(parsed.username, parsed.password or "")
                smtp.send_message(message)
        except smtplib.SMTPException as exc:
            raise MailError(str(exc)) from exc
    elif parsed.scheme == "file":
        folder = Path(parsed.path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        ident = message["Message-ID"].strip("<>").split("@")[0].replace(".", "-")
        (folder / f"{stamp}-{ident}.eml").write_bytes(bytes(message))
    elif parsed.scheme == "console":
        sys.stdout.write(message.as_string() + "\n")
    else:
        raise MailError(f"unknown MAIL_URL scheme {parsed.scheme!r}")
