#!/usr/bin/env python3
"""DICOMweb benchmark: STOW-RS of 100 instances, and QIDO-RS study searches on 1k / 10k / 100k
indexed studies, Passerelle (/dicomweb, bearer token) side by side with Orthanc's DICOMweb plugin
(/dicom-web) in one run, on the same data. Prints Markdown tables with p50 / p95 latencies and the
ratios. Targets (issue 6): STOW >= 2x Orthanc, QIDO p50 <= 1/2 Orthanc.

Usage: bench/dicomweb.py [--sizes 1000,10000,100000] [--stow-instances 100] [--size-kib 330]
                         [--rounds 30] [--passerelle BIN]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request, uuid

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, wait_port, peak_rss_mib  # noqa: E402

QUERIES = [
    ("OHIF study list (limit=101, includefield)", "studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030,00080060"),
    ("PatientName=SYNTHETIQUE^PATIENT12*", "studies?PatientName=SYNTHETIQUE^PATIENT12*&limit=200"),
    ("PatientID exact", "studies?PatientID={pid}"),
    ("StudyDate range, limit 100", "studies?StudyDate=20260101-20261231&limit=100"),
]


class Server:
    def request(self, path, data=None, headers=None):
        rq = urllib.request.Request(self.root + "/" + path, data=data, headers=dict(self.auth, **(headers or {})))
        with urllib.request.urlopen(rq, timeout=600) as r:
            return r.status, r.read()


class Passerelle(Server):
    name = "Passerelle"
    aec = "PASSERELLE"

    def __init__(self, binary):
        self.binary = binary

    def start(self, work):
        self.port, http = free_port(), free_port()
        data = os.path.join(work, "passerelle")
        env = dict(ENV, PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{self.port}", PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}",
                   PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD="benchmark password", PASSERELLE__DICOMWEB__MAX_RESULTS="1000")
        self.proc = subprocess.Popen([self.binary, "serve", "--data-dir", data], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        wait_port(http, self.proc)
        token = subprocess.run([self.binary, "--data-dir", data, "token", "create", "--name", "bench", "--clinic", "DEMO", "--allow-store"],
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        self.root = f"http://127.0.0.1:{http}/dicomweb"
        self.auth = {"Authorization": f"Bearer {token}"}


class Orthanc(Server):
    name = "Orthanc + DICOMweb plugin"
    aec = "ORTHANC"

    def start(self, work):
        self.port, http = free_port(), free_port()
        cfg = os.path.join(work, "orthanc.json")
        with open(cfg, "w") as f:
            json.dump({"Name": "bench", "StorageDirectory": os.path.join(work, "orthanc-db"),
                       "IndexDirectory": os.path.join(work, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": self.port,
                       "HttpPort": http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                       "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
                       "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "DicomCheckCalledAet": False}, f)
        self.proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        wait_port(http, self.proc)
        self.root = f"http://127.0.0.1:{http}/dicom-web"
        self.auth = {}


def generate(binary, out, studies, instances, kib):
    subprocess.run([binary, "generate", "--out", out, "--studies", str(studies), "--instances", str(instances),
                    "--size-kib", str(kib)], check=True, stdout=subprocess.DEVNULL)
    return sorted(os.path.join(out, f) for f in os.listdir(out))


def load(servers, directory):
    """storescu of a directory to every server at once (loading is not measured)."""
    procs = [subprocess.Popen(["storescu", "-aet", "BENCH", "-aec", s.aec, "+sd", "127.0.0.1", str(s.port), directory],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for s in servers]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"loading failed: {err[-2000:]}")


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def qido(server, path, rounds):
    times, count = [], 0
    for _ in range(rounds):
        t = time.perf_counter()
        _, body = server.request(path, headers={"Accept": "application/dicom+json"})
        times.append((time.perf_counter() - t) * 1000)
        count = len(json.loads(body or b"[]"))
    return percentile(times, 0.5), percentile(times, 0.95), count


def stow(server, files):
    boundary = uuid.uuid4().hex
    parts = []
    for f in files:
        with open(f, "rb") as fh:
            parts.append(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + fh.read() + b"\r\n")
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    ct = f'multipart/related; type="application/dicom"; boundary={boundary}'
    t = time.perf_counter()
    status, _ = server.request("studies", data=body, headers={"Content-Type": ct, "Accept": "application/dicom+json"})
    took = time.perf_counter() - t
    if status != 200:
        raise RuntimeError(f"{server.name} STOW answered {status}")
    return took, len(body) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--stow-instances", type=int, default=100)
    ap.add_argument("--size-kib", type=int, default=330)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--passerelle", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "passerelle"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="passerelle-bench-dw-")
    servers = [Passerelle(a.passerelle), Orthanc()]
    try:
        for s in servers:
            s.start(tempfile.mkdtemp(dir=root))
        stow_rows = []
        for s in servers:
            runs = []
            for r in range(3):
                files = generate(a.passerelle, os.path.join(root, f"stow-{s.aec}-{r}"), 1, a.stow_instances, a.size_kib)
                runs.append(stow(s, files))
            took, mb = statistics.median(t for t, _ in runs), runs[0][1]
            stow_rows.append((s.name, took, a.stow_instances / took, mb / took))
        print(f"\nSTOW-RS of {a.stow_instances} instances of ~{a.size_kib} KiB in one request (median of 3)\n")
        print("| server | seconds | instances/s | MB/s |\n|---|---:|---:|---:|")
        for n, t, i, m in stow_rows:
            print(f"| {n} | {t:.2f} | {i:.0f} | {m:.1f} |")
        print(f"\nSTOW ratio Passerelle / Orthanc: {stow_rows[0][2] / stow_rows[1][2]:.2f}x (target >= 2x)\n")
        loaded = 0
        for size in [int(x) for x in a.sizes.split(",")]:
            more = size - loaded
            d = os.path.join(root, f"load-{size}")
            generate(a.passerelle, d, more, 1, 2)
            load(servers, d)
            shutil.rmtree(d, ignore_errors=True)
            loaded = size
            print(f"\nQIDO-RS on {size} studies ({a.rounds} requests each; ms)\n")
            print("| query | Passerelle p50 | p95 | Orthanc p50 | p95 | results | p50 ratio |\n|---|---:|---:|---:|---:|---:|---:|")
            for label, path in QUERIES:
                path = path.format(pid="SYN000001")
                (pp50, pp95, pn), (op50, op95, on) = (qido(s, path, a.rounds) for s in servers)
                print(f"| {label} | {pp50:.1f} | {pp95:.1f} | {op50:.1f} | {op95:.1f} | {pn} / {on} | {pp50 / op50:.2f} |")
        print("\n| peak RSS MiB | " + " | ".join(f"{s.name}: {peak_rss_mib(s.proc.pid):.0f}" for s in servers) + " |")
    finally:
        for s in servers:
            if getattr(s, "proc", None):
                s.proc.terminate()
                s.proc.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
