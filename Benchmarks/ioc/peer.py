"""The peer: an indicator sweep as a hunter would write it in Python over JSON lines (gzip allowed) with
the same rules as vigil ioc — hex runs in any value, whole-value and address-field IPs with CIDR blocks
(ipaddress), URL hosts and host-name fields with parent domains, path fields by their tails, command-line
tokens. Prints the number of (event, indicator) hits and events read."""
import gzip, ipaddress, json, os, re, sys

ADDRESS = {"sourceip", "destinationip", "ipaddress", "clientaddress", "sourceaddress", "destaddress", "queryresults", "address"}
HOSTS = {"queryname", "destinationhostname", "sourcehostname", "targetserverhostname"}
PATHS = {"image", "parentimage", "targetfilename", "imageloaded", "sourceimage", "targetimage", "newprocessname",
         "parentprocessname", "processname", "application", "targetobject", "pipename", "originalfilename"}
COMMANDS = {"commandline", "parentcommandline", "servicefilename", "imagepath", "details"}
WORD = re.compile(r"[0-9A-Za-z]+")
URL = re.compile(r"[A-Za-z0-9]://([^/?#\\\s\"'<>`|^{}()]+)")
TOKEN = re.compile(r"[^\s\"']+")

hashes, exact, networks, domains, paths = {}, {}, [], {}, {}
for i, line in enumerate(open(sys.argv[1])):
    kind, _, value = line.strip().partition(":")
    if kind in ("sha256", "md5", "sha1", "imphash"): hashes[value.lower()] = i
    elif kind == "ip": exact[ipaddress.ip_address(value)] = i
    elif kind == "cidr": networks.append((ipaddress.ip_network(value, strict=False), i))
    elif kind == "domain": domains[value.lower()] = i
    else: paths[value.lower().replace("/", "\\").lstrip("\\")] = i

def address(text, hit):
    try:
        a = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return
    if a.version == 6 and a.ipv4_mapped: a = a.ipv4_mapped
    if a in exact: hit(exact[a])
    for net, i in networks:
        if a.version == net.version and a in net: hit(i)

def host(h, hit):
    labels = h.lower().rstrip(".").split(".")
    for k in range(len(labels)):
        i = domains.get(".".join(labels[k:]))
        if i is not None: hit(i)

def path(p, hit):
    p = p.lower().replace("/", "\\").strip('"')
    parts = p.split("\\")
    for k in range(len(parts)):
        i = paths.get("\\".join(parts[k:]))
        if i is not None: hit(i)

def walk(obj, prefix, out):
    for k, v in obj.items():
        name = prefix + k
        if isinstance(v, dict): walk(v, name + ".", out)
        elif isinstance(v, str): out.append((k.lower(), v))

hits = events = 0
for root in sys.argv[2:]:
    files = [root] if os.path.isfile(root) else sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if ".json" in f)
    for f in files:
        for line in (gzip.open if f.endswith(".gz") else open)(f, "rt", encoding="utf-8"):
            if not line.strip(): continue
            event = json.loads(line)
            events += 1
            seen = set()
            values = []
            walk(event, "", values)
            for name, value in values:
                if hashes and len(value) >= 32:
                    for w in WORD.findall(value):
                        if len(w) in (32, 40, 64, 128) and w.lower() in hashes: seen.add(hashes[w.lower()])
                if "://" in value:
                    for h in URL.findall(value):
                        h = h.split("@")[-1].split(":")[0]
                        address(h, seen.add); host(h, seen.add)
                address(value.strip(), seen.add)
                if name in ADDRESS:
                    for t in re.split(r"[;,\s]+", value): address(t, seen.add)
                elif name in HOSTS: host(value.strip(), seen.add)
                elif name in PATHS: path(value.strip(), seen.add)
                elif name in COMMANDS:
                    for t in TOKEN.findall(value): path(t, seen.add); address(t, seen.add)
            hits += len(seen)
print(hits, events)
