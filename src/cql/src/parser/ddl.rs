//! Schema statements: `CREATE`, `ALTER` and `DROP` of keyspaces, tables, types, indexes,
//! views, functions, aggregates and triggers (roles and users are in `auth`).

use nom::multi::separated_list1;

use super::common::{
    bare_function_name, check_duplicate, function_name, ident, if_exists, if_not_exists, index_name, keyspace_name,
    opt_kw, paren_list1, properties, property, raw_type, table_name, term, user_type_name,
};
use super::select::{opt_where, selection};
use super::{is_kw, is_sym, kind, kw, skw, ssym, sym, Expect, Input, PResult};
use crate::ast::{
    AddColumn, AlterKeyspaceStatement, AlterTableAction, AlterTableStatement, AlterTypeAction, AlterTypeStatement,
    AlterViewStatement, ColumnDefinition, ColumnMask, CreateAggregateStatement, CreateFunctionStatement,
    CreateIndexStatement, CreateKeyspaceStatement, CreateTableStatement, CreateTriggerStatement, CreateTypeStatement,
    CreateViewStatement, Direction, DropFunctionStatement, DropStatement, DropTriggerStatement, DropTypeStatement,
    Ident, IndexTarget, IndexTargetKind, PrimaryKey, QualifiedName, RawType, Statement, TableElement, TableOption,
};
use crate::lexer::TokKind;

fn expect_one_of<'a, O>(i: Input<'a>, words: &[&'static str]) -> PResult<'a, O> {
    for w in words {
        i.expected(Expect::Kw(w), true);
    }
    Err(nom::Err::Error(super::PErr))
}

/// `CREATE …`.
pub(crate) fn create_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("CREATE")(i)?;
    let t = i.tok();
    if is_kw(t, "OR") {
        let (r, _) = kw("REPLACE")(i.advance())?;
        if is_kw(r.tok(), "FUNCTION") {
            return create_function(r.advance(), true);
        }
        if is_kw(r.tok(), "AGGREGATE") {
            return create_aggregate(r.advance(), true);
        }
        return expect_one_of(r, &["FUNCTION", "AGGREGATE"]);
    }
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    match w {
        "KEYSPACE" | "SCHEMA" => {
            let (r, ine) = if_not_exists(r)?;
            let (r, name) = keyspace_name(r)?;
            let (r, _) = kw("WITH")(r)?;
            let (r, properties) = properties(r)?;
            Ok((r, Statement::CreateKeyspace(CreateKeyspaceStatement { if_not_exists: ine, name, properties })))
        }
        "TABLE" | "COLUMNFAMILY" => create_table(r),
        "INDEX" => create_index(r, false),
        "CUSTOM" => {
            let (r, _) = kw("INDEX")(r)?;
            create_index(r, true)
        }
        "MATERIALIZED" => {
            let (r, _) = kw("VIEW")(r)?;
            create_view(r)
        }
        "TRIGGER" => {
            let (r, ine) = if_not_exists(r)?;
            let (r, name) = ident(r)?;
            let (r, _) = kw("ON")(r)?;
            let (r, table) = table_name(r)?;
            let (r, _) = kw("USING")(r)?;
            let (r, class) = kind(TokKind::Str)(r)?;
            Ok((
                r,
                Statement::CreateTrigger(CreateTriggerStatement {
                    if_not_exists: ine,
                    name,
                    table,
                    class: class.text.clone(),
                }),
            ))
        }
        "TYPE" => create_type(r),
        "FUNCTION" => create_function(r, false),
        "AGGREGATE" => create_aggregate(r, false),
        "ROLE" => super::auth::create_role(r),
        "USER" => super::auth::create_user(r),
        _ => expect_one_of(
            i,
            &[
                "KEYSPACE",
                "COLUMNFAMILY",
                "INDEX",
                "CUSTOM",
                "MATERIALIZED",
                "TRIGGER",
                "TYPE",
                "FUNCTION",
                "AGGREGATE",
                "ROLE",
                "USER",
                "OR",
            ],
        ),
    }
}

