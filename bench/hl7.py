#!/usr/bin/env python3
"""HL7 v2 intake benchmark: N ORM^O01 new orders (distinct control IDs and accession numbers,
1,000 patients created as they first appear) over one MLLP connection, each sent when the ACK of
the previous one arrived (original acknowledgment mode, as RIS send them). Passerelle stores each
message raw with its ACK and applies it (patient, physician, order, history, study links) in one
transaction before answering; the run checks afterwards that every message was stored and every
order created. Side by side, in the same run and with the same client: python-hl7's asyncio MLLP
server answering ACKs without storing anything (the network and client floor), and a Python
server that commits each message to SQLite (WAL, synchronous=FULL) before its ACK (the durable
floor of one fsync per message). Prints a Markdown table: messages/s, ACK latency p50 / p99, and
the ratios.

Usage: bench/hl7.py [--messages 10000] [--passerelle BIN] [--database sqlite|postgres]
"""
import argparse, asyncio, os, socket, sqlite3, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, wait_port  # noqa: E402

PASSWORD = "benchmark password"
VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def orm(i):
    mrn = f"B{i % 1000:06d}"
    acc = f"BN{i:08d}"
    obr = [""] * 32
    obr[0], obr[1], obr[2], obr[4], obr[18], obr[31] = "OBR", "1", acc, "CT-HEAD", acc, "Céphalées"
    segs = [
        f"MSH|^~\\&|RIS|BENCH|PASSERELLE|PAS|20261207093000||ORM^O01|M{i:08d}|P|2.3.1|||||CAN|UNICODE UTF-8",
        f"PID|1||{mrn}^^^BENCH^MR||CÔTÉ^Hélène^{i % 1000}||19850115|F|||||||FR",
        "PV1|1|O",
        f"ORC|NW|{acc}|||SC||^^^20261207143000^^R||20261207093000|||{90000 + i % 50}^GAGNON^Luc",
        "|".join(obr),
    ]
    return "\r".join(segs).encode("utf-8")


def run_client(port, n, first=0, make=orm):
    """Sends messages first..first+n (made by `make`) one after the other; returns (seconds,
    latencies in ms, ACK codes)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    frames = [VT + make(i) + FS + CR for i in range(first, first + n)]
    lat, codes, buf = [], {}, b""
    start = time.perf_counter()
    for f in frames:
        t = time.perf_counter()
        s.sendall(f)
        while FS + CR not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("connection closed by the server")
            buf += chunk
        ack, buf = buf.split(FS + CR, 1)
        lat.append((time.perf_counter() - t) * 1000)
        code = ack.split(b"MSA|", 1)[1][:2].decode() if b"MSA|" in ack else "?"
        codes[code] = codes.get(code, 0) + 1
    total = time.perf_counter() - start
    s.close()
    return total, lat, codes


def ack_of(msg):
    fields = msg.split(b"\r", 1)[0].split(b"|")
    control = fields[9] if len(fields) > 9 else b""
    return b"MSH|^~\\&|PEER|PEER|RIS|BENCH|20261207093000||ACK^O01^ACK|A" + control + b"|P|2.3.1\rMSA|AA|" + control + b"\r"


class PythonHl7:
    """python-hl7's asyncio MLLP server: parses each message, answers AA, stores nothing."""
    name = "python-hl7 MLLP server (ACK only, not durable)"

    def start(self, work):
        self.port = free_port()
        code = (
            "import asyncio, hl7, hl7.mllp, sys\n"
            "async def handle(reader, writer):\n"
            "    try:\n"
            "        while not writer.is_closing():\n"
            "            m = await reader.readmessage()\n"
            "            writer.writemessage(m.create_ack())\n"
            "            await writer.drain()\n"
            "    except asyncio.IncompleteReadError:\n"
            "        writer.close()\n"
            "async def main():\n"
            "    async with await hl7.mllp.start_hl7_server(handle, port=int(sys.argv[1]), encoding='utf-8') as s:\n"
            "        await s.serve_forever()\n"
            "asyncio.run(main())\n"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(self.port)], env=ENV)
        wait_port(self.port, self.proc)

    def check(self, n):
        return "—"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class DurableFloor:
    """A plain TCP server that inserts each message into SQLite and commits (fsync) before ACK."""
    name = "Python + SQLite commit per message (durable floor)"

    def start(self, work):
        self.port = free_port()
        self.path = os.path.join(work, "floor.db")
        srv = socket.create_server(("127.0.0.1", self.port))
        self.count = 0

        def serve():
            db = sqlite3.connect(self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, raw BLOB, ack BLOB)")
            while True:
                conn, _ = srv.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                handle(db, conn)

        def handle(db, conn):
            buf = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while FS + CR in buf:
                    frame, buf = buf.split(FS + CR, 1)
                    msg = frame[frame.index(VT) + 1:]
                    ack = ack_of(msg)
                    db.execute("INSERT INTO m (raw, ack) VALUES (?, ?)", (msg, ack))
                    db.commit()
                    self.count += 1
                    conn.sendall(VT + ack + FS + CR)

        threading.Thread(target=serve, daemon=True).start()

    def check(self, n):
        return "ok" if self.count == n else f"{self.count} stored"

    def stop(self):
        pass


