//! Sample records for the demo clinic, made on the first start (`[bootstrap] demo_records`):
//! a procedure catalogue, patients with RAMQ numbers, two radiologists and two referring
//! physicians (accounts with random passwords an administrator can reset), and today's orders.

use super::{orders, time};
use crate::auth::password;
use crate::db::orders::NewOrder;
use crate::db::users::UserWrite;
use crate::db::{RepoError, patients, physicians, procedures, radiologists, users};
use domain::orders::Priority;
use domain::registry::{
    Credential, Language, LocalDateTime, NotifyPrefs, PatientInput, PhysicianInput, ProcedureInput,
    RadiologistInput, Sex, Subspecialty, Turnaround, UrgentChannel, WeeklySlot,
};
use domain::{ClinicId, DisplayName, Role, Username};
use sea_orm::DatabaseConnection;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo record refused: {0}")]
    Invalid(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("hashing a demo password failed")]
    Hash,
}

fn invalid(e: impl std::fmt::Display) -> DemoError {
    DemoError::Invalid(e.to_string())
}

/// One procedure of the demo catalogue.
struct DemoProcedure {
    code: &'static str,
    fr: &'static str,
    en: &'static str,
    modality: &'static str,
    part: &'static str,
    series: u32,
    sub: Option<Subspecialty>,
    required: bool,
}

const CATALOGUE: [DemoProcedure; 5] = [
    DemoProcedure {
        code: "CT-HEAD",
        fr: "TDM cérébrale",
        en: "CT head",
        modality: "CT",
        part: "HEAD",
        series: 3,
        sub: Some(Subspecialty::Neuro),
        required: false,
    },
    DemoProcedure {
        code: "MR-KNEE",
        fr: "IRM du genou",
        en: "MR knee",
        modality: "MR",
        part: "KNEE",
        series: 4,
        sub: Some(Subspecialty::Msk),
        required: false,
    },
    DemoProcedure {
        code: "CR-CHEST",
        fr: "Radiographie pulmonaire",
        en: "Chest X-ray",
        modality: "CR",
        part: "CHEST",
        series: 1,
        sub: Some(Subspecialty::Chest),
        required: false,
    },
    DemoProcedure {
        code: "US-ABD",
        fr: "Échographie abdominale",
        en: "Abdominal ultrasound",
        modality: "US",
        part: "ABDOMEN",
        series: 1,
        sub: Some(Subspecialty::Abdominal),
        required: false,
    },
    DemoProcedure {
        code: "MG-SCREEN",
        fr: "Mammographie de dépistage",
        en: "Screening mammogram",
        modality: "MG",
        part: "BREAST",
        series: 1,
        sub: Some(Subspecialty::Breast),
        required: true,
    },
];

const PATIENTS: [(&str, &str, &str, &str, Sex, &str, Language); 5] = [
    (
        "0012345",
        "Tremblay",
        "Marie-Ève",
        "1985-01-15",
        Sex::Female,
        "TREM 8551 1512",
        Language::Fr,
    ),
    (
        "0023456",
        "Gagnon",
        "Jean",
        "1962-03-07",
        Sex::Male,
        "GAGJ 6203 0718",
        Language::Fr,
    ),
    (
        "0034567",
        "Roy",
        "Chloé",
        "1995-07-20",
        Sex::Female,
        "ROYC 9557 2003",
        Language::Fr,
    ),
    (
        "0045678",
        "Côté",
        "Émile",
        "2009-10-30",
        Sex::Male,
        "COTE 0910 3011",
        Language::Fr,
    ),
    (
        "0056789",
        "Smith",
        "Olivia",
        "1978-11-04",
        Sex::Female,
        "SMIO 7861 0412",
        Language::En,
    ),
];

async fn catalogue(db: &DatabaseConnection, clinic: ClinicId) -> Result<Vec<i64>, DemoError> {
    let mut ids = Vec::new();
    for DemoProcedure {
        code,
        fr,
        en,
        modality,
        part,
        series,
        sub,
        required,
    } in CATALOGUE
    {
        let input = ProcedureInput {
            clinic: clinic.0,
            code: code.into(),
            name_fr: fr.into(),
            name_en: en.into(),
            modality: modality.into(),
            body_part: part.into(),
            expected_series: series,
            subspecialty: sub,
            subspecialty_required: required,
            turnaround: Turnaround::default(),
            weight_tenths: if modality == "CR" { 5 } else { 10 },
            active: true,
        };
        ids.push(
            procedures::save(db, None, &input.check().map_err(invalid)?)
                .await?
                .id,
        );
    }
    Ok(ids)
}

async fn people(db: &DatabaseConnection, clinic: ClinicId) -> Result<Vec<i64>, DemoError> {
    let mut ids = Vec::new();
    for (mrn, family, given, born, sex, ramq, language) in PATIENTS {
        let input = PatientInput {
            clinic: clinic.0,
            mrn: mrn.into(),
            family_name: family.into(),
            given_name: given.into(),
            birth_date: born.into(),
            sex,
            language,
            ramq: ramq.into(),
            ..Default::default()
        };
        ids.push(
            patients::insert(db, &input.check(time::today()).map_err(invalid)?, "demo").await?,
        );
    }
    Ok(ids)
}

