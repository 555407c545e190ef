"""A workstation that cancels a retrieve (pynetdicom): C-GET or C-MOVE of one study from
Passerelle (Study Root; C-GET accepts CT in implicit VR only), a C-CANCEL-RQ sent after the
first pending response (PS3.7 §9.3.2.3),
then every response printed as one JSON line: {"status": int, "remaining": int|null,
"completed": int, "failed": int, "warning": int, "stored": int (C-STORE sub-operations received
on this association, C-GET only)}.

Usage: retrieve_cancel.py PORT CALLED get|move STUDY_UID [MOVE_DESTINATION]
"""

import json
import sys

from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelGet as GET,
    StudyRootQueryRetrieveInformationModelMove as MOVE,
)

port, called, kind, study = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
stored = []


def on_store(event):
    stored.append(event.request.AffectedSOPInstanceUID)
    return 0x0000


ae = AE(ae_title="WORKSTATION")
ae.acse_timeout = ae.dimse_timeout = 30
model = GET if kind == "get" else MOVE
ae.add_requested_context(model)
roles = []
if kind == "get":
    # Implicit VR only: the instances, held in explicit VR, are re-encoded for this context.
    ae.add_requested_context(CTImageStorage, [ImplicitVRLittleEndian])
    roles = [build_role(CTImageStorage, scp_role=True)]
assoc = ae.associate(
    "127.0.0.1", port, ae_title=called, ext_neg=roles,
    evt_handlers=[(evt.EVT_C_STORE, on_store)],
)
if not assoc.is_established:
    print(json.dumps({"error": "association not established"}))
    sys.exit(2)
context = [c for c in assoc.accepted_contexts if c.abstract_syntax == model][0].context_id
ds = Dataset()
ds.QueryRetrieveLevel = "STUDY"
ds.StudyInstanceUID = study
if kind == "get":
    responses = assoc.send_c_get(ds, model, msg_id=7)
else:
    responses = assoc.send_c_move(ds, sys.argv[5], model, msg_id=7)
cancelled = False
for status, _ in responses:
    if not status:
        print(json.dumps({"error": "no response"}))
        sys.exit(3)
    print(json.dumps({
        "status": int(status.Status),
        "remaining": int(status.NumberOfRemainingSuboperations)
        if "NumberOfRemainingSuboperations" in status else None,
        "completed": int(status.get("NumberOfCompletedSuboperations", 0)),
        "failed": int(status.get("NumberOfFailedSuboperations", 0)),
        "warning": int(status.get("NumberOfWarningSuboperations", 0)),
        "stored": len(stored),
    }), flush=True)
    if int(status.Status) in (0xFF00, 0xFF01) and not cancelled:
        assoc.send_c_cancel(7, context)
        cancelled = True
assoc.release()
