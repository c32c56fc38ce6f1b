"""A real SMTP server for the tests: accepts every message and writes it to a directory.

    python tools/smtp_sink.py --dir DIR [--port 0]

Listens on 127.0.0.1 (port 0: the system picks one) with aiosmtpd, prints `ready <port>` on
stdout once it accepts connections, and writes each message it receives to DIR as
`<n>.json`: {"mail_from", "rcpt_tos", "subject", "body", "raw"}, where body is the decoded
text/plain part (so quoted-printable soft breaks do not split a link). Each file is written
under a temporary name and renamed, so a reader never sees half a message. Runs until killed.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": str(message.get("subject", "")),
            "body": body,
            "raw": raw.decode("utf-8", "replace"),
        }
        n = next(self.counter)
        path = os.path.join(self.directory, f"{n:06d}.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, path)
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost"), "127.0.0.1", args.port
    )
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
