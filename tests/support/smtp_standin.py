"""A local SMTP stand-in on a free loopback port that records every message it accepts, so a test
can count deliveries (smtplib's side of the protocol: EHLO, MAIL, RCPT, DATA, QUIT; no TLS)."""

from __future__ import annotations

import socketserver
import threading
import time
from email import message_from_bytes, policy
from email.message import Message


class SmtpStandin:
    def __init__(self, delay: float = 0.0):
        self.delay = delay  # seconds before answering DATA: a slow server, so workers overlap
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 standin ESMTP")
                while line := self.rfile.readline():
                    verb = line.strip().split(b" ", 1)[0].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 standin")
                    elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                        self.reply("250 OK")
                    elif verb == b"DATA":
                        self.reply("354 go ahead")
                        data = bytearray()
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        time.sleep(standin.delay)
                        with standin._lock:
                            standin.messages.append(
                                message_from_bytes(bytes(data), policy=policy.default)
                            )
                        self.reply("250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not here")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpStandin:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["Subject"]) for m in self.messages]
