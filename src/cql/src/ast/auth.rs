//! Roles, users, permissions and identities (parsed; authorization is not implemented yet).

use std::fmt;

use super::{and_sep, comma_sep, write_literal_map, FunctionName, Ident, Literal, QualifiedName, RawType};
use crate::keywords::write_string_literal;

/// One option of `CREATE ROLE … WITH …` / `ALTER ROLE … WITH …`.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleOption {
    /// `PASSWORD = '…'`.
    Password(String),
    /// `HASHED PASSWORD = '…'`.
    HashedPassword(String),
    /// `GENERATED PASSWORD`.
    GeneratedPassword,
    /// `SUPERUSER = true|false`.
    Superuser(bool),
    /// `LOGIN = true|false`.
    Login(bool),
    /// `OPTIONS = {…}`.
    Options(Vec<(Literal, Literal)>),
    /// `ACCESS TO ALL DATACENTERS`.
    AccessToAllDatacenters,
    /// `ACCESS TO DATACENTERS {'dc1', …}`.
    AccessToDatacenters(Vec<String>),
    /// `ACCESS FROM ALL CIDRS`.
    AccessFromAllCidrs,
    /// `ACCESS FROM CIDRS {'region', …}`.
    AccessFromCidrs(Vec<String>),
}

fn write_string_set(f: &mut fmt::Formatter<'_>, items: &[String]) -> fmt::Result {
    f.write_str("{")?;
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_string_literal(f, s)?;
    }
    f.write_str("}")
}

impl fmt::Display for RoleOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleOption::Password(p) => {
                f.write_str("PASSWORD = ")?;
                write_string_literal(f, p)
            }
            RoleOption::HashedPassword(p) => {
                f.write_str("HASHED PASSWORD = ")?;
                write_string_literal(f, p)
            }
            RoleOption::GeneratedPassword => f.write_str("GENERATED PASSWORD"),
            RoleOption::Superuser(b) => write!(f, "SUPERUSER = {b}"),
            RoleOption::Login(b) => write!(f, "LOGIN = {b}"),
            RoleOption::Options(m) => {
                f.write_str("OPTIONS = ")?;
                write_literal_map(f, m)
            }
            RoleOption::AccessToAllDatacenters => f.write_str("ACCESS TO ALL DATACENTERS"),
            RoleOption::AccessToDatacenters(dcs) => {
                f.write_str("ACCESS TO DATACENTERS ")?;
                write_string_set(f, dcs)
            }
            RoleOption::AccessFromAllCidrs => f.write_str("ACCESS FROM ALL CIDRS"),
            RoleOption::AccessFromCidrs(c) => {
                f.write_str("ACCESS FROM CIDRS ")?;
                write_string_set(f, c)
            }
        }
    }
}

fn write_role_options(f: &mut fmt::Formatter<'_>, opts: &[RoleOption]) -> fmt::Result {
    if !opts.is_empty() {
        f.write_str(" WITH ")?;
        and_sep(f, opts)?;
    }
    Ok(())
}

/// `CREATE ROLE [IF NOT EXISTS] name [WITH option AND …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRoleStatement {
    pub if_not_exists: bool,
    pub name: Ident,
    pub options: Vec<RoleOption>,
}

impl fmt::Display for CreateRoleStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ROLE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        write_role_options(f, &self.options)
    }
}

/// `ALTER ROLE [IF EXISTS] name [WITH option AND …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterRoleStatement {
    pub if_exists: bool,
    pub name: Ident,
    pub options: Vec<RoleOption>,
}

impl fmt::Display for AlterRoleStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER ROLE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        write_role_options(f, &self.options)
    }
}

/// `DROP ROLE [IF EXISTS] name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropRoleStatement {
    pub if_exists: bool,
    pub name: Ident,
}

impl fmt::Display for DropRoleStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP ROLE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

/// The password clause of the legacy `CREATE USER` / `ALTER USER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserPassword {
    Password(String),
    HashedPassword(String),
    GeneratedPassword,
}

/// `CREATE USER [IF NOT EXISTS] name [WITH PASSWORD '…'] [SUPERUSER|NOSUPERUSER]`. User names
/// keep their case even unquoted, as in Cassandra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateUserStatement {
    pub if_not_exists: bool,
    pub name: String,
    pub password: Option<UserPassword>,
    pub superuser: Option<bool>,
}

/// `ALTER USER [IF EXISTS] name [WITH PASSWORD '…'] [SUPERUSER|NOSUPERUSER]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterUserStatement {
    pub if_exists: bool,
    pub name: String,
    pub password: Option<UserPassword>,
    pub superuser: Option<bool>,
}

fn write_user_tail(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    password: &Option<UserPassword>,
    superuser: Option<bool>,
) -> fmt::Result {
    write_string_literal(f, name)?;
    match password {
        None => {}
        Some(UserPassword::Password(p)) => {
            f.write_str(" WITH PASSWORD ")?;
            write_string_literal(f, p)?;
        }
        Some(UserPassword::HashedPassword(p)) => {
            f.write_str(" WITH HASHED PASSWORD ")?;
            write_string_literal(f, p)?;
        }
        Some(UserPassword::GeneratedPassword) => f.write_str(" WITH GENERATED PASSWORD")?,
    }
    match superuser {
        None => Ok(()),
        Some(true) => f.write_str(" SUPERUSER"),
        Some(false) => f.write_str(" NOSUPERUSER"),
    }
}

impl fmt::Display for CreateUserStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE USER ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write_user_tail(f, &self.name, &self.password, self.superuser)
    }
}

