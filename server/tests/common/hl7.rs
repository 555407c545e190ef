//! HL7 test support: a Passerelle state with the MLLP listener on a free port, the demo clinic
//! mapped to facility CLINIQUE-MTL with a small catalogue, and an MLLP client.

use super::TestDb;
use server::state::AppState;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Hl7Rig {
    pub t: TestDb,
    pub state: AppState,
    pub addr: SocketAddr,
    pub clinic: i64,
}

/// Starts the intake with `tune` applied to the configuration.
pub async fn start(t: TestDb, tune: impl FnOnce(&mut server::config::Config)) -> Hl7Rig {
    let mut cfg = super::config(&t);
    cfg.hl7.listen = Some("127.0.0.1:0".parse().expect("addr"));
    tune(&mut cfg);
    server::bootstrap::first_start(&t.db, &cfg)
        .await
        .expect("bootstrap");
    let state = AppState::new(t.db.clone(), cfg);
    let clinic =
        server::db::clinics::find_by_code(&t.db, &domain::ClinicCode::parse("DEMO").expect("code"))
            .await
            .expect("clinic")
            .expect("demo clinic")
            .id;
    let map = domain::hl7::views::FacilityMap {
        side: domain::hl7::views::FacilitySide::Sending,
        facility: "clinique-mtl".into(),
        clinic,
    };
    server::db::hl7::set_facilities(&t.db, &[map])
        .await
        .expect("facility");
    for (code, modality) in [("CT-HEAD", "CT"), ("MR-KNEE", "MR")] {
        let p = domain::registry::ProcedureInput {
            clinic: clinic.0,
            code: code.into(),
            name_fr: format!("{code} fr"),
            name_en: format!("{code} en"),
            modality: modality.into(),
            body_part: "HEAD".into(),
            expected_series: 2,
            subspecialty: None,
            subspecialty_required: false,
            turnaround: Default::default(),
            weight_tenths: 10,
            active: true,
        };
        server::db::procedures::save(&t.db, None, &p.check().expect("valid"))
            .await
            .expect("procedure");
    }
    let addr = server::hl7::start(&state).await.expect("listen")[0];
    Hl7Rig {
        t,
        state,
        addr,
        clinic: clinic.0,
    }
}

/// An MLLP connection.
pub struct Mllp {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Mllp {
    pub async fn connect(addr: SocketAddr) -> Self {
        let s = TcpStream::connect(addr).await.expect("connect");
        s.set_nodelay(true).expect("nodelay");
        Self { s, buf: Vec::new() }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).await.expect("write");
    }

    /// Sends one message (segments joined by CR) and reads its ACK.
    pub async fn send(&mut self, text: &str) -> String {
        let body = text.replace('\n', "\r");
        self.send_raw(&domain::hl7::mllp::frame(body.as_bytes()))
            .await;
        self.ack().await
    }

    /// The next framed answer, as text (segments on lines).
    pub async fn ack(&mut self) -> String {
        let deadline = Duration::from_secs(20);
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == [0x1c, 0x0d]) {
                let frame: Vec<u8> = self.buf.drain(..end + 2).collect();
                let start = frame
                    .iter()
                    .position(|b| *b == 0x0b)
                    .map(|i| i + 1)
                    .unwrap_or(0);
                return String::from_utf8_lossy(&frame[start..end]).replace('\r', "\n");
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(deadline, self.s.read(&mut chunk))
                .await
                .expect("an ACK in time")
                .expect("read");
            assert!(
                n > 0,
                "connection closed before the ACK; got {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Whether the server closes the connection within `wait`.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut chunk = [0u8; 64];
        matches!(
            tokio::time::timeout(wait, self.s.read(&mut chunk)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// MSA-1 of an ACK.
pub fn code(ack: &str) -> &str {
    ack.lines()
        .find(|l| l.starts_with("MSA"))
        .and_then(|l| l.split('|').nth(1))
        .unwrap_or("")
}

/// The ERR segments of an ACK.
pub fn errs(ack: &str) -> Vec<&str> {
    ack.lines().filter(|l| l.starts_with("ERR")).collect()
}

pub const MSH: &str = "MSH|^~\\&|RIS|CLINIQUE-MTL|PASSERELLE|PAS|20261207093000||";

/// An ORM^O01 new order, v2.3.1, for patient `mrn`, accession `acc`, procedure `proc`.
pub fn orm(control: &str, mrn: &str, acc: &str, proc_code: &str) -> String {
    let mut obr = vec![""; 32];
    obr[0] = "OBR";
    obr[1] = "1";
    obr[2] = acc;
    obr[4] = proc_code;
    obr[18] = acc;
    obr[31] = "Céphalées";
    let obr = obr.join("|");
    format!(
        "{MSH}ORM^O01|{control}|P|2.3.1\n\
         PID|1||{mrn}^^^CLINIQUE-MTL^MR||CÔTÉ^Hélène||19850115|F\n\
         PV1|1|O\n\
         ORC|NW|{acc}|||SC||^^^20261207143000^^R||20261207093000|||98765^GAGNON^Luc\n\
         {obr}"
    )
}
