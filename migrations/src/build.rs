//! Small builders shared by the later migrations: tables, foreign keys and indexes named by
//! strings, so a migration reads as the schema it creates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// The `id` primary key every table of Passerelle has.
pub fn id() -> ColumnDef {
    pk_auto(a("id")).big_integer().take()
}

/// A foreign key `table.col → to.id`; `cascade` deletes the rows with their parent.
pub fn fk(table: &str, col: &str, to: &str, cascade: bool) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(table), a(col))
        .to(a(to), a("id"))
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::Restrict
        })
        .to_owned()
}

/// Creates `name` with its columns and foreign keys.
pub async fn create(
    m: &SchemaManager<'_>,
    name: &str,
    cols: Vec<ColumnDef>,
    fks: Vec<ForeignKeyCreateStatement>,
) -> Result<(), DbErr> {
    let mut t = Table::create();
    t.table(a(name)).col(id());
    for mut c in cols {
        t.col(&mut c);
    }
    for mut f in fks {
        t.foreign_key(&mut f);
    }
    m.create_table(t.to_owned()).await
}

/// An index on `cols` of `table`, unique or not, named `ix_<table>_<cols>` (`ux_` if unique).
pub async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let name = format!(
        "{}_{table}_{}",
        if unique { "ux" } else { "ix" },
        cols.join("_")
    );
    let mut i = Index::create();
    i.name(&name).table(a(table));
    for c in cols {
        i.col(a(c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

/// Drops tables, in the order given (children first).
pub async fn drop(m: &SchemaManager<'_>, tables: &[&str]) -> Result<(), DbErr> {
    for t in tables {
        m.drop_table(Table::drop().table(a(t)).if_exists().to_owned())
            .await?;
    }
    Ok(())
}

pub fn s(name: &str) -> ColumnDef {
    text(a(name))
}
pub fn s_null(name: &str) -> ColumnDef {
    text_null(a(name))
}
pub fn n(name: &str) -> ColumnDef {
    big_integer(a(name))
}
pub fn n_null(name: &str) -> ColumnDef {
    big_integer_null(a(name))
}
pub fn b(name: &str) -> ColumnDef {
    boolean(a(name))
}
pub fn bytes(name: &str) -> ColumnDef {
    blob(a(name))
}
