//! Upgrading a database whose DICOMweb tokens were issued before tokens had an upload right:
//! they keep uploading (migration 9 marks them), while a token issued afterwards reads only
//! unless asked (SQLite; the migration is one portable UPDATE).

use migrations::Migrator;
use sea_orm::ConnectionTrait;
use sea_orm_migration::MigratorTrait;
use server::db;

#[tokio::test]
async fn tokens_issued_before_the_upgrade_keep_uploading() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let conn = db::connect(&url, 1).await.expect("connect");
    Migrator::up(&conn, Some(8))
        .await
        .expect("migrations 1 to 8");
    conn.execute_unprepared(
        "INSERT INTO api_tokens (name, secret_hash, clinics, created_by, created_at) \
         VALUES ('old viewer', 'x', '1', 'cli', 0)",
    )
    .await
    .expect("a token of the old schema");
    db::migrate_up(&conn).await.expect("upgrade");
    let input = domain::tokens::TokenInput {
        name: "new viewer".into(),
        user_id: None,
        clinics: vec![1],
        expires_in_days: None,
        can_store: false,
    };
    db::tokens::create(&conn, &input, "test")
        .await
        .expect("new token");
    let all = db::tokens::list(&conn, &domain::Scope::All)
        .await
        .expect("list");
    let by_name = |n: &str| all.iter().find(|t| t.name == n).expect("token").can_store;
    assert!(by_name("old viewer"), "issued before: may still upload");
    assert!(
        !by_name("new viewer"),
        "issued after: reads only unless asked"
    );
}
