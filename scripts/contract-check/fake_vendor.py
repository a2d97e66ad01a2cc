"""A fake Copaco + 2tCloud API on 127.0.0.1, with the failures the contracts name.

It is written from the vendor contracts, not from billwh's own sandbox, so that the two cannot
share a misreading. It checks the credentials (Copaco's key header, 2tCloud's Basic auth and
`Accept: application/json`), filters documents on `Header.Date` with the inclusive
`startDate`/`endDate`, and answers with Content-Length or chunked bodies. A fault queued for a
path is used by that path's next request.
"""
import base64
import datetime
import random
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

COPACO_PATHS = {"in": "/api/v1/invoices", "out": "/api/v1/customer-specifications"}
TWOTCLOUD_PATHS = {"in": "/v2/invoices", "out": "/v2/customerinvoices"}
PATHS = {"copaco": COPACO_PATHS, "twotcloud": TWOTCLOUD_PATHS}

# Failures billwh must retry (docs/vendors.md): the next attempt gets the real answer.
# Not retried: "400", "401", "403", and "garbage" (a whole body that is not JSON).
TRANSIENT_FAULTS = ("429", "429-retry-after-1", "429-no-retry-after", "429-http-date", "500", "502", "503", "504",
                    "reset", "truncate", "truncate-chunked", "cut-early", "no-final-chunk", "content-length-too-long")

# A request line or header that does not arrive within this many seconds ends the connection,
# so that no handler thread waits forever on a client that went away.
SOCKET_TIMEOUT = 30


class VendorState:
    """What the fake serves: documents per path as (Header.Date, JSON text), faults queued per
    path, the credentials it accepts, and a log of every request (path, query, headers)."""

    def __init__(self, seed):
        self.docs = {}
        self.faults = {}
        self.log = []
        self.copaco_key = "k-secret-123"
        self.twotcloud_account = "777001"
        self.twotcloud_key = "t-secret-456"
        self.chunked = False
        self.envelope = None          # function(list of texts) -> body; None: plain {"Invoices":[...]}
        self.before_answer = None     # function(path), called before each answer (to hold or observe it)
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def requests(self, path):
        with self.lock:
            return sum(1 for p, _, _ in self.log if p == path)


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = SOCKET_TIMEOUT

        def log_message(self, *args):
            pass

        def send_body(self, code, body, content_type="application/json", headers=(), cut=False, chunked=None):
            """Sends `body`; `cut` closes the connection halfway through it."""
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            for name, value in headers:
                self.send_header(name, value)
            if state.chunked if chunked is None else chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                with state.lock:
                    sizes = random.Random(state.rng.random())
                end = len(data) // 2 if cut else len(data)
                pos = 0
                while pos < end:
                    part = data[pos:min(end, pos + sizes.randint(1, 4096))]
                    self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
                    pos += len(part)
                if not cut:
                    self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:len(data) // 2] if cut else data)
            if cut:
                self.wfile.flush()
                self.close_connection = True

        def send_raw(self, body, content_length=None, final_chunk=True):
            """A whole body framed wrongly: a Content-Length longer than the body, or a chunked
            body without its final chunk; the connection then closes."""
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if content_length is not None:
                self.send_header("Content-Length", str(content_length))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n" + (b"0\r\n\r\n" if final_chunk else b""))
            self.wfile.flush()
            self.close_connection = True

        def authorised(self, path):
            if path in COPACO_PATHS.values():
                if self.headers.get("X-Api-Key") != state.copaco_key:
                    self.send_body(401, '{"message":"unauthorized"}')
                    return False
                return True
            credentials = "%s:%s" % (state.twotcloud_account, state.twotcloud_key)
            if self.headers.get("Authorization") != "Basic " + base64.b64encode(credentials.encode()).decode():
                self.send_body(403, "Forbidden", "text/plain")
                return False
            if "application/json" not in (self.headers.get("Accept") or ""):
                # the real API answers XML then; this fake speaks JSON only, so it says so
                self.send_body(406, "<InvoiceResponse/>", "application/xml")
                return False
            return True

        def do_GET(self):
            url = urlparse(self.path)
            path = url.path
            with state.lock:
                state.log.append((path, url.query, dict(self.headers)))
                queued = state.faults.get(path) or []
                fault = queued.pop(0) if queued else None
            if path not in COPACO_PATHS.values() and path not in TWOTCLOUD_PATHS.values():
                return self.send_body(404, '{"message":"not found"}')
            if not self.authorised(path):
                return
            if state.before_answer is not None:
                state.before_answer(path)
            if fault == "reset":
                # RST instead of an answer
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            simple = {"400": (400, '{"message":"bad date"}', "application/json", ()),
                      "401": (401, '{"message":"unauthorized"}', "application/json", ()),
                      "403": (403, '{"message":"forbidden"}', "application/json", ()),
                      "429": (429, '{"message":"slow down"}', "application/json", [("Retry-After", "0")]),
                      "429-retry-after-1": (429, '{"message":"slow down"}', "application/json", [("Retry-After", "1")]),
                      "429-no-retry-after": (429, '{"message":"slow down"}', "application/json", ()),
                      "429-http-date": (429, '{"message":"slow down"}', "application/json",
                                        [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                      "500": (500, '{"message":"oops"}', "application/json", ()),
                      "502": (502, "<html>bad gateway</html>", "text/html", ()),
                      "503": (503, "Service Unavailable", "text/plain", ()),
                      "504": (504, "<html>gateway timeout</html>", "text/html", ())}
            if fault in simple:
                code, body, content_type, headers = simple[fault]
                return self.send_body(code, body, content_type, headers)
            query = parse_qs(url.query)
            try:
                start, end = (query[name][0] for name in ("startDate", "endDate"))
                if len(start) != 8 or len(end) != 8:
                    raise ValueError
                start = datetime.datetime.strptime(start, "%Y%m%d").date()
                end = datetime.datetime.strptime(end, "%Y%m%d").date()
            except (KeyError, ValueError):
                return self.send_body(400, '{"message":"malformed date"}')
            texts = [text for (date, text) in state.docs.get(path, []) if start <= date <= end]
            body = state.envelope(texts) if state.envelope else '{"Invoices":[' + ",".join(texts) + "]}"
            if fault == "truncate":
                return self.send_body(200, body, cut=True, chunked=False)
            if fault == "truncate-chunked":
                return self.send_body(200, body, cut=True, chunked=True)
            if fault == "cut-early":
                return self.send_raw('{"Invoices":[', content_length=100000)
            if fault == "content-length-too-long":
                return self.send_raw(body, content_length=len(body.encode("utf-8")) + 10)
            if fault == "no-final-chunk":
                return self.send_raw(body, final_chunk=False)
            if fault == "garbage":
                body = body[:-1]   # arrives whole, but is not JSON
            return self.send_body(200, body)

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass   # a client that hangs up mid-answer is what some faults provoke


class FakeVendor:
    """The server, on an ephemeral port of 127.0.0.1, in a thread of this process."""

    def __init__(self, state):
        self.state = state
        self.server = QuietServer(("127.0.0.1", 0), make_handler(state))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
