//! HL7 v2 intake: every message received, stored raw before its acknowledgment with what was
//! done (status, the ACK sent, the error), and the facilities (MSH-4 / MSH-6) mapped to clinics.

use crate::build::{bytes, create, drop, fk, index, n, n_null, s, s_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let texts = [
            "peer",
            "sending_app",
            "sending_facility",
            "receiving_facility",
            "control_id",
            "message_type",
            "version",
            "charset",
            "status",
            "ack_code",
            "error",
        ];
        let mut c = vec![n("received_at"), s_null("dedupe_key"), n_null("clinic_id")];
        c.extend(texts.iter().map(|x| s(x)));
        c.extend([
            bytes("raw"),
            bytes("ack"),
            n("size"),
            n_null("processed_at"),
            n("attempts"),
        ]);
        create(
            m,
            "hl7_messages",
            c,
            vec![fk("hl7_messages", "clinic_id", "clinics", false)],
        )
        .await?;
        index(m, "hl7_messages", &["dedupe_key"], true).await?;
        index(m, "hl7_messages", &["received_at"], false).await?;
        create(
            m,
            "hl7_facilities",
            vec![s("side"), s("facility"), n("clinic_id"), n("created_at")],
            vec![fk("hl7_facilities", "clinic_id", "clinics", true)],
        )
        .await?;
        index(m, "hl7_facilities", &["side", "facility"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop(m, &["hl7_facilities", "hl7_messages"]).await
    }
}
