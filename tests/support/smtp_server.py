"""A tiny SMTP server on 127.0.0.1 for tests: EHLO, AUTH PLAIN/LOGIN (one user), MAIL, RCPT, DATA, RSET, NOOP,
QUIT. It keeps every message it accepted, parsed, with who logged in; it can refuse logins. Real sockets, real
``smtplib`` on the other side: what bokbro's SMTP path does against a real server, without the internet."""

from __future__ import annotations

import base64
import contextlib
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    login: str | None

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""  # type: ignore[union-attr]


@dataclass
class SmtpServer:
    port: int
    username: str
    password: str
    messages: list[Received] = field(default_factory=list)
    transcript: list[bytes] = field(default_factory=list)  # every line the client sent
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self) -> bytes | None:
        line = self.rfile.readline(65536)
        if not line:
            return None
        with self.server.state.lock:
            self.server.state.transcript.append(line)
        return line.rstrip(b"\r\n")

    def handle(self) -> None:
        state = self.server.state
        self.reply("220 localhost test SMTP ready")
        sender, recipients, login = "", [], None
        while (line := self.readline()) is not None:
            verb, _, arg = line.decode(errors="replace").partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                self.wfile.flush()
            elif verb == "AUTH":
                mech, _, initial = arg.partition(" ")
                if mech.upper() == "PLAIN":
                    if not initial:
                        self.reply("334 ")
                        initial = (self.readline() or b"").decode()
                    parts = base64.b64decode(initial).split(b"\0")
                    user, password = parts[1].decode(), parts[2].decode()
                elif mech.upper() == "LOGIN":
                    self.reply("334 " + base64.b64encode(b"Username:").decode())
                    user = base64.b64decode(self.readline() or b"").decode()
                    self.reply("334 " + base64.b64encode(b"Password:").decode())
                    password = base64.b64decode(self.readline() or b"").decode()
                else:
                    self.reply("504 unknown mechanism")
                    continue
                if user == state.username and password == state.password:
                    login = user
                    self.reply("235 authenticated")
                else:
                    self.reply("535 authentication failed")
            elif verb == "MAIL":
                if state.username and login is None:
                    self.reply("530 authentication required")
                    continue
                sender, recipients = arg.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(arg.split(":", 1)[1].strip().strip("<>").split(">")[0])
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                chunks: list[bytes] = []
                while (data := self.readline()) is not None and data != b".":
                    chunks.append(data[1:] if data.startswith(b"..") else data)
                raw = b"\r\n".join(chunks) + b"\r\n"
                message = message_from_bytes(raw, policy=policy.default)
                with state.lock:
                    state.messages.append(Received(sender, recipients, message, raw, login))  # type: ignore[arg-type]
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: SmtpServer


@contextlib.contextmanager
def smtp_server(port: int = 0, username: str = "mailer", password: str = "s3cret-pa55") -> Iterator[SmtpServer]:
    """Serve on 127.0.0.1:``port`` (0: any free port) in a thread until the block ends."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.state = SmtpServer(port=server.server_address[1], username=username, password=password)
    thread = threading.Thread(target=server.serve_forever, name="test-smtp", daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
