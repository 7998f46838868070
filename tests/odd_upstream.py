"""A tiny upstream of our own serving account `odd-account`: what the sandbox refuses to store
(lone surrogates, device ids with spaces and "|") and a right-to-left override, as raw JSON text.
It answers reads only, whatever the token: sign in against the sandbox, then point at this."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ODD = "odd-account"
RLO = "\u202e"
GATEWAY = "gw one"  # an id with a space
QUEUE = "q|x"  # an id with the separator the trace's markup used to use
# JSON text as an upstream may send it: \ud800 and \udc00 are valid JSON escapes of no character
ACCOUNT = b'{"id": "odd-account", "name": "Odd \\ud800 Ltd", "mbn": "441000000001"}'
DEVICES = (
    b"["
    b'{"id": "s", "type": "ROUTE_START", "name": "Main \\udc00 line", "extension": "600",'
    b' "startRoute": {"ddis": ["d1"], "connectTo": "gw one"}},'
    b'{"id": "gw one", "type": "SIP_GATEWAY", "name": "Gate \\ud83d way", "extension": "601",'
    b' "sipGateway": {"ringTime": 30, "trunks": [], "onComplete": "q|x", "onBusy": "HANGUP",'
    b' "onNoAnswer": "HANGUP", "onFail": "HANGUP", "note\\udfff": "x\\ud800"}},'
    b'{"id": "q|x", "type": "QUEUE", "name": "evil/\\u202egnp.exe", "extension": "602",'
    b' "queue": {"connectTo": "HANGUP"}}'
    b"]"
)


ANSWERS = {
    f"/api/v1/account/{ODD}": ACCOUNT,
    f"/api/v1/account/{ODD}/device": DEVICES,
    f"/api/v1/account/{ODD}/ddi": b'[{"id": "d1", "name": "441000000001"}]',
    f"/api/v1/account/{ODD}/trunk": b"[]",
}


class _Upstream(BaseHTTPRequestHandler):
    def do_GET(self):
        body = ANSWERS.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        body = body if body is not None else b'{"message": "not found \\ud800"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def odd_upstream():
    """Its base URL while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