class Passerelle:
    name = "Passerelle (stored raw + applied, one commit, before the ACK)"

    def __init__(self, binary, database):
        self.binary, self.database = binary, database

    def start(self, work):
        self.port, http, dicom = free_port(), free_port(), free_port()
        self.dicom_port = dicom
        self.data = os.path.join(work, "passerelle")
        env = dict(ENV, PASSERELLE__HL7__LISTEN=f"127.0.0.1:{self.port}", PASSERELLE__DICOM__LISTEN=f"127.0.0.1:{dicom}",
                   PASSERELLE__SERVER__HTTP_ADDR=f"127.0.0.1:{http}", PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD=PASSWORD,
                   RUST_LOG="warn")
        if self.database == "postgres":
            name = f"passerelle_bench_{os.getpid()}"
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
            self.pg = name
            env["PASSERELLE__DATABASE__URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        self.env = env
        self.proc = subprocess.Popen([self.binary, "serve", "--data-dir", self.data], env=env, stdout=subprocess.DEVNULL)
        wait_port(http, self.proc)
        wait_port(self.port, self.proc)
        exported = subprocess.run([self.binary, "--data-dir", self.data, "config", "export"], env=env,
                                  capture_output=True, text=True, check=True).stdout
        path = os.path.join(work, "net.toml")
        with open(path, "w") as f:
            f.write(exported + '\n[[hl7_facilities]]\nside = "sending"\nfacility = "BENCH"\nclinic = "DEMO"\n')
        subprocess.run([self.binary, "--data-dir", self.data, "config", "import", path], env=env, check=True,
                       stdout=subprocess.DEVNULL)

    def check(self, n):
        """Counts stored messages and created orders in Passerelle's database."""
        if self.database == "postgres":
            q = lambda sql: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", self.pg, "-tAc", sql],
                                           capture_output=True, text=True, check=True).stdout.strip()
        else:
            db = sqlite3.connect(f"file:{os.path.join(self.data, 'passerelle.db')}?mode=ro", uri=True)
            q = lambda sql: str(db.execute(sql).fetchone()[0])
        msgs = int(q("SELECT count(*) FROM hl7_messages WHERE status = 'applied'"))
        orders = int(q("SELECT count(*) FROM orders WHERE source = 'hl7'"))
        return "ok" if msgs == n and orders == n else f"{msgs} stored, {orders} orders"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        if self.database == "postgres":
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {self.pg} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--passerelle", default="target/release/passerelle")
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hl7-") as work:
        for peer in (Passerelle(a.passerelle, a.database), PythonHl7(), DurableFloor()):
            peer.start(work)
            try:
                run_client(peer.port, 50)  # warm-up, not counted (50 more stored messages)
                total, lat, codes = run_client(peer.port, a.messages, first=50)
                checked = peer.check(a.messages + 50)
            finally:
                peer.stop()
            lat.sort()
            rows.append((peer.name, a.messages / total, statistics.median(lat), lat[int(len(lat) * 0.99) - 1], codes, checked))
    base = rows[0]
    print(f"\n{a.messages} ORM^O01 over one MLLP connection ({a.database} for Passerelle)\n")
    print("| receiver | msg/s | ACK p50 ms | ACK p99 ms | ACKs | stored | Passerelle / this |")
    print("|---|---:|---:|---:|---|---|---:|")
    for name, rate, p50, p99, codes, checked in rows:
        ratio = base[1] / rate
        print(f"| {name} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {codes} | {checked} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
