#!/usr/bin/env python3
"""A loopback HTTP server for Vigil's tests (Python's http.server, the independent peer): serves the files of a
folder; answers fixed routes from a JSON file read on every request ({path: [status, {header: value}, body,
delay seconds]}); echoes POST requests as JSON; acts as an HTTP proxy that tunnels every CONNECT back to itself,
answering /proxied with the tunnel's target. Binds 127.0.0.1 on a free port and writes the port to a file.

usage: http_mirror.py FOLDER ROUTES.json PORTFILE
"""
import http.server
import json
import os
import sys
import threading
import time

folder, routes_file, port_file = sys.argv[1:4]


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    tunnel = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=folder, **kwargs)

    def do_CONNECT(self):
        # The requests that follow on this connection come through the tunnel: serve them here.
        self.tunnel = self.path
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        routes = {}
        if os.path.exists(routes_file):
            with open(routes_file) as f:
                routes = json.load(f)
        route = routes.get(self.path)
        if self.path == "/proxied":
            route = [200, {}, "tunnel to %s" % self.tunnel]
        if route is None:
            return super().do_GET()
        status, headers, body = route[:3]
        if len(route) > 3:
            time.sleep(route[3])
        data = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        reply = json.dumps({
            "path": self.path,
            "body": body.decode("utf-8", "replace"),
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def exit_with_parent():
    # Standard input is a pipe the test holds open: end of file means the test process is gone.
    sys.stdin.buffer.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
