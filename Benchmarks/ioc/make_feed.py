"""An indicator feed for the sweep benchmark: the real indicators given on stdin (one per line), padded
with random hashes, addresses, CIDR blocks, domains and paths to N lines, so that a run with a small and a
large feed shows whether the cost grows with the number of indicators."""
import random, sys

n = int(sys.argv[1])
real = [l.strip() for l in sys.stdin if l.strip()]
rng = random.Random(7)
out = list(real)
kinds = ["sha256", "md5", "sha1", "ip", "cidr", "domain", "path", "filename"]
while len(out) < n:
    k = kinds[len(out) % len(kinds)]
    if k == "sha256": out.append("sha256:" + "%064x" % rng.getrandbits(256))
    elif k == "md5": out.append("md5:" + "%032x" % rng.getrandbits(128))
    elif k == "sha1": out.append("sha1:" + "%040x" % rng.getrandbits(160))
    elif k == "ip": out.append("ip:198.%d.%d.%d" % (rng.randrange(18, 20), rng.randrange(256), rng.randrange(256)))
    elif k == "cidr": out.append("cidr:203.%d.%d.0/24" % (rng.randrange(256), rng.randrange(256)))
    elif k == "domain": out.append("domain:%x.example-%d.net" % (rng.getrandbits(40), rng.randrange(1000)))
    elif k == "path": out.append("path:C:\\Users\\Public\\%x\\payload.exe" % rng.getrandbits(40))
    else: out.append("filename:%x.dll" % rng.getrandbits(40))
print("\n".join(out))
