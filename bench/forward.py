#!/usr/bin/env python3
"""Forward benchmark: a PACS stand-in (DCMTK storescu) sends one study to Passerelle, which routes
every instance to three destinations (DCMTK storescp by C-STORE, Orthanc by C-STORE, Orthanc by
STOW-RS). Measured: time from the first byte sent until all three destinations have confirmed
everything, against a direct storescu to each destination in the same run. Prints a Markdown
table and the ratio to the slowest direct transfer (the target is <= 1.3x).

Usage: bench/forward.py [--instances 500] [--size-kib 330] [--passerelle BIN]
"""
import argparse, http.cookiejar, json, os, shutil, subprocess, sys, tempfile, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, send, wait_port  # noqa: E402

PASSWORD = "benchmark password"
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


class Api:
    """The JSON API with a session cookie (the Origin header satisfies the CSRF check)."""

    def __init__(self, base):
        self.base = base
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, path, body=None, form=False):
        data, ctype = None, "application/json"
        if body is not None:
            data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
            ctype = "application/x-www-form-urlencoded" if form else ctype
        req = urllib.request.Request(self.base + path, data=data, headers={
            "Origin": self.base, "Content-Type": ctype, "Accept": "application/json"})
        with self.op.open(req) as r:
            return json.loads(r.read() or b"null")


def orthanc(work, name):
    dicom, http = free_port(), free_port()
    cfg = os.path.join(work, f"{name}.json")
    with open(cfg, "w") as f:
        json.dump({"Name": name, "StorageDirectory": os.path.join(work, name), "IndexDirectory": os.path.join(work, name),
                   "DicomAet": "ORTHANC", "DicomPort": dicom, "HttpPort": http, "RemoteAccessAllowed": False,
                   "AuthenticationEnabled": False, "Plugins": [PLUGIN], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
                   "DicomCheckCalledAet": False}, f)
    proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(http, proc)
    wait_port(dicom, proc)
    return proc, dicom, http