impl fmt::Display for AlterUserStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER USER ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write_user_tail(f, &self.name, &self.password, self.superuser)
    }
}

/// `DROP USER [IF EXISTS] name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropUserStatement {
    pub if_exists: bool,
    pub name: String,
}

impl fmt::Display for DropUserStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP USER ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write_string_literal(f, &self.name)
    }
}

/// A permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    Create,
    Alter,
    Drop,
    Select,
    Modify,
    Authorize,
    Describe,
    Execute,
    Unmask,
    SelectMasked,
}

impl Permission {
    /// All permissions, in grammar order.
    pub const ALL: [Permission; 10] = [
        Permission::Create,
        Permission::Alter,
        Permission::Drop,
        Permission::Select,
        Permission::Modify,
        Permission::Authorize,
        Permission::Describe,
        Permission::Execute,
        Permission::Unmask,
        Permission::SelectMasked,
    ];

    /// The keyword (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Create => "CREATE",
            Permission::Alter => "ALTER",
            Permission::Drop => "DROP",
            Permission::Select => "SELECT",
            Permission::Modify => "MODIFY",
            Permission::Authorize => "AUTHORIZE",
            Permission::Describe => "DESCRIBE",
            Permission::Execute => "EXECUTE",
            Permission::Unmask => "UNMASK",
            Permission::SelectMasked => "SELECT_MASKED",
        }
    }
}

/// `ALL [PERMISSIONS]` or a list of permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    All,
    Some(Vec<Permission>),
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Permissions::All => f.write_str("ALL PERMISSIONS"),
            Permissions::Some(ps) => {
                let names: Vec<&str> = ps.iter().map(|p| p.as_str()).collect();
                f.write_str(&names.join(", "))
            }
        }
    }
}

/// What permissions apply to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    AllKeyspaces,
    Keyspace(Ident),
    Table(QualifiedName),
    AllRoles,
    Role(Ident),
    /// `ALL FUNCTIONS [IN KEYSPACE ks]`.
    AllFunctions(Option<Ident>),
    Function {
        name: FunctionName,
        argument_types: Vec<RawType>,
    },
    AllMbeans,
    /// `MBEAN 'name'`.
    Mbean(String),
    /// `MBEANS 'pattern'`.
    Mbeans(String),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::AllKeyspaces => f.write_str("ALL KEYSPACES"),
            Resource::Keyspace(k) => write!(f, "KEYSPACE {k}"),
            Resource::Table(t) => write!(f, "TABLE {t}"),
            Resource::AllRoles => f.write_str("ALL ROLES"),
            Resource::Role(r) => write!(f, "ROLE {r}"),
            Resource::AllFunctions(None) => f.write_str("ALL FUNCTIONS"),
            Resource::AllFunctions(Some(k)) => write!(f, "ALL FUNCTIONS IN KEYSPACE {k}"),
            Resource::Function { name, argument_types } => {
                write!(f, "FUNCTION {name}(")?;
                comma_sep(f, argument_types)?;
                f.write_str(")")
            }
            Resource::AllMbeans => f.write_str("ALL MBEANS"),
            Resource::Mbean(m) => {
                f.write_str("MBEAN ")?;
                write_string_literal(f, m)
            }
            Resource::Mbeans(m) => {
                f.write_str("MBEANS ")?;
                write_string_literal(f, m)
            }
        }
    }
}

/// `GRANT permissions ON resource TO role` / `REVOKE … FROM role`.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionsStatement {
    pub permissions: Permissions,
    pub resource: Resource,
    pub role: Ident,
}

impl PermissionsStatement {
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, verb: &str, prep: &str) -> fmt::Result {
        write!(f, "{verb} {} ON {} {prep} {}", self.permissions, self.resource, self.role)
    }
}

/// `LIST permissions [ON resource] [OF role] [NORECURSIVE]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPermissionsStatement {
    pub permissions: Permissions,
    pub resource: Option<Resource>,
    pub of: Option<Ident>,
    pub recursive: bool,
}

impl fmt::Display for ListPermissionsStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LIST {}", self.permissions)?;
        if let Some(r) = &self.resource {
            write!(f, " ON {r}")?;
        }
        if let Some(o) = &self.of {
            write!(f, " OF {o}")?;
        }
        if !self.recursive {
            f.write_str(" NORECURSIVE")?;
        }
        Ok(())
    }
}

/// `GRANT role TO grantee` / `REVOKE role FROM grantee`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrantStatement {
    pub role: Ident,
    pub grantee: Ident,
}

/// `LIST ROLES [OF role] [NORECURSIVE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRolesStatement {
    pub of: Option<Ident>,
    pub recursive: bool,
}

impl fmt::Display for ListRolesStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LIST ROLES")?;
        if let Some(o) = &self.of {
            write!(f, " OF {o}")?;
        }
        if !self.recursive {
            f.write_str(" NORECURSIVE")?;
        }
        Ok(())
    }
}

/// `ADD IDENTITY [IF NOT EXISTS] 'identity' TO ROLE 'role'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddIdentityStatement {
    pub if_not_exists: bool,
    pub identity: String,
    pub role: String,
}

impl fmt::Display for AddIdentityStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ADD IDENTITY ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write_string_literal(f, &self.identity)?;
        f.write_str(" TO ROLE ")?;
        write_string_literal(f, &self.role)
    }
}

/// `DROP IDENTITY [IF EXISTS] 'identity'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropIdentityStatement {
    pub if_exists: bool,
    pub identity: String,
}

impl fmt::Display for DropIdentityStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP IDENTITY ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write_string_literal(f, &self.identity)
    }
}
