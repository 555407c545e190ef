#!/usr/bin/env python3
"""Retrieve benchmark: DCMTK dcmqrscp stands in for the PACS and answers a Study Root C-MOVE
(DCMTK movescu) of one synthetic study by C-STORE to Passerelle (durable), to Orthanc and, as a
reference for what the PACS side can deliver, to DCMTK storescp, in the same run. Each move goes
to a fresh receiver, which must then hold every instance of the study. Prints a Markdown table
(median of --rounds) with wall time, instances/s, MB/s, the receiver's CPU time during the move,
peak RSS and the ratio Passerelle/Orthanc.
All peers run with TCP_NODELAY=1 (see DESIGN.md).

Usage: bench/move.py [--instances 100] [--size-kib 330] [--rounds 3] [--passerelle BIN]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, peak_rss_mib, send, wait_port  # noqa: E402
from forward import Api, cpu_seconds  # noqa: E402

PASSWORD = "benchmark password"
PACS_AE = "PACS"


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def study_uid(path):
    out = subprocess.run(["dcmdump", "+P", "0020,000d", path], capture_output=True, text=True, check=True).stdout
    return out.split("[", 1)[1].split("]", 1)[0]


class Pacs:
    """dcmqrscp with one storage area (AE PACS) and the move destinations in its HostTable.
    It only moves to AE titles of its HostTable, and it caps maxBytesPerStudy at 1 GiB."""

    def start(self, work, destinations):
        self.port = free_port()
        self.area = os.path.join(work, "pacs")
        os.makedirs(self.area)  # dcmqrscp does not create it
        hosts = "\n".join(f"{ae.lower()} = ({ae}, 127.0.0.1, {port})" for ae, port in destinations)
        vendors = ", ".join(ae.lower() for ae, _ in destinations)
        cfg = os.path.join(work, "dcmqrscp.cfg")
        with open(cfg, "w") as f:
            f.write(f"NetworkTCPPort  = {self.port}\nMaxPDUSize      = 131072\nMaxAssociations = 16\n\n"
                    f"HostTable BEGIN\n{hosts}\nHostTable END\n\n"
                    f'VendorTable BEGIN\n"Move destinations" = {vendors}\nVendorTable END\n\n'
                    f'AETable BEGIN\n{PACS_AE} "{self.area}" RW (10, 1024mb) ANY\nAETable END\n')
        self.proc = subprocess.Popen(["dcmqrscp", "-c", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)

    def held(self):
        return sum(1 for f in os.listdir(self.area) if f != "index.dat")


class Passerelle:
    name = "Passerelle (durable: fsync'd file + index commit)"
    aec = "PASSERELLE"

    def __init__(self, binary):
        self.binary = binary
        self.port = free_port()

    def start(self, work):
        http = free_port()
        env = dict(ENV, PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{self.port}", PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}",
                   PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD=PASSWORD)
        self.proc = subprocess.Popen([self.binary, "serve", "--data-dir", os.path.join(work, "passerelle")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(http, self.proc)
        wait_port(self.port, self.proc)
        self.api = Api(f"http://127.0.0.1:{http}")
        self.api.call("/api/login", {"username": "admin", "password": PASSWORD}, form=True)

    def held(self, uid):
        """Instances of the study in Passerelle's index (studies page, then the study page)."""
        page = self.api.call("/api/studies", {"query": {"clinic": None, "patient": "", "date_from": "", "date_to": "",
                                                        "modality": "", "accession": "", "page": 0}})
        for row in page["rows"]:
            detail = self.api.call("/api/study", {"id": row["id"]}, form=True)
            if detail["study_uid"] == uid:
                return sum(len(s["instances"]) for s in detail["series"])
        return 0


class Orthanc:
    name = "Orthanc 1.10 (Debian package, default storage)"
    aec = "ORTHANC"

    def __init__(self):
        self.port = free_port()

    def start(self, work):
        self.http = free_port()
        cfg = os.path.join(work, "orthanc.json")
        with open(cfg, "w") as f:
            json.dump({"Name": "bench", "StorageDirectory": os.path.join(work, "orthanc-db"),
                       "IndexDirectory": os.path.join(work, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": self.port,
                       "HttpPort": self.http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                       "Plugins": [], "DicomCheckCalledAet": False}, f)
        self.proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.http, self.proc)
        wait_port(self.port, self.proc)

    def held(self, uid):
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}/tools/find", data=json.dumps(
            {"Level": "Instance", "Query": {"StudyInstanceUID": uid}}).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return len(json.loads(r.read()))