def storescp(work):
    port, out = free_port(), os.path.join(work, "storescp")
    os.makedirs(out)
    proc = subprocess.Popen(["storescp", "--fork", "-aet", "STORESCP", "-od", out, str(port)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return proc, port


BOUNDARY = "passerelle-bench-boundary"


def stow_body(files):
    """The multipart/related body of every file (PS3.18 §10.5), built before any clock starts."""
    parts = []
    for f in files:
        with open(f, "rb") as fh:
            parts.append(b"--" + BOUNDARY.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + fh.read() + b"\r\n")
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


def stow(body, url):
    """One multipart/related POST of every file (what a direct STOW-RS client does)."""
    start = time.perf_counter()
    req = urllib.request.Request(url + "/studies", data=body, headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}', "Accept": "application/dicom+json"})
    urllib.request.urlopen(req).read()
    return time.perf_counter() - start


def all_at_once(root, study, body):
    """The three receivers fed directly and at the same time, no router between: how long the
    machine needs for them to hold everything. A router on the same cores cannot beat this."""
    work = tempfile.mkdtemp(dir=root)
    scp, port = storescp(work)
    o1, o1_dicom, _ = orthanc(work, "floor-dimse")
    o2, _, o2_http = orthanc(work, "floor-stow")
    try:
        start = time.perf_counter()
        senders = [subprocess.Popen(["storescu", "-aet", "PACS", "-aec", aec, "-R", "-xe", "+sd", "127.0.0.1", str(p), study],
                                    env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for aec, p in [("STORESCP", port), ("ORTHANC", o1_dicom)]]
        stow(body, f"http://127.0.0.1:{o2_http}/dicom-web")
        if any(s.wait() != 0 for s in senders):
            raise RuntimeError("a direct storescu failed")
        return time.perf_counter() - start
    finally:
        for p in (scp, o1, o2):
            p.terminate()
            p.wait(timeout=30)


def configure(api, scp_port, o1_dicom, o2_http):
    retry = {"base_seconds": 1, "max_seconds": 10, "max_attempts": 20}
    targets = [("storescp", "STORESCP", scp_port, "dimse", ""), ("orthanc-dimse", "ORTHANC", o1_dicom, "dimse", ""),
               ("orthanc-stow", "ORTHANC", o2_http, "stow", f"http://127.0.0.1:{o2_http}/dicom-web")]
    for name, ae, port, transport, url in targets:
        node = api.call("/api/save_node", {"form": {"id": None, "name": name, "ae_title": ae, "host": "127.0.0.1", "port": port,
                                                    "tls": False, "role": "vna", "jurisdiction": "quebec", "notes": "", "clinics": [1]}})
        api.call("/api/v1/destinations", {"name": name, "node_id": node["id"], "transport": transport, "stow_url": url,
                                          "enabled": True, "max_concurrency": 2, "retry": retry, "timeout_seconds": 60})
    api.call("/api/v1/rules", {"clinic": None, "rule": {"name": "everything", "destinations": [t[0] for t in targets],
                                                        "when": {"op": "always"}}})


def cpu_seconds(pid):
    """(user, system) CPU seconds of a process so far (children not included)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tck, int(fields[12]) / tck
    except (FileNotFoundError, IndexError, ValueError):
        return 0.0, 0.0


def machine_busy():
    """CPU seconds the whole machine spent busy (all cores, /proc/stat, idle and iowait left out)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def orthanc_count(http):
    with urllib.request.urlopen(f"http://127.0.0.1:{http}/statistics") as r:
        return json.loads(r.read())["CountInstances"]


def arrived(scp_dir, o1_http, o2_http):
    """What the three destinations hold (measured at the receivers, not asked of Passerelle)."""
    return (len(os.listdir(scp_dir)), orthanc_count(o1_http), orthanc_count(o2_http))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=500)
    ap.add_argument("--size-kib", type=int, default=330)
    ap.add_argument("--passerelle", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "passerelle"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="passerelle-fwd-bench-")
    procs = []
    try:
        study = os.path.join(root, "study")
        subprocess.run([a.passerelle, "generate", "--out", study, "--studies", "1", "--instances", str(a.instances),
                        "--size-kib", str(a.size_kib)], check=True, stdout=subprocess.DEVNULL)
        files = sorted(os.path.join(study, f) for f in os.listdir(study))
        size_mb = sum(os.path.getsize(f) for f in files) / 1e6
        body = stow_body(files)
        rows = []
        # Direct transfers, each to a fresh receiver.
        for label in ["storescp (C-STORE)", "Orthanc (C-STORE)", "Orthanc (STOW-RS)"]:
            work = tempfile.mkdtemp(dir=root)
            if label.startswith("storescp"):
                p, port = storescp(work)
                procs.append(p)
                rows.append((f"direct storescu -> {label}", send(port, "STORESCP", [study])))
            elif "C-STORE" in label:
                p, dicom, _ = orthanc(work, "direct-dimse")
                procs.append(p)
                rows.append((f"direct storescu -> {label}", send(dicom, "ORTHANC", [study])))
            else:
                p, _, http = orthanc(work, "direct-stow")
                procs.append(p)
                rows.append((f"direct STOW-RS client -> {label}", stow(body, f"http://127.0.0.1:{http}/dicom-web")))
        floor = all_at_once(root, study, body)
        # Through Passerelle to all three at once.
        work = tempfile.mkdtemp(dir=root)
        scp, scp_port = storescp(work)
        o1, o1_dicom, o1_http = orthanc(work, "via-dimse")
        o2, _, o2_http = orthanc(work, "via-stow")
        procs += [scp, o1, o2]
        dicom, http = free_port(), free_port()
        env = dict(ENV, PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{dicom}", PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}",
                   PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD=PASSWORD, PASSERELLE__FORWARD__POLL_MS="50")
        pas = subprocess.Popen([a.passerelle, "serve", "--data-dir", os.path.join(work, "passerelle")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(pas)
        wait_port(http, pas)
        wait_port(dicom, pas)
        api = Api(f"http://127.0.0.1:{http}")
        api.call("/api/login", {"username": "admin", "password": PASSWORD}, form=True)
        configure(api, scp_port, o1_dicom, o2_http)
        watched = {"Passerelle": pas.pid, "Orthanc C-STORE": o1.pid, "Orthanc STOW-RS": o2.pid}
        before = {k: cpu_seconds(pid) for k, pid in watched.items()}
        busy = machine_busy()
        start = time.perf_counter()
        sender = subprocess.Popen(["storescu", "-aet", "PACS", "-aec", "PASSERELLE", "-R", "-xe", "+sd", "127.0.0.1", str(dicom), study],
                                  env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        received, finished = None, [None, None, None]
        while True:
            if received is None and sender.poll() is not None:
                received = time.perf_counter() - start
            have = arrived(os.path.join(work, "storescp"), o1_http, o2_http)
            for i, n in enumerate(have):
                if finished[i] is None and n >= len(files):
                    finished[i] = time.perf_counter() - start
            if all(n >= len(files) for n in have):
                break
            if time.perf_counter() - start > 600:
                raise RuntimeError(f"not forwarded after 10 min: {have}")
            time.sleep(0.05)
        through = time.perf_counter() - start
        sender.wait()
        received = received or through
        # CPU used from the first byte sent until all confirmed (start-up and configuration left out).
        cpu = {k: [a - b for a, b in zip(cpu_seconds(pid), before[k])] for k, pid in watched.items()}
        busy = machine_busy() - busy
        slowest = max(r[1] for r in rows)
        print(f"\n{len(files)} instances of ~{size_mb / len(files) * 1000:.0f} KB ({size_mb:.0f} MB), one study\n")
        print("| transfer | seconds | inst/s | MB/s |\n|---|---:|---:|---:|")
        for name, secs in rows + [("direct to all three at the same time, no router (the floor)", floor),
                                  ("storescu -> Passerelle (all acknowledged)", received),
                                  ("storescu -> Passerelle -> all three destinations (until all confirmed)", through)]:
            print(f"| {name} | {secs:.2f} | {len(files) / secs:.0f} | {size_mb / secs:.1f} |")
        print("\nAll confirmed at (s): storescp {:.2f}, Orthanc C-STORE {:.2f}, Orthanc STOW-RS {:.2f}".format(*finished))
        print("\nCPU seconds during the run through Passerelle: " + ", ".join(f"{k} {u + s:.2f} (user {u:.2f}, sys {s:.2f})" for k, (u, s) in cpu.items())
              + f"; whole machine busy {busy:.2f} of {os.cpu_count() * through:.2f} ({os.cpu_count()} cores)")
        print(f"\n| ratio | value | target |\n|---|---:|---:|\n| through Passerelle to 3 / slowest direct to 1 | {through / slowest:.2f}x | <= 1.3x |"
              f"\n| direct to all three at once / slowest direct to 1 (the floor on this machine) | {floor / slowest:.2f}x | |"
              f"\n| through Passerelle to 3 / direct to all three at once | {through / floor:.2f}x | |")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
