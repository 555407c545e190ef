#!/usr/bin/env python3
"""Modality Worklist benchmark: 10,000 scheduled orders (sent to Passerelle as HL7 OMI^O23
with their station AE, spread over 20 days and 10 stations), then the query a modality makes
each morning (its own station AE and today's date, about 50 answers with the usual return keys)
timed from the C-FIND-RQ to the final response over one association per query, with
pynetdicom. Side by side in the same run: Orthanc's Modality Worklists plugin (Debian package)
serving the same 10,000 steps as .wl files. Prints p50 / p90 per peer and the ratio.

Usage: bench/worklist.py [--orders 10000] [--queries 40] [--passerelle BIN]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from ingest import ENV, free_port, wait_port  # noqa: E402
import hl7 as hl7bench  # noqa: E402

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402
from pynetdicom import AE, debug_logger  # noqa: E402,F401
from pynetdicom.sop_class import ModalityWorklistInformationFind  # noqa: E402

DAYS, STATIONS = 20, 10
FIRST_DAY = 20261201


def step(i):
    """The i-th scheduled step: (date YYYYMMDD, time HHMMSS, station AE, accession, MRN)."""
    day = FIRST_DAY + i % DAYS
    minute = 7 * 60 + (i // (DAYS * STATIONS)) * 10 % (12 * 60)
    return (str(day), f"{minute // 60:02d}{minute % 60:02d}00", f"CT_SALLE{i % STATIONS}",
            f"WL{i:08d}", f"W{i % 3000:06d}")


def omi(i):
    date, tm, station, acc, mrn = step(i)
    obr = [""] * 25
    obr[0], obr[1], obr[2], obr[4], obr[18], obr[24] = "OBR", "1", acc, "CT-HEAD", acc, "CT"
    segs = [
        f"MSH|^~\\&|RIS|BENCH|PASSERELLE|PAS|20261201080000||OMI^O23^OMI_O23|W{i:08d}|P|2.5.1|||||CAN|UNICODE UTF-8",
        f"PID|1||{mrn}^^^BENCH^MR||CÔTÉ^Hélène^{i % 1000}||19850115|F",
        "PV1|1|O",
        f"ORC|NW|{acc}|||SC||^^^{date}{tm[:4]}^^R||20261201080000|||{90000 + i % 50}^GAGNON^Luc",
        f"TQ1|1||||||{date}{tm[:4]}||R",
        "|".join(obr),
        f"IPC|{acc}|RP{i}|{generate_uid()}|SPS{i}|CT||||{station}",
    ]
    return "\r".join(segs).encode("utf-8")


def wl_file(i, path):
    """The same step as an Orthanc worklist file."""
    date, tm, station, acc, mrn = step(i)
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = f"CÔTÉ^Hélène^{i % 1000}", mrn, "19850115", "F"
    ds.AccessionNumber, ds.StudyInstanceUID = acc, generate_uid()
    ds.RequestedProcedureID, ds.RequestedProcedureDescription, ds.RequestedProcedurePriority = f"RP{i}", "TDM cérébrale", "ROUTINE"
    ds.ReferringPhysicianName = "GAGNON^Luc"
    sps = Dataset()
    sps.ScheduledStationAETitle, sps.ScheduledProcedureStepStartDate, sps.ScheduledProcedureStepStartTime = station, date, tm
    sps.Modality, sps.ScheduledProcedureStepID, sps.ScheduledProcedureStepDescription = "CT", f"SPS{i}", "TDM cérébrale"
    ds.ScheduledProcedureStepSequence = [sps]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.276.0.7230010.3.1.0.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)


def identifier(station, date):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    for k in ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyInstanceUID",
              "RequestedProcedureID", "RequestedProcedureDescription", "RequestedProcedurePriority",
              "ReferringPhysicianName"]:
        setattr(ds, k, "")
    sps = Dataset()
    sps.ScheduledStationAETitle, sps.ScheduledProcedureStepStartDate = station, date
    sps.ScheduledProcedureStepStartTime = sps.Modality = sps.ScheduledProcedureStepID = ""
    sps.ScheduledProcedureStepDescription = ""
    ds.ScheduledProcedureStepSequence = [sps]
    return ds


def measure(port, aec, queries):
    """(latencies in ms, answers per query) of `queries` morning queries."""
    ae = AE(ae_title="CT_SALLE3")
    ae.add_requested_context(ModalityWorklistInformationFind)
    lat, counts = [], []
    for q in range(queries):
        date = str(FIRST_DAY + q % DAYS)
        assoc = ae.associate("127.0.0.1", port, ae_title=aec)
        if not assoc.is_established:
            raise SystemExit(f"{aec}: association refused")
        t = time.perf_counter()
        n = 0
        for status, ds in assoc.send_c_find(identifier(f"CT_SALLE{q % STATIONS}", date), ModalityWorklistInformationFind):
            if status and status.Status in (0xFF00, 0xFF01):
                n += 1
            elif not status or status.Status != 0:
                raise SystemExit(f"{aec}: C-FIND failed: {status}")
        lat.append((time.perf_counter() - t) * 1000)
        counts.append(n)
        assoc.release()
    return lat, counts


def orthanc(work, n):
    folder = os.path.join(work, "worklists")
    os.makedirs(folder)
    for i in range(n):
        wl_file(i, os.path.join(folder, f"{i:06d}.wl"))
    port, http = free_port(), free_port()
    cfg = os.path.join(work, "orthanc.json")
    with open(cfg, "w") as f:
        json.dump({"Name": "bench", "StorageDirectory": os.path.join(work, "orthanc-db"),
                   "IndexDirectory": os.path.join(work, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": port,
                   "HttpPort": http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                   "Plugins": ["/usr/share/orthanc/plugins/libModalityWorklists.so"],
                   "Worklists": {"Enable": True, "Database": folder}, "DicomCheckCalledAet": False}, f)
    proc = subprocess.Popen(["Orthanc", cfg], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return port, proc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--passerelle", default="target/release/passerelle")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-wl-") as work:
        p = hl7bench.Passerelle(a.passerelle, "sqlite")
        p.start(work)
        try:
            _, _, codes = hl7bench.run_client(p.port, a.orders, make=omi)
            if codes != {"AA": a.orders}:
                raise SystemExit(f"orders not all accepted: {codes}")
            measure(p.dicom_port, "PASSERELLE", 3)  # warm-up
            rows.append(("Passerelle (orders in SQLite)", *measure(p.dicom_port, "PASSERELLE", a.queries)))
        finally:
            p.stop()
        port, proc = orthanc(work, a.orders)
        try:
            measure(port, "ORTHANC", 3)
            rows.append(("Orthanc Modality Worklists plugin (.wl files)", *measure(port, "ORTHANC", a.queries)))
        finally:
            proc.terminate()
            proc.wait()
    base = statistics.median(rows[0][1])
    print(f"\n{a.orders} scheduled steps; {a.queries} queries (station AE + date, ~{a.orders // (DAYS * STATIONS)} answers each)\n")
    print("| worklist SCP | p50 ms | p90 ms | answers per query | Passerelle / this (p50) |")
    print("|---|---:|---:|---:|---:|")
    for name, lat, counts in rows:
        lat = sorted(lat)
        p50 = statistics.median(lat)
        print(f"| {name} | {p50:.1f} | {lat[int(len(lat) * 0.9) - 1]:.1f} | {statistics.median(counts):.0f} | {base / p50:.2f}× |")


if __name__ == "__main__":
    main()
