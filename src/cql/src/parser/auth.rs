//! Roles, users, permissions, identities, and `DESCRIBE`.

use nom::branch::alt;
use nom::multi::separated_list1;

use super::common::{
    constant_map, function_name, ident, if_exists, if_not_exists, is_ident_tok, keyspace_name, raw_type, table_name,
    user_type_name,
};
use super::{is_kw, is_sym, kind, kw, skw, ssym, sym, Expect, Input, PResult};
use crate::ast::{
    AddIdentityStatement, AlterRoleStatement, AlterUserStatement, CreateRoleStatement, CreateUserStatement,
    DescribeStatement, DescribeTarget, DropIdentityStatement, DropRoleStatement, DropUserStatement, Ident,
    ListPermissionsStatement, ListRolesStatement, Permission, Permissions, PermissionsStatement, QualifiedName,
    Resource, RoleGrantStatement, RoleOption, Statement, UserPassword,
};
use crate::lexer::TokKind;

/// A role name: identifier, `'string'` (case kept) or `"quoted"`.
fn role_name(i: Input<'_>) -> PResult<'_, Ident> {
    let t = i.tok();
    if t.kind == TokKind::Str {
        return Ok((i.advance(), Ident::new(t.text.clone())));
    }
    if t.kind == TokKind::EmptyQuoted {
        // `''` names the empty role; it prints as `""`.
        return Ok((i.advance(), Ident::new("")));
    }
    if is_sym(t, "?") {
        return i.refuse("Bind variables cannot be used for role names");
    }
    ident(i)
}

/// A legacy user name: plain identifier (case kept) or `'string'`.
fn user_name(i: Input<'_>) -> PResult<'_, String> {
    let t = i.tok();
    match t.kind {
        TokKind::Str => Ok((i.advance(), t.text.clone())),
        TokKind::Word if !crate::keywords::is_keyword(&t.text) => Ok((i.advance(), t.text.clone())),
        TokKind::Quoted => {
            i.refuse("Quoted strings are are not supported for user names and USER is deprecated, please use ROLE")
        }
        _ => i.fail(Expect::Many, true),
    }
}

fn identity(i: Input<'_>) -> PResult<'_, String> {
    let t = i.tok();
    match t.kind {
        TokKind::Str => Ok((i.advance(), t.text.clone())),
        TokKind::Word if !crate::keywords::is_keyword(&t.text) => Ok((i.advance(), t.text.clone())),
        TokKind::Quoted => i.refuse("Quoted strings are are not supported for identity"),
        _ => i.fail(Expect::Many, true),
    }
}

fn string_set(i: Input<'_>) -> PResult<'_, Vec<String>> {
    let (i, _) = sym("{")(i)?;
    let (i, items) = separated_list1(ssym(","), kind(TokKind::Str))(i)?;
    let (i, _) = sym("}")(i)?;
    Ok((i, items.into_iter().map(|t| t.text.clone()).collect()))
}

fn boolean(i: Input<'_>) -> PResult<'_, bool> {
    let (i, t) = kind(TokKind::Boolean)(i)?;
    Ok((i, t.text.eq_ignore_ascii_case("true")))
}

fn role_option(i: Input<'_>) -> PResult<'_, RoleOption> {
    let t = i.tok();
    let w = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    let r = i.advance();
    match w {
        "PASSWORD" => {
            let (r, _) = sym("=")(r)?;
            let (r, p) = kind(TokKind::Str)(r)?;
            Ok((r, RoleOption::Password(p.text.clone())))
        }
        "HASHED" => {
            let (r, _) = kw("PASSWORD")(r)?;
            let (r, _) = sym("=")(r)?;
            let (r, p) = kind(TokKind::Str)(r)?;
            Ok((r, RoleOption::HashedPassword(p.text.clone())))
        }
        "GENERATED" => {
            let (r, _) = kw("PASSWORD")(r)?;
            Ok((r, RoleOption::GeneratedPassword))
        }
        "OPTIONS" => {
            let (r, _) = sym("=")(r)?;
            let (r, m) = constant_map(r)?;
            Ok((r, RoleOption::Options(m)))
        }
        "SUPERUSER" => {
            let (r, _) = sym("=")(r)?;
            let (r, b) = boolean(r)?;
            Ok((r, RoleOption::Superuser(b)))
        }
        "LOGIN" => {
            let (r, _) = sym("=")(r)?;
            let (r, b) = boolean(r)?;
            Ok((r, RoleOption::Login(b)))
        }
        "ACCESS" => {
            if is_kw(r.tok(), "TO") {
                let r = r.advance();
                if is_kw(r.tok(), "ALL") {
                    let (r, _) = kw("DATACENTERS")(r.advance())?;
                    return Ok((r, RoleOption::AccessToAllDatacenters));
                }
                let (r, _) = kw("DATACENTERS")(r)?;
                let (r, dcs) = string_set(r)?;
                return Ok((r, RoleOption::AccessToDatacenters(dcs)));
            }
            let (r, _) = kw("FROM")(r)?;
            if is_kw(r.tok(), "ALL") {
                let (r, _) = kw("CIDRS")(r.advance())?;
                return Ok((r, RoleOption::AccessFromAllCidrs));
            }
            let (r, _) = kw("CIDRS")(r)?;
            let (r, c) = string_set(r)?;
            Ok((r, RoleOption::AccessFromCidrs(c)))
        }
        _ => {
            for k in ["PASSWORD", "HASHED", "GENERATED", "OPTIONS", "SUPERUSER", "LOGIN", "ACCESS"] {
                i.expected(Expect::Kw(k), true);
            }
            Err(nom::Err::Error(super::PErr))
        }
    }
}

fn option_key(o: &RoleOption) -> Option<&'static str> {
    match o {
        RoleOption::Password(_) => Some("PASSWORD"),
        RoleOption::HashedPassword(_) => Some("HASHED_PASSWORD"),
        RoleOption::GeneratedPassword => Some("GENERATED_PASSWORD"),
        RoleOption::Superuser(_) => Some("SUPERUSER"),
        RoleOption::Login(_) => Some("LOGIN"),
        RoleOption::Options(_) => Some("OPTIONS"),
        _ => None,
    }
}

/// Cassandra's checks on role options: no repetition, passwords mutually exclusive.
fn check_password_exclusive<'a>(i: Input<'a>, keys: &[&str]) -> Result<(), nom::Err<super::PErr>> {
    let has = |k| keys.contains(&k);
    let pairs = [
        ("PASSWORD", "HASHED_PASSWORD", "'password' and 'hashed password'"),
        ("PASSWORD", "GENERATED_PASSWORD", "'password' and 'generated password'"),
        ("HASHED_PASSWORD", "GENERATED_PASSWORD", "'hashed password' and 'generated password'"),
    ];
    for (a, b, text) in pairs {
        if has(a) && has(b) {
            return Err(i.refusal(format!("Options {text} are mutually exclusive")));
        }
    }
    Ok(())
}

fn role_options(i: Input<'_>) -> PResult<'_, Vec<RoleOption>> {
    if !is_kw(i.tok(), "WITH") {
        i.expected(Expect::Kw("WITH"), false);
        return Ok((i, Vec::new()));
    }
    let start = i;
    let mut i = i.advance();
    let mut out: Vec<RoleOption> = Vec::new();
    loop {
        let at = i;
        let (r, o) = role_option(i)?;
        if let Some(k) = option_key(&o) {
            if out.iter().any(|p| option_key(p) == Some(k)) {
                return at.refuse(format!("Multiple definition for property '{k}'"));
            }
        }
        out.push(o);
        match skw("AND")(r) {
            Ok((r2, _)) => i = r2,
            Err(_) => {
                i = r;
                break;
            }
        }
    }
    let keys: Vec<&str> = out.iter().filter_map(option_key).collect();
    check_password_exclusive(start, &keys)?;
    Ok((i, out))
}

/// After `CREATE ROLE`.
pub(crate) fn create_role(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = role_name(i)?;
    let (i, options) = role_options(i)?;
    Ok((i, Statement::CreateRole(CreateRoleStatement { if_not_exists: ine, name, options })))
}

/// After `ALTER ROLE`.
pub(crate) fn alter_role(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = role_name(i)?;
    let (i, options) = role_options(i)?;
    Ok((i, Statement::AlterRole(AlterRoleStatement { if_exists: ie, name, options })))
}

/// After `DROP ROLE`.
pub(crate) fn drop_role(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = role_name(i)?;
    Ok((i, Statement::DropRole(DropRoleStatement { if_exists: ie, name })))
}

fn user_tail(i: Input<'_>) -> PResult<'_, (Option<UserPassword>, Option<bool>)> {
    let (i, password) = if is_kw(i.tok(), "WITH") {
        let r = i.advance();
        if is_kw(r.tok(), "PASSWORD") {
            let (r, p) = kind(TokKind::Str)(r.advance())?;
            (r, Some(UserPassword::Password(p.text.clone())))
        } else if is_kw(r.tok(), "HASHED") {
            let (r, _) = kw("PASSWORD")(r.advance())?;
            let (r, p) = kind(TokKind::Str)(r)?;
            (r, Some(UserPassword::HashedPassword(p.text.clone())))
        } else {
            r.expected(Expect::Kw("PASSWORD"), true);
            r.expected(Expect::Kw("HASHED"), true);
            let (r, _) = kw("GENERATED")(r)?;
            let (r, _) = kw("PASSWORD")(r)?;
            (r, Some(UserPassword::GeneratedPassword))
        }
    } else {
        i.expected(Expect::Kw("WITH"), false);
        (i, None)
    };
    let (i, superuser) = if is_kw(i.tok(), "SUPERUSER") {
        (i.advance(), Some(true))
    } else if is_kw(i.tok(), "NOSUPERUSER") {
        (i.advance(), Some(false))
    } else {
        i.expected(Expect::Kw("SUPERUSER"), false);
        (i, None)
    };
    Ok((i, (password, superuser)))
}

/// After `CREATE USER`.
pub(crate) fn create_user(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ine) = if_not_exists(i)?;
    let (i, name) = user_name(i)?;
    let (i, (password, superuser)) = user_tail(i)?;
    Ok((i, Statement::CreateUser(CreateUserStatement { if_not_exists: ine, name, password, superuser })))
}

/// After `ALTER USER`.
pub(crate) fn alter_user(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = user_name(i)?;
    let (i, (password, superuser)) = user_tail(i)?;
    Ok((i, Statement::AlterUser(AlterUserStatement { if_exists: ie, name, password, superuser })))
}

/// After `DROP USER`.
pub(crate) fn drop_user(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, name) = user_name(i)?;
    Ok((i, Statement::DropUser(DropUserStatement { if_exists: ie, name })))
}

/// `ADD IDENTITY [IF NOT EXISTS] 'identity' TO ROLE 'role'`.
pub(crate) fn add_identity(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("ADD")(i)?;
    let (i, _) = kw("IDENTITY")(i)?;
    let (i, ine) = if_not_exists(i)?;
    let (i, id) = identity(i)?;
    let (i, _) = kw("TO")(i)?;
    let (i, _) = kw("ROLE")(i)?;
    let (i, role) = identity(i)?;
    Ok((i, Statement::AddIdentity(AddIdentityStatement { if_not_exists: ine, identity: id, role })))
}

/// After `DROP IDENTITY`.
pub(crate) fn drop_identity(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, ie) = if_exists(i)?;
    let (i, id) = identity(i)?;
    Ok((i, Statement::DropIdentity(DropIdentityStatement { if_exists: ie, identity: id })))
}

fn permission(i: Input<'_>) -> PResult<'_, Permission> {
    let t = i.tok();
    for p in Permission::ALL {
        if is_kw(t, p.as_str()) {
            let r = i.advance();
            let r = if is_kw(r.tok(), "PERMISSION") { r.advance() } else { r };
            return Ok((r, p));
        }
    }
    for p in Permission::ALL {
        i.expected(Expect::Kw(p.as_str()), true);
    }
    Err(nom::Err::Error(super::PErr))
}

fn permissions(i: Input<'_>) -> PResult<'_, Permissions> {
    if is_kw(i.tok(), "ALL") {
        let r = i.advance();
        let r = if is_kw(r.tok(), "PERMISSIONS") { r.advance() } else { r };
        return Ok((r, Permissions::All));
    }
    i.expected(Expect::Kw("ALL"), true);
    let (r, ps) = separated_list1(ssym(","), permission)(i)?;
    Ok((r, Permissions::Some(ps)))
}

fn resource(i: Input<'_>) -> PResult<'_, Resource> {
    let t = i.tok();
    let next = i.peek(1);
    if is_kw(t, "ALL") {
        let r = i.advance().advance();
        if is_kw(next, "KEYSPACES") {
            return Ok((r, Resource::AllKeyspaces));
        }
        if is_kw(next, "ROLES") {
            return Ok((r, Resource::AllRoles));
        }
        if is_kw(next, "MBEANS") {
            return Ok((r, Resource::AllMbeans));
        }
        if is_kw(next, "FUNCTIONS") {
            if is_kw(r.tok(), "IN") {
                let (r, _) = kw("KEYSPACE")(r.advance())?;
                let (r, ks) = keyspace_name(r)?;
                return Ok((r, Resource::AllFunctions(Some(ks))));
            }
            return Ok((r, Resource::AllFunctions(None)));
        }
    }
    if is_kw(t, "KEYSPACE") {
        let (r, ks) = keyspace_name(i.advance())?;
        return Ok((r, Resource::Keyspace(ks)));
    }
    if is_kw(t, "ROLE") && (is_ident_tok(next) || next.kind == TokKind::Str) {
        let (r, role) = role_name(i.advance())?;
        return Ok((r, Resource::Role(role)));
    }
    if is_kw(t, "FUNCTION") && (is_ident_tok(next) || next.kind == TokKind::Word) {
        let (r, name) = function_name(i.advance())?;
        let (r, _) = sym("(")(r)?;
        let (r, argument_types) =
            if is_sym(r.tok(), ")") { (r, Vec::new()) } else { separated_list1(ssym(","), raw_type)(r)? };
        let (r, _) = sym(")")(r)?;
        return Ok((r, Resource::Function { name, argument_types }));
    }
    if (is_kw(t, "MBEAN") || is_kw(t, "MBEANS")) && next.kind == TokKind::Str {
        let r = i.advance().advance();
        let s = next.text.clone();
        return Ok((r, if is_kw(t, "MBEAN") { Resource::Mbean(s) } else { Resource::Mbeans(s) }));
    }
    let r = if is_kw(t, "COLUMNFAMILY") { i.advance() } else { i };
    let (r, name) = table_name(r)?;
    Ok((r, Resource::Table(name)))
}

/// `GRANT …` / `REVOKE …`.
pub(crate) fn grant_revoke(i: Input<'_>) -> PResult<'_, Statement> {
    let grant = is_kw(i.tok(), "GRANT");
    let i = i.advance();
    let prep = if grant { "TO" } else { "FROM" };
    let perm_form = move |i| {
        let (i, permissions) = permissions(i)?;
        let (i, _) = kw("ON")(i)?;
        let (i, resource) = resource(i)?;
        let (i, _) = kw(prep)(i)?;
        let (i, role) = role_name(i)?;
        let st = PermissionsStatement { permissions, resource, role };
        Ok((i, if grant { Statement::GrantPermissions(st) } else { Statement::RevokePermissions(st) }))
    };
    let role_form = move |i| {
        let (i, role) = role_name(i)?;
        let (i, _) = kw(prep)(i)?;
        let (i, grantee) = role_name(i)?;
        let st = RoleGrantStatement { role, grantee };
        Ok((i, if grant { Statement::GrantRole(st) } else { Statement::RevokeRole(st) }))
    };
    alt((perm_form, role_form))(i)
}

fn of_and_recursive(i: Input<'_>) -> PResult<'_, (Option<Ident>, bool)> {
    let (i, of) = if is_kw(i.tok(), "OF") {
        let (r, o) = role_name(i.advance())?;
        (r, Some(o))
    } else {
        i.expected(Expect::Kw("OF"), false);
        (i, None)
    };
    let (i, recursive) = if is_kw(i.tok(), "NORECURSIVE") {
        (i.advance(), false)
    } else {
        i.expected(Expect::Kw("NORECURSIVE"), false);
        (i, true)
    };
    Ok((i, (of, recursive)))
}

/// `LIST ROLES|USERS|SUPERUSERS|permissions …`.
pub(crate) fn list_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("LIST")(i)?;
    let t = i.tok();
    if is_kw(t, "ROLES") {
        let (r, (of, recursive)) = of_and_recursive(i.advance())?;
        return Ok((r, Statement::ListRoles(ListRolesStatement { of, recursive })));
    }
    if is_kw(t, "USERS") {
        return Ok((i.advance(), Statement::ListUsers));
    }
    if is_kw(t, "SUPERUSERS") {
        return Ok((i.advance(), Statement::ListSuperUsers));
    }
    i.expected(Expect::Kw("ROLES"), true);
    i.expected(Expect::Kw("USERS"), true);
    let (i, permissions) = permissions(i)?;
    let (i, resource) = if is_kw(i.tok(), "ON") {
        let (r, res) = resource(i.advance())?;
        (r, Some(res))
    } else {
        i.expected(Expect::Kw("ON"), false);
        (i, None)
    };
    let (i, (of, recursive)) = of_and_recursive(i)?;
    Ok((i, Statement::ListPermissions(ListPermissionsStatement { permissions, resource, of, recursive })))
}

/// `[WITH INTERNALS]` then the end of the statement, else `None`.
fn done(r: Input<'_>, target: DescribeTarget) -> Option<(Input<'_>, Statement)> {
    let (r, wi) = if is_kw(r.tok(), "WITH") && is_kw(r.peek(1), "INTERNALS") {
        (r.advance().advance(), true)
    } else {
        (r, false)
    };
    at_end(r).then_some((r, Statement::Describe(DescribeStatement { target, with_internals: wi })))
}

/// Whether the statement can end here (`;`, end of input).
fn at_end(i: Input<'_>) -> bool {
    is_sym(i.tok(), ";") || i.tok().kind == TokKind::Eof
}

/// `DESCRIBE | DESC …`.
pub(crate) fn describe_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let i = i.advance();
    let t = i.tok();
    let next = i.advance();
    // Keyword forms (each must reach the end of the statement, else the generic form is tried).
    let simple = [
        ("CLUSTER", DescribeTarget::Cluster),
        ("SCHEMA", DescribeTarget::Schema { full: false }),
        ("KEYSPACES", DescribeTarget::Keyspaces),
        ("TABLES", DescribeTarget::Tables),
        ("COLUMNFAMILIES", DescribeTarget::Tables),
        ("TYPES", DescribeTarget::Types),
        ("FUNCTIONS", DescribeTarget::Functions),
        ("AGGREGATES", DescribeTarget::Aggregates),
    ];
    for (word, target) in simple {
        if t.kind == TokKind::Word && t.upper == word {
            if let Some(ok) = done(next, target) {
                return Ok(ok);
            }
        }
    }
    if is_kw(t, "FULL") && is_kw(next.tok(), "SCHEMA") {
        if let Some(ok) = done(next.advance(), DescribeTarget::Schema { full: true }) {
            return Ok(ok);
        }
    }
    let (ks_at, only) = if is_kw(t, "ONLY") && is_kw(next.tok(), "KEYSPACE") { (next, true) } else { (i, false) };
    if is_kw(ks_at.tok(), "KEYSPACE") {
        let r = ks_at.advance();
        if let Some(ok) = done(r, DescribeTarget::Keyspace { only, name: None }) {
            return Ok(ok);
        }
        let (r, name) = keyspace_name(r)?;
        if let Some(ok) = done(r, DescribeTarget::Keyspace { only, name: Some(name) }) {
            return Ok(ok);
        }
    }
    if is_kw(t, "COLUMNFAMILY") {
        let (r, name) = table_name(next)?;
        return end(r, DescribeTarget::Table(name));
    }
    if is_kw(t, "INDEX") {
        let (r, name) = table_name(next)?;
        return end(r, DescribeTarget::Index(name));
    }
    if is_kw(t, "MATERIALIZED") {
        let (r, _) = kw("VIEW")(next)?;
        let (r, name) = table_name(r)?;
        return end(r, DescribeTarget::MaterializedView(name));
    }
    if is_kw(t, "TYPE") {
        if let Ok((r, name)) = user_type_name(next) {
            if let Some(ok) = done(r, DescribeTarget::Type(name)) {
                return Ok(ok);
            }
        }
    }
    if is_kw(t, "FUNCTION") || is_kw(t, "AGGREGATE") {
        if let Ok((r, name)) = function_name(next) {
            let target =
                if is_kw(t, "FUNCTION") { DescribeTarget::Function(name) } else { DescribeTarget::Aggregate(name) };
            if let Some(ok) = done(r, target) {
                return Ok(ok);
            }
        }
    }
    // Generic: `[ks.]name`.
    let (r, first) = ident(i)?;
    let (r, name) = if is_sym(r.tok(), ".") {
        let (r2, n) = ident(r.advance())?;
        (r2, QualifiedName { keyspace: Some(first), name: n })
    } else {
        (r, QualifiedName::new(first))
    };
    end(r, DescribeTarget::Generic(name))
}

/// `[WITH INTERNALS]` then the statement must end (the end itself is checked by the caller).
fn end(i: Input<'_>, target: DescribeTarget) -> PResult<'_, Statement> {
    let (i, with_internals) = if is_kw(i.tok(), "WITH") {
        let (r, _) = kw("INTERNALS")(i.advance())?;
        (r, true)
    } else {
        i.expected(Expect::Kw("WITH"), false);
        (i, false)
    };
    Ok((i, Statement::Describe(DescribeStatement { target, with_internals })))
}
