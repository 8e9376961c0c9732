#!/usr/bin/env python3
"""Build a synthetic EVTX chunk of BoolType values other than 0 and 1 (Windows writes 8, 16, 65536…
where a manifest says win:Boolean), run the reference parser (PyPI evtx) on it, and write
Tests/VigilEVTXTests/BoolFixture.swift: the chunk's used bytes (hex) and the reference's JSON and
XML per record.

The reference writes a BoolType of 0 or 1 as false/true and any other value as its signed 32-bit
integer; a BoolType array holding any value other than 0 or 1 is written as integers throughout.
Records 2 to 5 share one template, so that records 3 and 5 are rendered from template programs.

usage: Benchmarks/.venv/bin/python Benchmarks/evtx/make_bool_fixture.py
"""
import os
import struct
import tempfile
import zlib

import evtx

from make_synthetic import ROOT, BinXML, filetime

BOOL, BOOL_ARRAY = 0x0D, 0x8D


def b(*values):
    return struct.pack(f"<{len(values)}i", *values)


def definition_1(d):
    """Scalars and arrays in element content, attributes and mixed text."""
    d.fragment()
    d.open("Event", dep=True); d.close_start()
    d.open("EventData", dep=True); d.close_start()
    for i in range(7):
        d.open("Data", attrs=True, dep=True); d.attr("Name"); d.text(f"B{i}"); d.close_start(); d.sub(i, BOOL); d.end()
    d.open("Flags", attrs=True, dep=True); d.attr("Value"); d.sub(7, BOOL); d.close_empty()
    d.open("Mixed", dep=True); d.close_start(); d.text("x"); d.sub(8, BOOL); d.end()
    d.open("MixedTrue", dep=True); d.close_start(); d.text("x"); d.sub(9, BOOL); d.end()
    d.open("Arr", dep=True); d.close_start(); d.sub(10, BOOL_ARRAY); d.end()
    d.open("Data", attrs=True, dep=True); d.attr("Name"); d.text("Pair"); d.close_start(); d.sub(11, BOOL_ARRAY); d.end()
    d.open("One", dep=True); d.close_start(); d.sub(12, BOOL_ARRAY); d.end()
    d.open("OneTrue", dep=True); d.close_start(); d.sub(13, BOOL_ARRAY); d.end()
    d.open("AttrArr", attrs=True, dep=True); d.attr("V"); d.sub(14, BOOL_ARRAY); d.close_empty()
    d.open("Neg", dep=True); d.close_start(); d.sub(15, BOOL_ARRAY); d.end()
    d.end(); d.end(); d.eof()


VALUES_1 = [(BOOL, b(v)) for v in [0, 1, 16, 8, 65536, -1, 2, 16, 16, 1]] + [
    (BOOL_ARRAY, b(0, 16, 1)), (BOOL_ARRAY, b(1, 0)), (BOOL_ARRAY, b(16)), (BOOL_ARRAY, b(1)),
    (BOOL_ARRAY, b(0, 1, 16)), (BOOL_ARRAY, b(-1, -2147483648)),
]


def definition_2(d):
    """Scalars only: records of one shape after the first come from a template program."""
    d.fragment()
    d.open("Event", dep=True); d.close_start()
    d.open("EventData", dep=True); d.close_start()
    for i, n in enumerate(["Enabled", "Audit", "Mask"]):
        d.open("Data", attrs=True, dep=True); d.attr("Name"); d.text(n); d.close_start(); d.sub(i, BOOL); d.end()
    d.open("Flags", attrs=True, dep=True); d.attr("Value"); d.sub(3, BOOL); d.close_empty()
    d.open("Mixed", dep=True); d.close_start(); d.text("x"); d.sub(4, BOOL); d.end()
    d.end(); d.end(); d.eof()


def reference_instance(x, definition, values):
    """A template instance whose definition was written by an earlier record."""
    x.u8(0x0C); x.u8(0x01); x.u32(0x1234); x.u32(definition)
    x.u32(len(values))
    for t, v in values:
        x.u16(len(v)); x.u8(t); x.u8(0)
    for _, v in values:
        x.b += v