fn column_mask(i: Input<'_>) -> PResult<'_, ColumnMask> {
    let (i, _) = kw("MASKED")(i)?;
    let (i, _) = kw("WITH")(i)?;
    if is_kw(i.tok(), "DEFAULT") {
        return Ok((i.advance(), ColumnMask::Default));
    }
    let (i, name) = function_name(i)?;
    let (i, _) = sym("(")(i)?;
    let (i, args) = if is_sym(i.tok(), ")") { (i, Vec::new()) } else { separated_list1(ssym(","), term)(i)? };
    let (i, _) = sym(")")(i)?;
    Ok((i, ColumnMask::Function { name, args }))
}

fn opt_mask(i: Input<'_>) -> PResult<'_, Option<ColumnMask>> {
    if is_kw(i.tok(), "MASKED") {
        let (r, m) = column_mask(i)?;
        return Ok((r, Some(m)));
    }
    i.expected(Expect::Kw("MASKED"), false);
    Ok((i, None))
}

fn opt_static(i: Input<'_>) -> (Input<'_>, bool) {
    if is_kw(i.tok(), "STATIC") {
        (i.advance(), true)
    } else {
        i.expected(Expect::Kw("STATIC"), false);
        (i, false)
    }
}

/// `PRIMARY KEY` already consumed: `( pk [, clustering …] )`.
fn primary_key_body(i: Input<'_>) -> PResult<'_, PrimaryKey> {
    let (i, _) = sym("(")(i)?;
    let (i, partition_key) = if is_sym(i.tok(), "(") {
        paren_list1(ident)(i)?
    } else {
        let (i, k) = ident(i)?;
        (i, vec![k])
    };
    let (i, clustering_columns) = nom::multi::many0(nom::sequence::preceded(ssym(","), ident))(i)?;
    let (i, _) = sym(")")(i)?;
    Ok((i, PrimaryKey { partition_key, clustering_columns }))
}

fn table_element(i: Input<'_>) -> PResult<'_, TableElement> {
    if is_kw(i.tok(), "PRIMARY") {
        let (r, _) = kw("KEY")(i.advance())?;
        let (r, pk) = primary_key_body(r)?;
        return Ok((r, TableElement::PrimaryKey(pk)));
    }
    let (i, name) = ident(i)?;
    let (i, cql_type) = raw_type(i)?;
    let (i, is_static) = opt_static(i);
    let (i, mask) = opt_mask(i)?;
    let (i, primary_key) = if is_kw(i.tok(), "PRIMARY") {
        let (r, _) = kw("KEY")(i.advance())?;
        (r, true)
    } else {
        i.expected(Expect::Kw("PRIMARY"), false);
        (i, false)
    };
    Ok((i, TableElement::Column(ColumnDefinition { name, cql_type, is_static, mask, primary_key })))
}

fn clustering_order(i: Input<'_>) -> PResult<'_, Vec<(Ident, Direction)>> {
    let item = |i| {
        let (i, c) = ident(i)?;
        let t = super::Input::tok(&i);
        if is_kw(t, "ASC") {
            Ok((i.advance(), (c, Direction::Asc)))
        } else if is_kw(t, "DESC") {
            Ok((i.advance(), (c, Direction::Desc)))
        } else {
            expect_one_of(i, &["ASC", "DESC"])
        }
    };
    paren_list1(item)(i)
}

/// `WITH option AND …` for tables (`view`: views refuse `COMPACT STORAGE`).
fn table_options(i: Input<'_>, view: bool) -> PResult<'_, Vec<TableOption>> {
    if !is_kw(i.tok(), "WITH") {
        i.expected(Expect::Kw("WITH"), false);
        return Ok((i, Vec::new()));
    }
    let mut i = i.advance();
    let mut out: Vec<TableOption> = Vec::new();
    loop {
        let t = i.tok();
        let (r, opt) = if is_kw(t, "COMPACT") && is_kw(i.peek(1), "STORAGE") {
            if view {
                return i.refuse("COMPACT STORAGE tables are not allowed starting with version 4.0");
            }
            (i.advance().advance(), TableOption::CompactStorage)
        } else if is_kw(t, "CLUSTERING") && is_kw(i.peek(1), "ORDER") {
            let (r, _) = kw("BY")(i.advance().advance())?;
            let (r, cols) = clustering_order(r)?;
            (r, TableOption::ClusteringOrder(cols))
        } else {
            let (r, p) = property(i)?;
            let seen: Vec<&Ident> = out
                .iter()
                .filter_map(|o| match o {
                    TableOption::Property(p) => Some(&p.name),
                    _ => None,
                })
                .collect();
            check_duplicate(i, &seen, &p.name)?;
            (r, TableOption::Property(p))
        };
        out.push(opt);
        match skw("AND")(r) {
            Ok((r2, _)) => i = r2,
            Err(_) => return Ok((r, out)),
        }
    }
}

fn create_table(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = table_name(i)?;
    let (i, _) = sym("(")(i)?;
    let (mut i, first) = table_element(i)?;
    let mut elements = vec![first];
    loop {
        if is_sym(i.tok(), ",") {
            i = i.advance();
            if is_sym(i.tok(), ",") || is_sym(i.tok(), ")") {
                continue;
            }
            let (r, e) = table_element(i)?;
            elements.push(e);
            i = r;
        } else {
            i.expected(Expect::Sym(","), false);
            break;
        }
    }
    let (i, _) = sym(")")(i)?;
    let (i, options) = table_options(i, false)?;
    Ok((i, Statement::CreateTable(CreateTableStatement { if_not_exists: ine, name, elements, options })))
}

fn create_type(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = user_type_name(i)?;
    let (i, _) = sym("(")(i)?;
    let field = |i| {
        let (i, n) = ident(i)?;
        let (i, t) = raw_type(i)?;
        Ok((i, (n, t)))
    };
    let (mut i, first) = field(i)?;
    let mut fields = vec![first];
    loop {
        if is_sym(i.tok(), ",") {
            i = i.advance();
            if is_sym(i.tok(), ",") || is_sym(i.tok(), ")") {
                continue;
            }
            let (r, f) = field(i)?;
            fields.push(f);
            i = r;
        } else {
            i.expected(Expect::Sym(","), false);
            break;
        }
    }
    let (i, _) = sym(")")(i)?;
    Ok((i, Statement::CreateType(CreateTypeStatement { if_not_exists: ine, name, fields })))
}

fn index_target(i: Input<'_>) -> PResult<'_, IndexTarget> {
    let t = i.tok();
    if t.kind == TokKind::Word && is_sym(i.peek(1), "(") {
        let kind = match t.upper.as_str() {
            "VALUES" => Some(IndexTargetKind::Values),
            "KEYS" => Some(IndexTargetKind::Keys),
            "ENTRIES" => Some(IndexTargetKind::Entries),
            "FULL" => Some(IndexTargetKind::Full),
            _ => None,
        };
        if let Some(kind) = kind {
            let (r, column) = super::common::cident(i.advance().advance())?;
            let (r, _) = sym(")")(r)?;
            return Ok((r, IndexTarget { kind, column }));
        }
    }
    let (r, column) = super::common::cident(i)?;
    Ok((r, IndexTarget { kind: IndexTargetKind::Simple, column }))
}

fn create_index(i: Input<'_>, custom: bool) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = if is_kw(i.tok(), "ON") {
        (i, None)
    } else {
        if is_sym(i.tok(), "?") {
            return i.refuse("Bind variables cannot be used for index names");
        }
        let (r, n) = ident(i)?;
        (r, Some(n))
    };
    let (i, _) = kw("ON")(i)?;
    let (i, table) = table_name(i)?;
    let (i, _) = sym("(")(i)?;
    let (i, targets) =
        if is_sym(i.tok(), ")") { (i, Vec::new()) } else { separated_list1(ssym(","), index_target)(i)? };
    let (i, _) = sym(")")(i)?;
    let (i, using) = opt_kw("USING", kind(TokKind::Str))(i)?;
    let (i, props) = opt_kw("WITH", properties)(i)?;
    Ok((
        i,
        Statement::CreateIndex(CreateIndexStatement {
            custom,
            if_not_exists: ine,
            name,
            table,
            targets,
            using: using.map(|t| t.text.clone()),
            properties: props.unwrap_or_default(),
        }),
    ))
}

fn create_view(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = table_name(i)?;
    let (i, _) = kw("AS")(i)?;
    let (i, _) = kw("SELECT")(i)?;
    let (i, selection) = selection(i)?;
    let (i, _) = kw("FROM")(i)?;
    let (i, base_table) = table_name(i)?;
    let (i, where_clause) = opt_where(i)?;
    let (i, _) = kw("PRIMARY")(i)?;
    let (i, _) = kw("KEY")(i)?;
    let (i, primary_key) = primary_key_body(i)?;
    let (i, options) = table_options(i, true)?;
    Ok((
        i,
        Statement::CreateMaterializedView(CreateViewStatement {
            if_not_exists: ine,
            name,
            selection,
            base_table,
            where_clause,
            primary_key,
            options,
        }),
    ))
}

fn type_list(i: Input<'_>) -> PResult<'_, Vec<RawType>> {
    let (i, _) = sym("(")(i)?;
    if is_sym(i.tok(), ")") {
        return Ok((i.advance(), Vec::new()));
    }
    let (i, v) = separated_list1(ssym(","), raw_type)(i)?;
    let (i, _) = sym(")")(i)?;
    Ok((i, v))
}

fn create_function(i: Input<'_>, or_replace: bool) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = function_name(i)?;
    let (i, _) = sym("(")(i)?;
    let arg = |i| {
        let (i, n) = ident(i)?;
        let (i, t) = raw_type(i)?;
        Ok((i, (n, t)))
    };
    let (i, arguments) = if is_sym(i.tok(), ")") { (i, Vec::new()) } else { separated_list1(ssym(","), arg)(i)? };
    let (i, _) = sym(")")(i)?;
    let (i, called_on_null_input) = if is_kw(i.tok(), "CALLED") {
        (i.advance(), true)
    } else if is_kw(i.tok(), "RETURNS") {
        let (r, _) = kw("NULL")(i.advance())?;
        (r, false)
    } else {
        return expect_one_of(i, &["RETURNS", "CALLED"]);
    };
    let (i, _) = kw("ON")(i)?;
    let (i, _) = kw("NULL")(i)?;
    let (i, _) = kw("INPUT")(i)?;
    let (i, _) = kw("RETURNS")(i)?;
    let (i, return_type) = raw_type(i)?;
    let (i, _) = kw("LANGUAGE")(i)?;
    let lang = i.tok();
    if lang.kind != TokKind::Word || crate::keywords::is_keyword(&lang.text) {
        return i.fail(Expect::Kind(TokKind::Word), true);
    }
    let i = i.advance();
    let (i, _) = kw("AS")(i)?;
    let (i, body) = kind(TokKind::Str)(i)?;
    Ok((
        i,
        Statement::CreateFunction(CreateFunctionStatement {
            or_replace,
            if_not_exists: ine,
            name,
            arguments,
            called_on_null_input,
            return_type,
            language: lang.text.to_ascii_lowercase(),
            body: body.text.clone(),
        }),
    ))
}

fn create_aggregate(i: Input<'_>, or_replace: bool) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = function_name(i)?;
    let (i, argument_types) = type_list(i)?;
    let (i, _) = kw("SFUNC")(i)?;
    let (i, state_function) = bare_function_name(i)?;
    let (i, _) = kw("STYPE")(i)?;
    let (i, state_type) = raw_type(i)?;
    let (i, final_function) = opt_kw("FINALFUNC", bare_function_name)(i)?;
    let (i, initial_condition) = opt_kw("INITCOND", term)(i)?;
    Ok((
        i,
        Statement::CreateAggregate(CreateAggregateStatement {
            or_replace,
            if_not_exists: ine,
            name,
            argument_types,
            state_function,
            state_type,
            final_function,
            initial_condition,
        }),
    ))
}

/// `ALTER …`.
pub(crate) fn alter_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("ALTER")(i)?;
    let t = i.tok();
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    match w {
        "KEYSPACE" | "SCHEMA" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = keyspace_name(r)?;
            let (r, _) = kw("WITH")(r)?;
            let (r, properties) = properties(r)?;
            Ok((r, Statement::AlterKeyspace(AlterKeyspaceStatement { if_exists: ie, name, properties })))
        }
        "TABLE" | "COLUMNFAMILY" => alter_table(r),
        "MATERIALIZED" => {
            let (r, _) = kw("VIEW")(r)?;
            let (r, ie) = if_exists(r)?;
            let (r, name) = table_name(r)?;
            let (r, _) = kw("WITH")(r)?;
            let (r, properties) = properties(r)?;
            Ok((r, Statement::AlterMaterializedView(AlterViewStatement { if_exists: ie, name, properties })))
        }
        "TYPE" => alter_type(r),
        "ROLE" => super::auth::alter_role(r),
        "USER" => super::auth::alter_user(r),
        _ => expect_one_of(i, &["KEYSPACE", "COLUMNFAMILY", "MATERIALIZED", "TYPE", "ROLE", "USER"]),
    }
}

fn renames(i: Input<'_>) -> PResult<'_, Vec<(Ident, Ident)>> {
    let pair = |i| {
        let (i, a) = ident(i)?;
        let (i, _) = kw("TO")(i)?;
        let (i, b) = ident(i)?;
        Ok((i, (a, b)))
    };
    separated_list1(skw("AND"), pair)(i)
}

fn add_column(i: Input<'_>) -> PResult<'_, AddColumn> {
    let (i, name) = ident(i)?;
    let (i, cql_type) = raw_type(i)?;
    let (i, is_static) = opt_static(i);
    let (i, mask) = opt_mask(i)?;
    Ok((i, AddColumn { name, cql_type, is_static, mask }))
}

fn alter_table(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = table_name(i)?;
    let t = i.tok();
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    let (r, action) = match w {
        "ALTER" => {
            if super::common::is_ident_tok(r.tok()) && is_kw(r.peek(1), "TYPE") {
                let (r, column) = ident(r)?;
                let (r, cql_type) = raw_type(r.advance())?;
                (r, AlterTableAction::AlterColumnType { column, cql_type })
            } else {
                let (r, if_column_exists) = if_exists(r)?;
                let (r, column) = super::common::cident(r)?;
                if is_kw(r.tok(), "DROP") {
                    let (r, _) = kw("MASKED")(r.advance())?;
                    (r, AlterTableAction::AlterColumnMask { if_column_exists, column, mask: None })
                } else {
                    r.expected(Expect::Kw("DROP"), true);
                    let (r, m) = column_mask(r)?;
                    (r, AlterTableAction::AlterColumnMask { if_column_exists, column, mask: Some(m) })
                }
            }
        }
        "ADD" => {
            let (r, ine) = if_not_exists(r)?;
            let (r, columns) = if is_sym(r.tok(), "(") {
                paren_list1(add_column)(r)?
            } else {
                let (r, c) = add_column(r)?;
                (r, vec![c])
            };
            (r, AlterTableAction::Add { if_not_exists: ine, columns })
        }
        "DROP" => {
            if is_kw(r.tok(), "COMPACT") && is_kw(r.peek(1), "STORAGE") {
                (r.advance().advance(), AlterTableAction::DropCompactStorage)
            } else {
                let (r, ie) = if_exists(r)?;
                let (r, columns) = if is_sym(r.tok(), "(") {
                    paren_list1(ident)(r)?
                } else {
                    let (r, c) = ident(r)?;
                    (r, vec![c])
                };
                let (r, timestamp) = if is_kw(r.tok(), "USING") {
                    let (r, _) = kw("TIMESTAMP")(r.advance())?;
                    let (r, ts) = kind(TokKind::Integer)(r)?;
                    (r, Some(ts.text.clone()))
                } else {
                    r.expected(Expect::Kw("USING"), false);
                    (r, None)
                };
                (r, AlterTableAction::Drop { if_exists: ie, columns, timestamp })
            }
        }
        "RENAME" => {
            let (r, ie) = if_exists(r)?;
            let (r, renames) = renames(r)?;
            (r, AlterTableAction::Rename { if_exists: ie, renames })
        }
        "WITH" => {
            let (r, props) = properties(r)?;
            (r, AlterTableAction::With(props))
        }
        _ => return expect_one_of(i, &["ALTER", "ADD", "DROP", "RENAME", "WITH"]),
    };
    Ok((r, Statement::AlterTable(AlterTableStatement { if_exists: ie, name, action })))
}

fn alter_type(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = user_type_name(i)?;
    let t = i.tok();
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    let (r, action) = match w {
        "ALTER" => {
            let (r, field) = ident(r)?;
            let (r, _) = kw("TYPE")(r)?;
            let (r, cql_type) = raw_type(r)?;
            (r, AlterTypeAction::AlterField { field, cql_type })
        }
        "ADD" => {
            let (r, ine) = if_not_exists(r)?;
            let (r, field) = ident(r)?;
            let (r, cql_type) = raw_type(r)?;
            (r, AlterTypeAction::Add { if_not_exists: ine, field, cql_type })
        }
        "RENAME" => {
            let (r, ie) = if_exists(r)?;
            let (r, renames) = renames(r)?;
            (r, AlterTypeAction::Rename { if_exists: ie, renames })
        }
        _ => return expect_one_of(i, &["ALTER", "ADD", "RENAME"]),
    };
    Ok((r, Statement::AlterType(AlterTypeStatement { if_exists: ie, name, action })))
}

/// `DROP …`.
pub(crate) fn drop_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("DROP")(i)?;
    let t = i.tok();
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    match w {
        "KEYSPACE" | "SCHEMA" => {
            let (r, ie) = if_exists(r)?;
            let (r, ks) = keyspace_name(r)?;
            Ok((r, Statement::DropKeyspace(DropStatement { if_exists: ie, name: QualifiedName::new(ks) })))
        }
        "TABLE" | "COLUMNFAMILY" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = table_name(r)?;
            Ok((r, Statement::DropTable(DropStatement { if_exists: ie, name })))
        }
        "INDEX" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = index_name(r)?;
            Ok((r, Statement::DropIndex(DropStatement { if_exists: ie, name })))
        }
        "MATERIALIZED" => {
            let (r, _) = kw("VIEW")(r)?;
            let (r, ie) = if_exists(r)?;
            let (r, name) = table_name(r)?;
            Ok((r, Statement::DropMaterializedView(DropStatement { if_exists: ie, name })))
        }
        "TRIGGER" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = ident(r)?;
            let (r, _) = kw("ON")(r)?;
            let (r, table) = table_name(r)?;
            Ok((r, Statement::DropTrigger(DropTriggerStatement { if_exists: ie, name, table })))
        }
        "TYPE" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = user_type_name(r)?;
            Ok((r, Statement::DropType(DropTypeStatement { if_exists: ie, name })))
        }
        "FUNCTION" | "AGGREGATE" => {
            let (r, ie) = if_exists(r)?;
            let (r, name) = function_name(r)?;
            let (r, argument_types) = if is_sym(r.tok(), "(") {
                let (r, v) = type_list(r)?;
                (r, Some(v))
            } else {
                r.expected(Expect::Sym("("), false);
                (r, None)
            };
            let st = DropFunctionStatement { if_exists: ie, name, argument_types };
            Ok((r, if w == "FUNCTION" { Statement::DropFunction(st) } else { Statement::DropAggregate(st) }))
        }
        "ROLE" => super::auth::drop_role(r),
        "USER" => super::auth::drop_user(r),
        "IDENTITY" => super::auth::drop_identity(r),
        _ => expect_one_of(
            i,
            &[
                "KEYSPACE",
                "COLUMNFAMILY",
                "INDEX",
                "MATERIALIZED",
                "TRIGGER",
                "TYPE",
                "FUNCTION",
                "AGGREGATE",
                "ROLE",
                "USER",
                "IDENTITY",
            ],
        ),
    }
}
