"""A modality's Storage Commitment SCU for the tests (pynetdicom): reads a plan as JSON on stdin,
sends one N-ACTION-RQ (Request Storage Commitment, PS3.4 §J.3.2) per request over one
association, waits for the N-EVENT-REPORT that answers it on the same association (§J.3.3), and
prints one JSON line per request.

Plan: {"port": 11112, "calling": "CT_SALLE1", "called": "PASSERELLE",
       "requests": [{"transaction": "1.2...", "action": 1,
                     "refs": [["1.2.840.10008.5.1.4.1.1.2", "1.2.3..."]]}]}
Each line: {"status": int, "comment": str, "event": int|null, "transaction": str,
            "committed": ["uid"], "failed": [["uid", reason]]}
"""

import json
import sys
import threading

from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import StorageCommitmentPushModel

WELL_KNOWN = "1.2.840.10008.1.20.1.1"
plan = json.load(sys.stdin)
reports = []
arrived = threading.Condition()


def on_report(event):
    """Keeps the report and answers it with success."""
    with arrived:
        reports.append((event.event_type, event.event_information))
        arrived.notify_all()
    return 0x0000, None


ae = AE(ae_title=plan["calling"])
ae.acse_timeout = 30
ae.dimse_timeout = 30
ae.add_requested_context(StorageCommitmentPushModel)
assoc = ae.associate(
    "127.0.0.1",
    plan["port"],
    ae_title=plan["called"],
    evt_handlers=[(evt.EVT_N_EVENT_REPORT, on_report)],
)
if not assoc.is_established:
    print(json.dumps({"error": "association not established"}))
    sys.exit(2)
for rq in plan["requests"]:
    ds = Dataset()
    if rq.get("transaction"):
        ds.TransactionUID = rq["transaction"]
    items = []
    for cls, uid in rq["refs"]:
        item = Dataset()
        item.ReferencedSOPClassUID = cls
        item.ReferencedSOPInstanceUID = uid
        items.append(item)
    ds.ReferencedSOPSequence = items
    before = len(reports)
    status, _ = assoc.send_n_action(
        ds, rq.get("action", 1), StorageCommitmentPushModel, WELL_KNOWN
    )
    if not status:
        print(json.dumps({"error": "no response"}))
        sys.exit(3)
    event, info = None, Dataset()
    if int(status.Status) == 0:
        with arrived:
            arrived.wait_for(lambda: len(reports) > before, timeout=20)
        if len(reports) > before:
            event, info = reports[-1]
    print(
        json.dumps(
            {
                "status": int(status.Status),
                "comment": str(status.get("ErrorComment", "")),
                "event": event,
                "transaction": str(info.get("TransactionUID", "")),
                "committed": [
                    str(i.ReferencedSOPInstanceUID)
                    for i in info.get("ReferencedSOPSequence", [])
                ],
                "failed": [
                    [str(i.ReferencedSOPInstanceUID), int(i.FailureReason)]
                    for i in info.get("FailedSOPSequence", [])
                ],
            }
        ),
        flush=True,
    )
assoc.release()