def records():
    shared = {}

    def first(x):
        x.fragment(); x.instance(definition_1, VALUES_1); x.eof()

    def scalars(values):
        def build(x):
            x.fragment()
            encoded = [(BOOL, b(v)) for v in values]
            if "definition" in shared:
                reference_instance(x, shared["definition"], encoded)
            else:
                shared["definition"] = x.pos() + 10  # after the token, version, template id and offset
                x.instance(definition_2, encoded)
            x.eof()
        return build

    # 3 repeats 2's shape (values other than 0/1 in the same places); 5 repeats 4's (0/1 only).
    return [first, scalars([16, 1, 0, 16, 16]), scalars([8, 1, 0, 65536, -1]), scalars([1, 0, 1, 1, 0]),
            scalars([0, 1, 0, 0, 1])]


def chunk():
    builds = records()
    body = bytearray()
    offset = 512
    for rid, build in enumerate(builds, start=1):
        x = BinXML(offset + 24)
        build(x)
        size = 24 + len(x.b) + 4
        body += struct.pack("<IIQQ", 0x2A2A, size, rid, filetime(2021, 7, 4, 12, 0, rid, 0)) + x.b + struct.pack("<I", size)
        offset += size
    n = len(builds)
    data = bytearray(65536)
    data[512:512 + len(body)] = body
    free = 512 + len(body)
    header = bytearray(512)
    header[0:8] = b"ElfChnk\0"
    struct.pack_into("<QQQQIIII", header, 8, 1, n, 1, n, 128, offset - size, free, zlib.crc32(bytes(data[512:free])))
    data[0:512] = header
    struct.pack_into("<I", data, 124, zlib.crc32(bytes(data[0:120]) + bytes(data[128:512])))
    return bytes(data), free, n


def main():
    data, used, n = chunk()
    file_header = bytearray(4096)
    file_header[0:8] = b"ElfFile\0"
    struct.pack_into("<QQQIHHHH", file_header, 8, 0, 0, n + 1, 128, 1, 3, 4096, 1)
    struct.pack_into("<I", file_header, 124, zlib.crc32(bytes(file_header[0:120])))
    with tempfile.NamedTemporaryFile(suffix=".evtx", delete=False) as f:
        f.write(bytes(file_header) + data)
    json_lines = [r["data"] for r in evtx.PyEvtxParser(f.name).records_json()]
    xml_docs = [r["data"] for r in evtx.PyEvtxParser(f.name).records()]
    os.unlink(f.name)
    assert len(json_lines) == n and len(xml_docs) == n
    for line in json_lines:
        print(line)
    hexdata = data[:used].hex()
    chunks = ",\n".join(f'        "{hexdata[i:i + 120]}"' for i in range(0, len(hexdata), 120)) + ","
    json_body = ",\n".join(f"        #\"\"\"\n        {line}\n        \"\"\"#" for line in json_lines)
    xml_body = ",\n".join(
        "        #\"\"\"\n" + "".join(f"        {l}\n" for l in doc.rstrip("\n").split("\n")) + "\n        \"\"\"#"
        for doc in xml_docs)
    out = os.path.join(ROOT, "Tests", "VigilEVTXTests", "BoolFixture.swift")
    with open(out, "w") as f:
        f.write(f"""// Generated by Benchmarks/evtx/make_bool_fixture.py: a synthetic chunk of BoolType values other than
// 0 and 1, and the JSON and XML the reference parser (PyPI evtx 0.14) gives. Do not edit by hand.

enum BoolFixture {{
    /// The used bytes of the chunk (header and records); the rest of the 64 KiB is zero.
    static let chunkHex: String = [
{chunks}
    ].joined()

    static let referenceJSON: [String] = [
{json_body},
    ]

    /// Each record's XML document (ending in one newline, as `records(format: .xml)` gives it).
    static let referenceXML: [String] = [
{xml_body},
    ]
}}
""")
    print(out)


if __name__ == "__main__":
    main()
