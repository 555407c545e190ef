//! The registry's validation errors and RAMQ warnings in the user's language: the field's name
//! and the problem, for the browser's own checks and for the server's answers alike.

use super::{Locale, Localized};
use domain::registry::{FieldError, FieldName, Problem, RamqWarning, Sex};

/// The French label of a field (the English one is the domain's).
fn field_fr(f: FieldName) -> &'static str {
    use FieldName::*;
    match f {
        Clinic => "la clinique",
        Mrn => "le numéro de dossier",
        FamilyName => "le nom de famille",
        GivenName => "le prénom",
        BirthDate => "la date de naissance",
        Sex => "le sexe",
        Language => "la langue",
        Phone => "le téléphone",
        Email => "le courriel",
        Address => "l'adresse",
        Ramq => "le numéro d'assurance maladie (RAMQ)",
        User => "le compte d'utilisateur",
        Licence => "le numéro de permis",
        LicenceExpiry => "l'échéance du permis",
        Subspecialty => "la surspécialité",
        Modalities => "les modalités",
        Credentials => "les privilèges",
        Availability => "les disponibilités",
        Absences => "les absences",
        MaxOpenTasks => "le nombre de tâches ouvertes",
        UrgentChannel => "le moyen pour les résultats urgents",
        Code => "le code",
        NameFr => "le nom français",
        NameEn => "le nom anglais",
        Modality => "la modalité",
        BodyPart => "la région anatomique",
        ExpectedSeries => "le nombre de séries",
        Turnaround => "le délai visé",
        ReadingWeight => "le poids de lecture",
        Accession => "le numéro d'accès",
        Patient => "le patient",
        Physician => "le médecin référent",
        Procedure => "l'examen",
        Priority => "la priorité",
        Reason => "la raison de l'examen",
        ScheduledAt => "l'heure prévue",
        StationAe => "le titre AE du poste",
        Status => "l'état",
        Facility => "l'établissement",
        Study => "l'étude",
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn problem_fr(field: &str, p: &Problem) -> String {
    match p {
        Problem::Required => format!("Indiquez {field}."),
        Problem::TooLong { max } => format!("{} : au plus {max} caractères.", cap(field)),
        Problem::BadCharacter { found } => {
            format!(
                "{} contient un caractère non permis : {found:?}",
                cap(field)
            )
        }
        Problem::BadFormat { expected } => format!("{} : forme attendue {expected}.", cap(field)),
        Problem::BadDate => format!("{} n'est pas une date du calendrier.", cap(field)),
        Problem::InFuture => format!("{} est dans le futur.", cap(field)),
        Problem::OutOfRange { min, max } => format!("{} : entre {min} et {max}.", cap(field)),
        Problem::Unknown { value } => format!("{} : valeur inconnue {value:?}.", cap(field)),
        Problem::Taken => format!("{} est déjà utilisé par un autre dossier.", cap(field)),
        Problem::NotFound => format!("{} est introuvable.", cap(field)),
        Problem::Transition { from, to } => {
            format!("{} : impossible de passer de {from} à {to}.", cap(field))
        }
        Problem::Conflict { why } => format!("{} : {why}", cap(field)),
    }
}

impl Localized for FieldError {
    fn localized(&self, l: Locale) -> String {
        match l {
            Locale::En => {
                let text = self.to_string();
                format!("{}.", cap(&text))
            }
            Locale::Fr => problem_fr(field_fr(self.field), &self.problem),
        }
    }
}

/// A RAMQ disagreement, said to the user.
pub fn ramq_warning(l: Locale, w: &RamqWarning) -> String {
    match (l, w) {
        (Locale::En, w) => format!("{}.", cap(&w.to_string())),
        (Locale::Fr, RamqWarning::BirthDate { number_says }) => format!(
            "Le numéro RAMQ donne la date de naissance {number_says}, pas celle du dossier."
        ),
        (Locale::Fr, RamqWarning::Sex { number_says }) => format!(
            "Le numéro RAMQ est celui d'une personne de sexe {}.",
            if *number_says == Sex::Female {
                "féminin"
            } else {
                "masculin"
            }
        ),
        (Locale::Fr, RamqWarning::Name { expected }) => {
            format!("Pour ce nom, les lettres du numéro RAMQ seraient {expected}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_both_languages() {
        let e = domain::registry::Ramq::parse("TRE 12").expect_err("bad");
        assert_eq!(
            e.localized(Locale::Fr),
            "Le numéro d'assurance maladie (RAMQ) : forme attendue ABCD 1234 5678."
        );
        assert_eq!(
            e.localized(Locale::En),
            "Health insurance number (RAMQ) is not in the form ABCD 1234 5678."
        );
        let w = RamqWarning::Sex {
            number_says: Sex::Female,
        };
        assert_eq!(
            ramq_warning(Locale::Fr, &w),
            "Le numéro RAMQ est celui d'une personne de sexe féminin."
        );
    }
}