class StoreScp:
    name = "DCMTK storescp (reference: no fsync, no index)"
    aec = "STORESCP"

    def __init__(self):
        self.port = free_port()

    def start(self, work):
        self.out = os.path.join(work, "storescp")
        os.makedirs(self.out)
        self.proc = subprocess.Popen(["storescp", "-aet", "STORESCP", "-od", self.out, str(self.port)], env=ENV,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)

    def held(self, uid):
        return len(os.listdir(self.out))


def move(pacs_port, dest, uid):
    """movescu (Study Root, study level) until the final response; returns wall seconds."""
    start = time.perf_counter()
    p = subprocess.run(["movescu", "-v", "-S", "-aet", "BENCH", "-aec", PACS_AE, "-aem", dest, "127.0.0.1", str(pacs_port),
                        "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={uid}"],
                       env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = time.perf_counter() - start
    if p.returncode != 0 or "Final Move Response (Success)" not in p.stdout:
        raise RuntimeError(f"movescu to {dest} failed:\n{p.stdout[-2000:]}")
    return took


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--size-kib", type=int, default=330)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passerelle", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "passerelle"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="passerelle-move-bench-")
    pacs = Pacs()
    try:
        study = os.path.join(root, "study")
        subprocess.run([a.passerelle, "generate", "--out", study, "--studies", "1", "--instances", str(a.instances),
                        "--size-kib", str(a.size_kib)], check=True, stdout=subprocess.DEVNULL)
        files = sorted(os.path.join(study, f) for f in os.listdir(study))
        size_mb = sum(os.path.getsize(f) for f in files) / 1e6
        if size_mb > 1024 * 1.048576:
            raise SystemExit("dcmqrscp holds at most 1 GiB per study: lower --instances or --size-kib")
        uid = study_uid(files[0])
        peers = [Passerelle(a.passerelle), Orthanc(), StoreScp()]
        pacs.start(root, [(p.aec, p.port) for p in peers])
        send(pacs.port, PACS_AE, [study])
        if pacs.held() != len(files):
            raise RuntimeError(f"dcmqrscp stored {pacs.held()} of {len(files)} instances")
        times = {p.aec: [] for p in peers}
        rss = {p.aec: [] for p in peers}
        cpu = {p.aec: [] for p in peers}
        # Receivers alternate within each round so drift on the machine affects all of them.
        for _ in range(a.rounds):
            for peer in peers:
                try:
                    peer.start(tempfile.mkdtemp(dir=root))
                    before = cpu_seconds(peer.proc.pid)
                    took = move(pacs.port, peer.aec, uid)
                    cpu[peer.aec].append(cpu_seconds(peer.proc.pid) - before)
                    held = peer.held(uid)
                    if held != len(files):
                        raise RuntimeError(f"{peer.aec} holds {held} of {len(files)} instances after the move")
                    times[peer.aec].append(took)
                    rss[peer.aec].append(peak_rss_mib(peer.proc.pid))
                finally:
                    if getattr(peer, "proc", None):
                        stop(peer.proc)
        med = {k: statistics.median(v) for k, v in times.items()}
        n = len(files)
        print(f"\nC-MOVE of one study of {n} instances of ~{size_mb / n * 1000:.0f} KB ({size_mb:.1f} MB) from dcmqrscp, "
              f"median of {a.rounds} round(s), a fresh receiver each time\n")
        print("| move destination | seconds | inst/s | MB/s | receiver CPU s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|")
        for p in peers:
            print(f"| {p.name} | {med[p.aec]:.3f} | {n / med[p.aec]:.0f} | {size_mb / med[p.aec]:.1f} "
                  f"| {statistics.median(cpu[p.aec]):.2f} | {max(rss[p.aec]):.0f} |")
        print("\nAll rounds (s): " + "; ".join(f"{p.aec} " + ", ".join(f"{t:.3f}" for t in times[p.aec]) for p in peers))
        print("\n| ratio (inst/s) | value |\n|---|---:|")
        print(f"| Passerelle / Orthanc | {med['ORTHANC'] / med['PASSERELLE']:.2f}x |")
        print(f"| Passerelle / storescp | {med['STORESCP'] / med['PASSERELLE']:.2f}x |")
    finally:
        if getattr(pacs, "proc", None):
            stop(pacs.proc)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
