#!/usr/bin/env python3
"""Build a synthetic EVTX chunk exercising BinXML tokens and value types the shared samples lack
(every scalar type, arrays in content and attributes, optional substitutions, nested BinXML,
entity references, processing instructions, ANSI strings, odd Unicode), run the reference parser
(PyPI evtx) on it, and write Tests/VigilEVTXTests/SyntheticFixture.swift: the chunk's used bytes
(hex) and the reference's JSON per record.

usage: Benchmarks/.venv/bin/python Benchmarks/evtx/make_synthetic.py
"""
import os
import struct
import tempfile
import zlib

import evtx

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


class BinXML:
    """Writes BinXML at a known chunk offset so that inline names and definitions line up."""

    def __init__(self, base):
        self.base, self.b = base, bytearray()

    def pos(self):
        return self.base + len(self.b)

    def u8(self, v): self.b += struct.pack("<B", v)
    def u16(self, v): self.b += struct.pack("<H", v)
    def u32(self, v): self.b += struct.pack("<I", v)

    def name(self, s):
        self.u32(self.pos() + 4)  # inline: the entry follows
        self.u32(0); self.u16(0); self.u16(len(s)); self.b += s.encode("utf-16-le"); self.u16(0)

    def open(self, n, attrs=False, dep=False):
        self.u8(0x41 if attrs else 0x01)
        if dep: self.u16(0xFFFF)
        self.u32(0); self.name(n)
        if attrs: self.u32(0)

    def attr(self, n): self.u8(0x06); self.name(n)
    def close_start(self): self.u8(0x02)
    def close_empty(self): self.u8(0x03)
    def end(self): self.u8(0x04)
    def eof(self): self.u8(0x00)
    def fragment(self): self.b += b"\x0f\x01\x01\x00"

    def text(self, s):
        units = s.encode("utf-16-le")
        self.u8(0x05); self.u8(0x01); self.u16(len(units) // 2); self.b += units

    def entity(self, n): self.u8(0x09); self.name(n)
    def pi(self, target, data):
        self.u8(0x0A); self.name(target)
        units = data.encode("utf-16-le"); self.u8(0x0B); self.u16(len(units) // 2); self.b += units
    def cdata(self, s):
        units = s.encode("utf-16-le"); self.u8(0x07); self.u16(len(units) // 2); self.b += units
    def charref(self, v): self.u8(0x08); self.u16(v)
    def sub(self, index, vtype, optional=False): self.u8(0x0E if optional else 0x0D); self.u16(index); self.u8(vtype)

    def instance(self, build_definition, values):
        """Template instance with its definition inline; values are (type, bytes)."""
        self.u8(0x0C); self.u8(0x01); self.u32(0x1234)
        definition = self.pos() + 4
        self.u32(definition)
        d = BinXML(definition + 24)
        build_definition(d)
        self.u32(0); self.b += bytes(range(16)); self.u32(len(d.b)); self.b += d.b
        self.u32(len(values))
        for t, v in values:
            self.u16(len(v)); self.u8(t); self.u8(0)
        for _, v in values:
            self.b += v


def utf16(s): return s.encode("utf-16-le", "surrogatepass")


def filetime(y, mo, d, h, mi, s, ticks):
    import datetime
    delta = datetime.datetime(y, mo, d, h, mi, s) - datetime.datetime(1601, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + ticks


def record_1(x):
    """Direct elements: attributes, entity references, a processing instruction."""
    x.fragment()
    x.open("Event", attrs=True); x.attr("Kind"); x.text("direct"); x.close_start()
    x.open("Note"); x.close_start(); x.text("a"); x.entity("amp"); x.text("b"); x.entity("lt"); x.entity("unknown"); x.end()
    x.open("Instr"); x.close_start(); x.pi("target", "some data"); x.end()
    x.open("Empty"); x.close_empty()
    x.open("Note"); x.close_start(); x.text("second"); x.end()
    x.end(); x.eof()


def definition_2(d):
    d.fragment()
    d.open("Event", attrs=True, dep=True); d.attr("xmlns"); d.text("http://schemas.microsoft.com/win/2004/08/events/event"); d.close_start()
    d.open("System", dep=True); d.close_start()
    d.open("Provider", attrs=True, dep=True); d.attr("Name"); d.sub(0, 0x01); d.close_empty()
    for i, (n, t) in enumerate([("EventID", 0x06), ("Level", 0x04), ("Keywords", 0x15)], start=1):
        d.open(n, dep=True); d.close_start(); d.sub(i, t); d.end()
    d.open("TimeCreated", attrs=True, dep=True); d.attr("SystemTime"); d.sub(4, 0x11); d.close_empty()
    for i, (n, t, opt) in enumerate([("Guid", 0x0F, False), ("Sid", 0x13, False), ("Opt", 0x01, True), ("Flag", 0x0D, False),
                                     ("Real", 0x0C, False), ("Sys", 0x12, False), ("Size", 0x10, False), ("Bin", 0x0E, False)], start=5):
        d.open(n, dep=True); d.close_start(); d.sub(i, t, opt); d.end()
    d.open("Ints", attrs=True, dep=True); d.attr("Values"); d.sub(13, 0x88); d.close_empty()
    for i, (n, t) in enumerate([("I8", 0x03), ("I64", 0x09), ("I16", 0x05), ("U64", 0x0A), ("Hex32", 0x14), ("R32", 0x0B)], start=14):
        d.open(n, dep=True); d.close_start(); d.sub(i, t); d.end()
    d.end()
    d.open("EventData", dep=True); d.close_start()
    for i, n in enumerate(["A", "B", "C", "D"], start=20):
        d.open("Data", attrs=True, dep=True); d.attr("Name"); d.text(n); d.close_start(); d.sub(i, [0x01, 0x21, 0x02, 0x87][i - 20]); d.end()
    d.end()
    d.end(); d.eof()


def nested_fragment(base):
    n = BinXML(base)
    n.fragment(); n.open("Inner", attrs=True); n.attr("x"); n.text("1"); n.close_start(); n.text("text"); n.end(); n.eof()
    return bytes(n.b)


def record_2(x):
    x.fragment()
    ft = filetime(2021, 7, 4, 12, 30, 45, 1234567)
    sid = bytes([1, 4, 0, 0, 0, 0, 0, 5]) + struct.pack("<IIII", 21, 1004336348, 1177238915, 500)
    systime = struct.pack("<8H", 2020, 2, 3, 29, 23, 59, 58, 999)
    values_before_nested = [
        (0x01, utf16("Microsoft-Windows-Test")), (0x06, struct.pack("<H", 4624)), (0x04, b"\x04"),
        (0x15, struct.pack("<Q", 0x8020000000000000)), (0x11, struct.pack("<Q", ft)),
        (0x0F, bytes.fromhex("00112233445566778899aabbccddeeff")), (0x13, sid), (0x01, b""), (0x0D, struct.pack("<i", 1)),
        (0x0C, struct.pack("<d", 1.5e-7)), (0x12, systime), (0x10, struct.pack("<Q", 0xDEADBEEF)),
        (0x0E, b"\x00\x01\xfe\xff"), (0x88, struct.pack("<III", 7, 0, 4294967295)), (0x03, struct.pack("<b", -5)),
        (0x09, struct.pack("<q", -1234567890123)), (0x05, struct.pack("<h", -300)), (0x0A, struct.pack("<Q", 2**64 - 1)),
        (0x14, struct.pack("<I", 0xAB)), (0x0B, struct.pack("<f", 3.25)),
        (0x01, utf16('q"uote\\back\nnew\ttab\u00e9\U0001F600\x01 ') + b"\x00\xd8" + utf16("end")),
    ]
    # The nested BinXML value's chunk offset is only known once everything before it is laid
    # out; write once with a placeholder to measure, then for real.
    def build(nested_base):
        y = BinXML(x.base + len(x.b))
        values = values_before_nested + [(0x21, nested_fragment(nested_base)), (0x02, b"ANSI \x80 caf\xe9\x00"),
                                         (0x87, struct.pack("<ii", -1, 2))]
        y.instance(definition_2, values)
        return y, values
    probe, values = build(0)
    offset_of_nested = probe.base + len(probe.b) - sum(len(v) for _, v in values[len(values_before_nested):])
    final, _ = build(offset_of_nested)
    x.b += final.b
    x.eof()


def definition_3(d):
    d.fragment()
    d.open("Event", dep=True); d.close_start()
    d.open("EventData", dep=True); d.close_start()
    d.open("Data", dep=True); d.close_start(); d.sub(0, 0x81); d.end()
    d.open("Binary", dep=True); d.close_start(); d.sub(1, 0x0E, True); d.end()
    d.end()
    d.open("UserData", dep=True); d.close_start(); d.sub(2, 0x21); d.end()
    d.end(); d.eof()


def record_3(x):
    x.fragment()

    def build(nested_base):
        y = BinXML(x.base + len(x.b))
        inner = BinXML(nested_base)
        inner.fragment(); inner.open("Log", attrs=True); inner.attr("xmlns"); inner.text("urn:x"); inner.close_start()
        inner.open("Item"); inner.close_start(); inner.text("one"); inner.end()
        inner.open("Item"); inner.close_start(); inner.text("two"); inner.end()
        inner.end(); inner.eof()
        values = [(0x81, utf16("alpha\0\0gamma\0")), (0x0E, b""), (0x21, bytes(inner.b))]
        y.instance(definition_3, values)
        return y, len(inner.b)
    probe, n = build(0)
    final, _ = build(probe.base + len(probe.b) - n)
    x.b += final.b
    x.eof()


def record_4(x):
    """CDATA and character references (the reference parser rejects these tokens)."""
    x.fragment()
    x.open("Event"); x.close_start()
    x.open("Data"); x.close_start(); x.text("a"); x.entity("amp"); x.text("b"); x.charref(65); x.cdata("x<y"); x.end()
    x.open("More"); x.close_start(); x.charref(0xD83D); x.end()
    x.end(); x.eof()


def chunk():
    body = bytearray()
    offset = 512
    for rid, build in enumerate([record_1, record_2, record_3, record_4], start=1):
        x = BinXML(offset + 24)
        build(x)
        size = 24 + len(x.b) + 4
        body += struct.pack("<IIQQ", 0x2A2A, size, rid, filetime(2021, 7, 4, 12, 0, rid, 0)) + x.b + struct.pack("<I", size)
        offset += size
    data = bytearray(65536)
    data[512:512 + len(body)] = body
    free = 512 + len(body)
    header = bytearray(512)
    header[0:8] = b"ElfChnk\0"
    struct.pack_into("<QQQQIIII", header, 8, 1, 4, 1, 4, 128, offset - size, free, zlib.crc32(bytes(data[512:free])))
    data[0:512] = header
    struct.pack_into("<I", data, 124, zlib.crc32(bytes(data[0:120]) + bytes(data[128:512])))
    return bytes(data), free


def main():
    data, used = chunk()
    file_header = bytearray(4096)
    file_header[0:8] = b"ElfFile\0"
    struct.pack_into("<QQQIHHHH", file_header, 8, 0, 0, 4, 128, 1, 3, 4096, 1)
    struct.pack_into("<I", file_header, 124, zlib.crc32(bytes(file_header[0:120])))
    with tempfile.NamedTemporaryFile(suffix=".evtx", delete=False) as f:
        f.write(bytes(file_header) + data)
    lines = []
    try:
        for r in evtx.PyEvtxParser(f.name).records_json():
            lines.append(r["data"])
    except RuntimeError as e:  # record 4: CDATA / character references are not implemented there
        lines.append(f"reference error: {e}".replace('"', "'"))
    os.unlink(f.name)
    for line in lines:
        print(line)
    out = os.path.join(ROOT, "Tests", "VigilEVTXTests", "SyntheticFixture.swift")
    body = ",\n".join(f"        #\"\"\"\n        {l}\n        \"\"\"#" for l in lines)
    hexdata = data[:used].hex()
    chunks = ",\n".join(f'        "{hexdata[i:i + 120]}"' for i in range(0, len(hexdata), 120)) + ","
    with open(out, "w") as f:
        f.write(f"""// Generated by Benchmarks/evtx/make_synthetic.py: a synthetic chunk covering BinXML tokens and
// value types the shared samples lack, and the JSON the reference parser (PyPI evtx 0.14) gives.
// Do not edit by hand.

enum SyntheticFixture {{
    /// The used bytes of the chunk (header and records); the rest of the 64 KiB is zero.
    static let chunkHex: String = [
{chunks}
    ].joined()

    static let referenceJSON: [String] = [
{body},
    ]
}}
""")
    print(out)


if __name__ == "__main__":
    main()
