#!/usr/bin/env python3
"""Ingest benchmark: DCMTK storescu -> Passerelle (durable), Orthanc and DCMTK storescp, side by
side in one run, on one association and on N parallel associations. Prints a Markdown table with
instances/s, MB/s, peak RSS and ratios. All peers run with TCP_NODELAY=1 (see DESIGN.md).

Usage: bench/ingest.py [--instances 500] [--size-kib 330] [--parallel 4] [--passerelle BIN]
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

ENV = dict(os.environ, TCP_NODELAY="1", RUST_LOG="warn")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} never opened")


def peak_rss_mib(pid):
    """VmHWM of the process and its children (storescp --fork), in MiB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far, with its reaped children (storescp --fork)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, IndexError, ValueError):
        return 0.0


def machine_busy():
    """CPU seconds the whole machine spent busy (all cores, /proc/stat, idle and iowait left out)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def measured(peer, dirs):
    """(wall seconds, receiver CPU seconds, machine busy fraction) of one storescu run."""
    c0, b0 = cpu_seconds(peer.proc.pid), machine_busy()
    took = send(peer.port, peer.aec, dirs)
    busy = (machine_busy() - b0) / (took * os.cpu_count())
    time.sleep(0.3)  # storescp --fork reaps its children after they exit
    return took, cpu_seconds(peer.proc.pid) - c0, min(busy, 1.0)


def send(port, aec, dirs):
    """storescu on each directory in parallel; returns wall seconds. Fails loudly on any error."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["storescu", "-aet", "BENCH", "-aec", aec, "-R", "-xe", "+sd", "127.0.0.1", str(port), d],
                              env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for d in dirs]
    outs = [p.communicate()[0] for p in procs]
    took = time.perf_counter() - start
    for p, out in zip(procs, outs):
        if p.returncode != 0 or "Status:" in out or "E:" in out:
            raise RuntimeError(f"storescu to {aec} failed:\n{out[-2000:]}")
    return took


class Passerelle:
    name = "Passerelle (durable: fsync'd file + index commit)"
    aec = "PASSERELLE"

    def __init__(self, binary):
        self.binary = binary

    def start(self, work):
        self.port, http = free_port(), free_port()
        env = dict(ENV, PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{self.port}", PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}",
                   PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD="benchmark password", PASSERELLE__DICOM__MAX_ASSOCIATIONS="64")
        self.proc = subprocess.Popen([self.binary, "serve", "--data-dir", os.path.join(work, "passerelle")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)


class Orthanc:
    name = "Orthanc (Debian package, default storage)"
    aec = "ORTHANC"

    def start(self, work):
        self.port, http = free_port(), free_port()
        cfg = os.path.join(work, "orthanc.json")
        with open(cfg, "w") as f:
            json.dump({"Name": "bench", "StorageDirectory": os.path.join(work, "orthanc-db"),
                       "IndexDirectory": os.path.join(work, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": self.port,
                       "HttpPort": http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                       "Plugins": [], "DicomCheckCalledAet": False, "ConcurrentJobs": 2}, f)
        self.proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)


class StoreScp:
    name = "DCMTK storescp (no fsync, no index)"
    aec = "STORESCP"

    def start(self, work):
        self.port = free_port()
        out = os.path.join(work, "storescp")
        os.makedirs(out)
        self.proc = subprocess.Popen(["storescp", "--fork", "-aet", "STORESCP", "-od", out, str(self.port)], env=ENV,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=500)
    ap.add_argument("--size-kib", type=int, default=330)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--passerelle", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "passerelle"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="passerelle-bench-")
    try:
        one = os.path.join(root, "one")
        subprocess.run([a.passerelle, "generate", "--out", one, "--studies", "1", "--instances", str(a.instances),
                        "--size-kib", str(a.size_kib)], check=True, stdout=subprocess.DEVNULL)
        par = [os.path.join(root, f"par{i}") for i in range(a.parallel)]
        for d in par:
            subprocess.run([a.passerelle, "generate", "--out", d, "--studies", "1", "--instances", str(a.instances // a.parallel),
                            "--size-kib", str(a.size_kib)], check=True, stdout=subprocess.DEVNULL)
        size_mb = sum(os.path.getsize(os.path.join(one, f)) for f in os.listdir(one)) / 1e6
        par_n = sum(len(os.listdir(d)) for d in par)
        par_mb = sum(os.path.getsize(os.path.join(d, f)) for d in par for f in os.listdir(d)) / 1e6
        rows, cpu = [], []
        for peer in [Passerelle(a.passerelle), Orthanc(), StoreScp()]:
            work = tempfile.mkdtemp(dir=root)
            peer.start(work)
            try:
                t1, c1, b1 = measured(peer, [one])
                tp, cp, bp = measured(peer, par)
                rows.append((peer.name, a.instances / t1, size_mb / t1, par_n / tp, par_mb / tp, peak_rss_mib(peer.proc.pid)))
                cpu.append((peer.name, c1 / a.instances * 1e3, b1, cp / par_n * 1e3, bp))
            finally:
                peer.proc.terminate()
                peer.proc.wait(timeout=30)
        print(f"\n{a.instances} instances of ~{size_mb / a.instances * 1000:.0f} KB; then {par_n} over {a.parallel} parallel associations\n")
        print("| receiver | 1 assoc inst/s | 1 assoc MB/s | parallel inst/s | parallel MB/s | peak RSS MiB |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]:.0f} | {r[2]:.1f} | {r[3]:.0f} | {r[4]:.1f} | {r[5]:.0f} |")
        print("\n| receiver | 1 assoc CPU ms/inst | machine busy | parallel CPU ms/inst | machine busy |")
        print("|---|---:|---:|---:|---:|")
        for r in cpu:
            print(f"| {r[0]} | {r[1]:.2f} | {r[2]:.0%} | {r[3]:.2f} | {r[4]:.0%} |")
        p, o, s = rows
        print("\n| ratio | 1 assoc | parallel |\n|---|---:|---:|")
        print(f"| Passerelle / Orthanc | {p[1] / o[1]:.2f}x | {p[3] / o[3]:.2f}x |")
        print(f"| Passerelle / storescp | {p[1] / s[1]:.2f}x | {p[3] / s[3]:.2f}x |")
        # What a receiver that keeps nothing durable reaches with the same sender on this machine:
        # no receiver can exceed it by much, so a target above it measures the sender.
        print(f"| storescp / Orthanc (ceiling for any receiver) | {s[1] / o[1]:.2f}x | {s[3] / o[3]:.2f}x |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
