"""A modality's MPPS SCU for the tests (pynetdicom): reads a plan as JSON on stdin, sends each
N-CREATE / N-SET of it over one association, and prints one JSON line per response.

Plan: {"port": 11112, "calling": "CT_SALLE1", "called": "PASSERELLE",
       "ops": [{"op": "create" | "set", "uid": "1.2..." | null, "dataset": {DICOM JSON}}]}
Each answer: {"status": int, "comment": str, "attributes": ["00400253"], "error_id": int|null,
              "uid": the Affected SOP Instance UID of the response}
"""

import json
import sys

from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import ModalityPerformedProcedureStep

plan = json.load(sys.stdin)
seen = []


def on_recv(event):
    """Keeps each N-*-RSP's command set: its Affected SOP Instance UID and Attribute Identifier
    List are not in the status pynetdicom returns."""
    seen.append(event.message.command_set)


ae = AE(ae_title=plan["calling"])
ae.acse_timeout = 30
ae.dimse_timeout = 30
ae.add_requested_context(ModalityPerformedProcedureStep)
assoc = ae.associate(
    "127.0.0.1",
    plan["port"],
    ae_title=plan["called"],
    evt_handlers=[(evt.EVT_DIMSE_RECV, on_recv)],
)
if not assoc.is_established:
    print(json.dumps({"error": "association not established"}))
    sys.exit(2)
for op in plan["ops"]:
    ds = Dataset.from_json(op["dataset"])
    if op["op"] == "create":
        status, _ = assoc.send_n_create(ds, ModalityPerformedProcedureStep, op.get("uid"))
    else:
        status, _ = assoc.send_n_set(ds, ModalityPerformedProcedureStep, op["uid"])
    if not status:
        print(json.dumps({"error": "no response"}))
        sys.exit(3)
    cmd = seen[-1] if seen else Dataset()
    attrs = cmd.get("AttributeIdentifierList", [])
    if not isinstance(attrs, (list, tuple)) and attrs is not None:
        attrs = [attrs]
    uid = cmd.get("AffectedSOPInstanceUID", "")
    print(
        json.dumps(
            {
                "status": int(status.Status),
                "comment": str(status.get("ErrorComment", "")),
                "attributes": [f"{int(t):08X}" for t in (attrs or [])],
                "error_id": int(status.ErrorID) if "ErrorID" in status else None,
                "uid": str(uid or ""),
            }
        ),
        flush=True,
    )
assoc.release()
