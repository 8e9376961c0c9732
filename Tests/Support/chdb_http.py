"""A stand-in for a ClickHouse server's HTTP interface, backed by chdb (ClickHouse's engine in-process).

usage: chdb_http.py EVENTS.jsonl PORTFILE
Loads EVENTS (`vigil export` output) into table `events` (every column Nullable(String)), listens on a free
loopback port (written to PORTFILE), and answers POST / with the query in the body and settings as URL
parameters, as ClickHouse does: 200 with the rows, or 500 with the exception text. Used by the tests of
`vigil hunt --engine clickhouse`; not part of Vigil itself.
"""
import json
import os
import re
import signal
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

from chdb import session

events, portfile = sys.argv[1], sys.argv[2]
columns, seen = [], set()
with open(events) as f:
    for line in f:
        if line.strip():
            for k in json.loads(line):
                if k.lower() not in seen:
                    seen.add(k.lower())
                    columns.append(k)
s = session.Session()
s.query("CREATE DATABASE IF NOT EXISTS vigil")
s.query("USE vigil")
schema = ", ".join("`%s` Nullable(String)" % c.replace("`", "``") for c in columns)
s.query("CREATE TABLE events (%s) ENGINE = Memory" % schema)
s.query("INSERT INTO events SELECT * FROM file('%s', JSONEachRow, '%s')" % (events.replace("'", "\\'"), schema.replace("\\", "\\\\").replace("'", "\\'")))
FORMAT = re.compile(r"\s+FORMAT\s+(\w+)\s*$", re.I)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        params = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        m = FORMAT.search(body)
        fmt = m.group(1) if m else "TabSeparated"
        sql = body[: m.start()] if m else body
        try:
            for name, values in params.items():
                if re.fullmatch(r"\w+", name) and re.fullmatch(r"\w+", values[0]):
                    s.query("SET %s = %s" % (name, values[0]))
            out = s.query(sql, fmt).bytes()
            code = 200
        except Exception as e:  # noqa: BLE001 - the server answers every error as ClickHouse does
            out, code = str(e).encode(), 500
        self.send_response(code)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


# chdb's engine ignores SIGTERM; the tests stop the server with it.
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