async fn account(
    db: &DatabaseConnection,
    clinic: ClinicId,
    name: &str,
    display: &str,
    role: Role,
) -> Result<i64, DemoError> {
    let hash = password::hash(password::random_password())
        .await
        .map_err(|_| DemoError::Hash)?;
    let w = UserWrite {
        display_name: DisplayName::parse(display).map_err(invalid)?,
        role,
        clinics: vec![clinic],
        active: true,
        password_hash: Some(hash),
    };
    Ok(
        users::create(db, &Username::parse(name).map_err(invalid)?, w)
            .await?
            .id
            .0,
    )
}

async fn radiologist(
    db: &DatabaseConnection,
    clinic: ClinicId,
    user: i64,
    licence: &str,
    subs: Vec<Subspecialty>,
    mods: &[&str],
) -> Result<(), DemoError> {
    let today = time::today();
    let expiry = domain::registry::CivilDate::new(today.year() + 1, 6, 30).unwrap_or(today);
    let availability = (1..=5)
        .map(|d| WeeklySlot::new(d, "08:00", "17:00"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let input = RadiologistInput {
        user_id: user,
        licence: licence.into(),
        licence_expiry: expiry.to_string(),
        subspecialties: subs,
        modalities: mods.iter().map(|m| (*m).to_owned()).collect(),
        credentials: vec![Credential {
            clinic,
            expires_on: Some(expiry),
        }],
        availability,
        absences: vec![],
        max_open_tasks: 20,
        active: true,
    };
    radiologists::save(db, None, &input.check().map_err(invalid)?).await?;
    Ok(())
}

async fn physician(db: &DatabaseConnection, p: PhysicianInput) -> Result<i64, DemoError> {
    Ok(physicians::insert(db, &p.check().map_err(invalid)?).await?)
}

async fn staff_side(db: &DatabaseConnection, clinic: ClinicId) -> Result<Vec<i64>, DemoError> {
    let a = account(
        db,
        clinic,
        "dre.bouchard",
        "Dre Sophie Bouchard",
        Role::Radiologist,
    )
    .await?;
    radiologist(
        db,
        clinic,
        a,
        "12345",
        vec![Subspecialty::Neuro, Subspecialty::Msk],
        &["CT", "MR"],
    )
    .await?;
    let b = account(db, clinic, "dr.nguyen", "Dr Minh Nguyen", Role::Radiologist).await?;
    let subs = vec![
        Subspecialty::Chest,
        Subspecialty::Abdominal,
        Subspecialty::Breast,
        Subspecialty::EmergencyGeneral,
    ];
    radiologist(
        db,
        clinic,
        b,
        "23456",
        subs,
        &["CR", "DX", "US", "MG", "CT"],
    )
    .await?;
    let chen = account(
        db,
        clinic,
        "dr.chen",
        "Dr David Chen",
        Role::ReferringPhysician,
    )
    .await?;
    let lavoie = PhysicianInput {
        family_name: "Lavoie".into(),
        given_name: "Isabelle".into(),
        licence: "90123".into(),
        clinics: vec![clinic.0],
        phone: "514-555-0142".into(),
        active: true,
        ..Default::default()
    };
    let chen = PhysicianInput {
        family_name: "Chen".into(),
        given_name: "David".into(),
        licence: "91234".into(),
        clinics: vec![clinic.0],
        email: "david.chen@example.ca".into(),
        notify: NotifyPrefs {
            in_app: true,
            email: true,
            urgent: UrgentChannel::InApp,
        },
        user_id: Some(chen),
        active: true,
        ..Default::default()
    };
    Ok(vec![
        physician(db, lavoie).await?,
        physician(db, chen).await?,
    ])
}

/// Creates the demo clinic's sample records.
pub async fn create(
    db: &DatabaseConnection,
    clinic: ClinicId,
    prefix: &str,
) -> Result<(), DemoError> {
    let procs = catalogue(db, clinic).await?;
    let pats = people(db, clinic).await?;
    let docs = staff_side(db, clinic).await?;
    let today = time::today();
    let plan = [
        (
            0,
            0,
            9 * 60,
            Priority::Routine,
            "Céphalées depuis trois semaines",
        ),
        (
            1,
            2,
            10 * 60 + 30,
            Priority::Urgent,
            "Douleur au genou droit après une chute",
        ),
        (
            2,
            1,
            13 * 60,
            Priority::Stat,
            "Dyspnée aiguë, rule out pneumothorax",
        ),
        (
            4,
            4,
            15 * 60 + 30,
            Priority::Routine,
            "Screening, last mammogram two years ago",
        ),
    ];
    for (p, pr, minute, priority, reason) in plan {
        let o = NewOrder {
            clinic: clinic.0,
            patient_id: pats[p],
            physician_id: Some(docs[p % docs.len()]),
            procedure_id: procs[pr],
            priority: Some(priority),
            reason: reason.into(),
            scheduled_at: time::instant(LocalDateTime::new(today, minute)),
            modality: CATALOGUE[pr].modality.into(),
            source: "demo".into(),
            ..Default::default()
        };
        orders::create(db, o, prefix, "system:demo")
            .await
            .map_err(invalid)?;
    }
    Ok(())
}
