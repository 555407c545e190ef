//! Synthetic DICOM files for the tests: one series of small CT instances of a chosen study and
//! patient, written in explicit VR little endian.

use server::synth::{self, StudyIds, SynthTs};
use std::path::{Path, PathBuf};

/// `per` CT instances in one new series of `study_uid` for `patient_id`, in `dir`; their SOP
/// Instance UIDs and files.
pub fn ct_series(
    dir: &Path,
    study_uid: &str,
    patient_id: &str,
    per: usize,
) -> (Vec<String>, Vec<PathBuf>) {
    std::fs::create_dir_all(dir).expect("dir");
    let mut ids = StudyIds::new(1);
    ids.patient_id = patient_id.to_owned();
    ids.study_uid = study_uid.to_owned();
    let series = synth::new_uid();
    let (mut uids, mut files) = (Vec::new(), Vec::new());
    for n in 1..=per {
        let obj = synth::instance(&ids, &series, n, 256);
        let uid = obj
            .element(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
            .expect("uid")
            .to_str()
            .expect("text")
            .trim_end_matches('\0')
            .to_owned();
        let path = dir.join(format!("{patient_id}-{n}.dcm"));
        synth::write(obj, SynthTs::ExplicitLe, &path).expect("write");
        uids.push(uid);
        files.push(path);
    }
    (uids, files)
}
