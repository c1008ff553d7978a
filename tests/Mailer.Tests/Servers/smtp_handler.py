"""aiosmtpd handler for the mailer tests: saves every accepted message as an .eml file and answers chosen
recipients with 550 (always) or 451 (a given number of times). Every RCPT answer is logged to rcpt.log.

Run: PYTHONPATH=<this folder> /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_handler.Handler
Environment: SMTP_SAVE_DIR, SMTP_REJECT_550="a@x,b@y", SMTP_TEMPFAIL_451="c@z:2".
"""
import os
import pathlib
import time


class Handler:
    def __init__(self):
        self.folder = pathlib.Path(os.environ["SMTP_SAVE_DIR"])
        self.reject = {a.strip().lower() for a in os.environ.get("SMTP_REJECT_550", "").split(",") if a.strip()}
        self.tempfail = {}
        for item in os.environ.get("SMTP_TEMPFAIL_451", "").split(","):
            if item.strip():
                address, count = item.strip().rsplit(":", 1)
                self.tempfail[address.lower()] = int(count)
        self.accepted = 0

    def log(self, line):
        with open(self.folder / "rcpt.log", "a", encoding="utf-8") as f:
            f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        if key in self.reject:
            self.log(f"550 {key}")
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if self.tempfail.get(key, 0) > 0:
            self.tempfail[key] -= 1
            self.log(f"451 {key}")
            return "451 4.3.0 Mailbox busy, try again later"
        self.log(f"250 {key}")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        name = "%d-%d.eml" % (time.time_ns(), self.accepted)
        temporary = self.folder / (name + ".tmp")
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)
        return "250 2.0.0 Message accepted for delivery"
