#!/usr/bin/env python3
"""Query/Retrieve SCP benchmark: study-level C-FIND with 100,000 studies indexed, Passerelle side
by side with Orthanc's C-FIND SCP on the same data (both loaded by storescu; loading is not
measured), each query timed with pynetdicom from the C-FIND-RQ to the final response on an
established association; then C-MOVE of one 300-instance study from each to a DCMTK storescp,
timed from the C-MOVE-RQ to the final response. Prints Markdown tables with p50 / p95 and the
ratios. Targets (issue 21): C-FIND p50 at most half of Orthanc's.

Usage: bench/qr_scp.py [--studies 100000] [--rounds 30] [--move-instances 300] [--size-kib 64]
                       [--passerelle BIN]
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, wait_port, peak_rss_mib  # noqa: E402
from dicomweb import generate, load, percentile  # noqa: E402

from pydicom.dataset import Dataset  # noqa: E402
from pynetdicom import AE  # noqa: E402
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND  # noqa: E402
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as MOVE  # noqa: E402

QUERIES = [
    ("PatientID exact", {"PatientID": "SYN000001"}),
    ("PatientName=SYNTHETIQUE^PATIENT12* (1,111 answers)", {"PatientName": "SYNTHETIQUE^PATIENT12*"}),
    ("AccessionNumber exact", {"AccessionNumber": "A0000500"}),
    ("PatientName=SYNTHETIQUE^PATIENT9999*", {"PatientName": "SYNTHETIQUE^PATIENT9999*"}),
]
RETURN_KEYS = ["StudyInstanceUID", "StudyDate", "StudyDescription", "ModalitiesInStudy", "PatientName",
               "PatientID", "AccessionNumber", "NumberOfStudyRelatedInstances"]


class Passerelle:
    name, aec = "Passerelle", "PASSERELLE"

    def __init__(self, binary):
        self.binary = binary

    def start(self, work, receiver_port):
        self.port, http = free_port(), free_port()
        data = os.path.join(work, "passerelle")
        env = dict(ENV, PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{self.port}", PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}",
                   PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD="benchmark password", RUST_LOG="warn")
        self.proc = subprocess.Popen([self.binary, "serve", "--data-dir", data], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        wait_port(http, self.proc)
        exported = subprocess.run([self.binary, "--data-dir", data, "config", "export"], env=env,
                                  capture_output=True, text=True, check=True).stdout
        path = os.path.join(work, "net.toml")
        with open(path, "w") as f:
            f.write(exported + f'\n[[nodes]]\nname = "Bench receiver"\nae_title = "RECEIVER"\nhost = "127.0.0.1"\n'
                    f'port = {receiver_port}\nrole = "viewer"\njurisdiction = "quebec"\nclinics = ["DEMO"]\n')
        subprocess.run([self.binary, "--data-dir", data, "config", "import", path], env=env, check=True,
                       stdout=subprocess.DEVNULL)


class Orthanc:
    name, aec = "Orthanc", "ORTHANC"

    def start(self, work, receiver_port):
        self.port, http = free_port(), free_port()
        cfg = os.path.join(work, "orthanc.json")
        with open(cfg, "w") as f:
            json.dump({"Name": "bench", "StorageDirectory": os.path.join(work, "orthanc-db"),
                       "IndexDirectory": os.path.join(work, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": self.port,
                       "HttpPort": http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                       "DicomCheckCalledAet": False, "StorageCompression": False,
                       "DicomModalities": {"receiver": ["RECEIVER", "127.0.0.1", receiver_port],
                                           "bench": ["BENCH", "127.0.0.1", 1]}}, f)
        self.proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        wait_port(http, self.proc)


def identifier(keys):
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    for k in RETURN_KEYS:
        setattr(ds, k, "")
    for k, v in keys.items():
        setattr(ds, k, v)
    return ds


def associate(server, context):
    ae = AE(ae_title="BENCH")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 600
    ae.add_requested_context(context)
    assoc = ae.associate("127.0.0.1", server.port, ae_title=server.aec)
    if not assoc.is_established:
        raise SystemExit(f"{server.name}: association refused")
    return assoc


def c_find(server, keys, rounds):
    """(p50, p95 in ms, answers) of `rounds` C-FINDs on one association."""
    assoc = associate(server, FIND)
    times, n = [], 0
    for _ in range(rounds):
        t = time.perf_counter()
        n = 0
        for status, _ in assoc.send_c_find(identifier(keys), FIND):
            if status and status.Status in (0xFF00, 0xFF01):
                n += 1
            elif not status or status.Status != 0:
                raise SystemExit(f"{server.name}: C-FIND failed: {status}")
        times.append((time.perf_counter() - t) * 1000)
    assoc.release()
    return percentile(times, 0.5), percentile(times, 0.95), n


def c_move(server, study_uid):
    """Seconds of one C-MOVE of the study to RECEIVER, and its completed sub-operations."""
    assoc = associate(server, MOVE)
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.StudyInstanceUID = study_uid
    t = time.perf_counter()
    completed = 0
    for status, _ in assoc.send_c_move(ds, "RECEIVER", MOVE):
        if status and status.Status == 0x0000:
            completed = int(status.get("NumberOfCompletedSuboperations", 0))
        elif not status or status.Status not in (0xFF00,):
            raise SystemExit(f"{server.name}: C-MOVE failed: {status}")
    took = time.perf_counter() - t
    assoc.release()
    return took, completed


def study_uid_of(directory):
    from pydicom import dcmread
    first = sorted(os.listdir(directory))[0]
    return str(dcmread(os.path.join(directory, first), stop_before_pixels=True).StudyInstanceUID)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--studies", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--move-instances", type=int, default=300)
    ap.add_argument("--size-kib", type=int, default=64)
    ap.add_argument("--passerelle", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "passerelle"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="passerelle-bench-qr-")
    rport = free_port()
    received = os.path.join(root, "received")
    os.makedirs(received)
    receiver = subprocess.Popen(["storescp", "-aet", "RECEIVER", "--ignore", str(rport)], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = [Passerelle(a.passerelle), Orthanc()]
    try:
        wait_port(rport, receiver)
        for s in servers:
            s.start(tempfile.mkdtemp(dir=root), rport)
        d = os.path.join(root, "load")
        generate(a.passerelle, d, a.studies, 1, 2)
        t = time.perf_counter()
        load(servers, d)
        shutil.rmtree(d, ignore_errors=True)
        print(f"\nloaded {a.studies} studies into both in {time.perf_counter() - t:.0f} s (not measured)")
        print(f"\nStudy-level C-FIND (Study Root) on {a.studies} studies, {a.rounds} queries each on one association (ms)\n")
        print("| query | Passerelle p50 | p95 | Orthanc p50 | p95 | answers | p50 ratio |\n|---|---:|---:|---:|---:|---:|---:|")
        for label, keys in QUERIES:
            (pp50, pp95, pn), (op50, op95, on) = (c_find(s, keys, a.rounds) for s in servers)
            print(f"| {label} | {pp50:.1f} | {pp95:.1f} | {op50:.1f} | {op95:.1f} | {pn} / {on} | {pp50 / op50:.2f} |")
        m = os.path.join(root, "move")
        generate(a.passerelle, m, 1, a.move_instances, a.size_kib)
        uid = study_uid_of(m)
        load(servers, m)
        print(f"\nC-MOVE of one {a.move_instances}-instance study (~{a.size_kib} KiB each) to a DCMTK storescp (median of 3)\n")
        print("| server | seconds | instances/s | completed |\n|---|---:|---:|---:|")
        rows = []
        for s in servers:
            runs = sorted(c_move(s, uid) for _ in range(3))
            took, done = runs[1]
            rows.append(took)
            print(f"| {s.name} | {took:.2f} | {a.move_instances / took:.0f} | {done} |")
        print(f"\nC-MOVE time ratio Passerelle / Orthanc: {rows[0] / rows[1]:.2f}")
        print("\n| peak RSS MiB | " + " | ".join(f"{s.name}: {peak_rss_mib(s.proc.pid):.0f}" for s in servers) + " |")
    finally:
        for s in servers:
            if getattr(s, "proc", None):
                s.proc.terminate()
                s.proc.wait(timeout=60)
        receiver.terminate()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
