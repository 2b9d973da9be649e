//! A generator of random ASTs in the canonical form the parser produces (shared by tests).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_cql::ast::*;

// ---------------------------------------------------------------------------------------------
// Random ASTs in the canonical form the parser produces
// ---------------------------------------------------------------------------------------------

pub struct Gen {
    rng: SmallRng,
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "col",
    "k",
    "v",
    "key",
    "ttl",
    "type",
    "count",
    "json",
    "distinct",
    "writetime",
    "values",
    "static",
    "as",
    "filtering",
    "cast",
    "MyCol",
    "select",
    "from",
    "token",
    "true",
    "nan",
    "infinity",
    "expr",
    "p1d",
    "a b",
    "quote\"d",
    "名前",
    "1abc",
    "x_1",
    "text",
    "int",
    "frozen",
    "map",
    "byte",
    "keyspaces",
    "null",
    "where",
];

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen { rng: SmallRng::seed_from_u64(seed) }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn name(&mut self) -> String {
        if self.chance(0.1) {
            let n: u32 = self.rng.gen_range(0..1000);
            return format!("n{n}");
        }
        self.pick(NAMES).to_string()
    }

    fn ident(&mut self) -> Ident {
        Ident::new(self.name())
    }

    fn idents(&mut self, n: usize) -> Vec<Ident> {
        (0..n).map(|i| Ident::new(format!("{}_{i}", self.name()))).collect()
    }

    fn qualified(&mut self) -> QualifiedName {
        QualifiedName { keyspace: if self.chance(0.3) { Some(self.ident()) } else { None }, name: self.ident() }
    }

    fn string(&mut self) -> String {
        let parts = ["", "a", "it's", "''", "$$", "\"", "--", "/*", "é", "\n", " ", "\\"];
        (0..self.rng.gen_range(0..4)).map(|_| *self.pick(&parts)).collect()
    }

    fn literal(&mut self) -> Literal {
        match self.rng.gen_range(0..11) {
            0 => Literal::String(self.string()),
            1 => {
                let n: i64 = self.rng.gen_range(-1000..1000);
                Literal::Integer(n.to_string())
            }
            2 => Literal::Float(self.pick(&["1.5", "-2e10", "3.E-2", "1.", "0.0", "-7.25E+3"]).to_string()),
            3 => Literal::NaN,
            4 => Literal::Infinity { negative: self.chance(0.5) },
            5 => Literal::Boolean(self.chance(0.5)),
            6 => Literal::Blob((0..self.rng.gen_range(0..4)).map(|_| self.rng.gen()).collect()),
            7 => Literal::Uuid(self.rng.gen()),
            8 => Literal::Duration(self.pick(&["1h30m", "-3d", "P1D", "PT1H", "1y2mo", "5µs", "-P2W"]).to_string()),
            9 => Literal::Null,
            _ => Literal::String("x".into()),
        }
    }

    fn constant(&mut self) -> Literal {
        loop {
            let l = self.literal();
            if l != Literal::Null {
                return l;
            }
        }
    }

    fn marker(&mut self) -> BindMarker {
        if self.chance(0.5) {
            BindMarker::anonymous()
        } else {
            BindMarker::named(self.name())
        }
    }

    fn native(&mut self) -> NativeType {
        *self.pick(&NativeType::ALL)
    }

    fn raw_type(&mut self, depth: u32) -> RawType {
        let leaf = depth == 0 || self.chance(0.4);
        if leaf {
            return match self.rng.gen_range(0..4) {
                0 | 1 => RawType::Native(self.native()),
                2 => RawType::UserDefined(UserTypeName {
                    keyspace: if self.chance(0.3) { Some(self.ident()) } else { None },
                    name: self.ident(),
                }),
                _ => RawType::Custom(self.string()),
            };
        }
        let d = depth - 1;
        match self.rng.gen_range(0..6) {
            0 => RawType::List(Box::new(self.raw_type(d))),
            1 => RawType::Set(Box::new(self.raw_type(d))),
            2 => RawType::Map(Box::new(self.raw_type(d)), Box::new(self.raw_type(d))),
            3 => RawType::Tuple((0..self.rng.gen_range(1..4)).map(|_| self.raw_type(d)).collect()),
            4 => RawType::Vector(Box::new(self.raw_type(d)), self.rng.gen_range(-5..5000)),
            _ => RawType::Frozen(Box::new(self.raw_type(d))),
        }
    }

    /// A term as `simpleTerm` produces it (never `Negate`).
    fn simple_term(&mut self, depth: u32) -> Term {
        let leaf = depth == 0 || self.chance(0.35);
        if leaf {
            return match self.rng.gen_range(0..3) {
                0 | 1 => Term::Literal(self.literal()),
                _ => Term::Bind(self.marker()),
            };
        }
        let d = depth - 1;
        let n = self.rng.gen_range(0..4);
        match self.rng.gen_range(0..8) {
            0 => Term::List((0..n).map(|_| self.term(d)).collect()),
            1 => Term::Set((0..n.max(1)).map(|_| self.term(d)).collect()),
            2 => Term::Map((0..n).map(|_| (self.term(d), self.term(d))).collect()),
            3 => Term::Tuple((0..n.max(1)).map(|_| self.term(d)).collect()),
            4 => Term::Udt((0..n.max(1)).map(|_| (self.name(), self.term(d))).collect()),
            5 => Term::Function {
                keyspace: if self.chance(0.3) { Some(self.name()) } else { None },
                name: self.name(),
                args: (0..n).map(|_| self.term(d)).collect(),
            },
            6 => Term::TypeHint { cql_type: self.raw_type(2).to_string(), term: Box::new(self.simple_term(d)) },
            _ => Term::Literal(self.literal()),
        }
    }

    fn term(&mut self, depth: u32) -> Term {
        let t = self.simple_term(depth);
        if self.chance(0.1) {
            let foldable = matches!(
                &t,
                Term::Literal(Literal::Integer(s) | Literal::Float(s) | Literal::Duration(s)) if !s.starts_with('-')
            ) || matches!(t, Term::Literal(Literal::NaN | Literal::Infinity { negative: false }));
            if !foldable {
                return Term::Negate(Box::new(t));
            }
        }
        t
    }

    fn int_value(&mut self) -> Term {
        if self.chance(0.5) {
            Term::Literal(Literal::Integer(self.rng.gen_range(-5..100000).to_string()))
        } else {
            Term::Bind(self.marker())
        }
    }

    /// Level 3 selectables (`selectionGroupWithoutField`).
    fn base_selectable(&mut self, depth: u32) -> Selectable {
        let leaf = depth == 0 || self.chance(0.35);
        if leaf {
            return match self.rng.gen_range(0..4) {
                0 | 1 => Selectable::Column(self.ident()),
                2 => Selectable::Term(Term::Literal(self.literal())),
                _ => Selectable::Term(Term::Bind(self.marker())),
            };
        }
        let d = depth - 1;
        let n = self.rng.gen_range(0..4);
        match self.rng.gen_range(0..11) {
            0 => Selectable::Function {
                name: FunctionName {
                    keyspace: if self.chance(0.3) { Some(self.ident()) } else { None },
                    name: self.ident(),
                },
                args: (0..n).map(|_| self.selectable(d)).collect(),
            },
            1 => Selectable::CountRows,
            2 => {
                let kind = *self.pick(&[WriteTimeKind::WriteTime, WriteTimeKind::MaxWriteTime, WriteTimeKind::Ttl]);
                let mut column = Selectable::Column(self.ident());
                if self.chance(0.5) {
                    column = self.modify(column, d);
                }
                Selectable::WriteTime { kind, column: Box::new(column) }
            }
            3 => Selectable::Cast { selectable: Box::new(self.selectable(d)), to: self.native() },
            4 => Selectable::TypeHint { cql_type: self.raw_type(2), selectable: Box::new(self.base_selectable(d)) },
            5 => Selectable::List((0..n).map(|_| self.selectable(d)).collect()),
            6 => Selectable::Set((0..n).map(|_| self.selectable(d)).collect()),
            7 => Selectable::Map((0..n.max(1)).map(|_| (self.selectable(d), self.selectable(d))).collect()),
            8 => Selectable::Tuple((0..n.max(2)).map(|_| self.selectable(d)).collect()),
            9 => {
                // `(a)[0]` reads as the type hint `(a) [0]`; the parser never produces a
                // parenthesized type-like selector followed by `[`, so avoid them altogether.
                let inner = self.selectable(d);
                if matches!(
                    &inner,
                    Selectable::Column(_)
                        | Selectable::Term(Term::Literal(Literal::String(_)))
                        | Selectable::Field { .. }
                ) {
                    Selectable::Column(self.ident())
                } else {
                    Selectable::Parenthesized(Box::new(inner))
                }
            }
            _ => Selectable::Column(self.ident()),
        }
    }

    fn modify(&mut self, base: Selectable, depth: u32) -> Selectable {
        let b = Box::new(base);
        match self.rng.gen_range(0..3) {
            0 => Selectable::Field { selectable: b, field: self.ident() },
            1 => Selectable::Element { selectable: b, element: self.term(depth) },
            _ => {
                let (from, to) = match self.rng.gen_range(0..3) {
                    0 => (Some(self.term(depth)), None),
                    1 => (None, Some(self.term(depth))),
                    _ => (Some(self.term(depth)), Some(self.term(depth))),
                };
                Selectable::Slice { selectable: b, from, to }
            }
        }
    }

    /// Level 2: a base, possibly modified, or a negation.
    fn group(&mut self, depth: u32) -> Selectable {
        let mut s = self.base_selectable(depth);
        while self.chance(0.2) {
            s = self.modify(s, depth.saturating_sub(1));
        }
        if self.chance(0.1) {
            let foldable = matches!(
                &s,
                Selectable::Term(Term::Literal(Literal::Integer(x) | Literal::Float(x) | Literal::Duration(x))) if !x.starts_with('-')
            ) || matches!(
                s,
                Selectable::Term(Term::Literal(Literal::NaN | Literal::Infinity { negative: false }))
            );
            if !foldable {
                return Selectable::Negation(Box::new(s));
            }
        }
        s
    }

    fn selectable(&mut self, depth: u32) -> Selectable {
        let mut left = self.group(depth);
        if depth > 0 {
            while self.chance(0.2) {
                let op = *self.pick(&[
                    ArithmeticOp::Add,
                    ArithmeticOp::Subtract,
                    ArithmeticOp::Multiply,
                    ArithmeticOp::Divide,
                    ArithmeticOp::Modulo,
                ]);
                let right = self.group(depth - 1);
                // Keep canonical associativity: a multiplicative operator binds tighter, so a
                // multiplication whose left is an addition must apply to its right operand.
                left = match (op, left) {
                    (
                        ArithmeticOp::Multiply | ArithmeticOp::Divide | ArithmeticOp::Modulo,
                        Selectable::Binary {
                            op: lop @ (ArithmeticOp::Add | ArithmeticOp::Subtract),
                            left: l,
                            right: r,
                        },
                    ) => Selectable::Binary {
                        op: lop,
                        left: l,
                        right: Box::new(Selectable::Binary { op, left: r, right: Box::new(right) }),
                    },
                    (op, left) => Selectable::Binary { op, left: Box::new(left), right: Box::new(right) },
                };
            }
        }
        left
    }

    fn comparison(&mut self) -> Operator {
        *self.pick(&[Operator::Eq, Operator::Lt, Operator::Lte, Operator::Gt, Operator::Gte, Operator::Neq])
    }

    fn in_values(&mut self, multi: bool) -> InValues {
        if self.chance(0.3) {
            return InValues::Marker(self.marker());
        }
        let n = self.rng.gen_range(0..4);
        InValues::Terms((0..n).map(|_| if multi { self.tuple_or_marker() } else { self.term(2) }).collect())
    }

    fn tuple_or_marker(&mut self) -> Term {
        if self.chance(0.3) {
            Term::Bind(self.marker())
        } else {
            Term::Tuple((0..self.rng.gen_range(1..3)).map(|_| self.term(2)).collect())
        }
    }

    fn relation(&mut self) -> Relation {
        match self.rng.gen_range(0..8) {
            0 => {
                let op = *self.pick(&[
                    Operator::Eq,
                    Operator::Lt,
                    Operator::Neq,
                    Operator::Like,
                    Operator::Contains,
                    Operator::ContainsKey,
                ]);
                Relation::Simple { column: self.ident(), op, value: self.term(3) }
            }
            1 => Relation::In { column: self.ident(), values: self.in_values(false) },
            2 => Relation::IsNotNull { column: self.ident() },
            3 => Relation::MapElement {
                column: self.ident(),
                key: self.term(2),
                op: self.comparison(),
                value: self.term(2),
            },
            4 => {
                let n = self.rng.gen_range(1..3);
                Relation::Token { columns: self.idents(n), op: self.comparison(), value: self.term(2) }
            }
            5 => {
                let n = self.rng.gen_range(1..3);
                Relation::MultiColumn { columns: self.idents(n), op: self.comparison(), value: self.tuple_or_marker() }
            }
            6 => {
                let n = self.rng.gen_range(1..3);
                Relation::MultiColumnIn { columns: self.idents(n), values: self.in_values(true) }
            }
            _ => Relation::CustomIndex { index: self.ident(), value: self.term(2) },
        }
    }

    fn relations(&mut self, min: usize) -> Vec<Relation> {
        (0..self.rng.gen_range(min..4)).map(|_| self.relation()).collect()
    }

    fn using(&mut self) -> Using {
        Using {
            timestamp: if self.chance(0.3) { Some(self.int_value()) } else { None },
            ttl: if self.chance(0.3) { Some(self.int_value()) } else { None },
        }
    }

    fn select(&mut self) -> SelectStatement {
        let selection = if self.chance(0.2) {
            Selection::Wildcard
        } else {
            Selection::Selectors(
                (0..self.rng.gen_range(1..4))
                    .map(|_| Selector {
                        selectable: self.selectable(3),
                        alias: if self.chance(0.3) { Some(self.ident()) } else { None },
                    })
                    .collect(),
            )
        };
        SelectStatement {
            json: self.chance(0.2),
            distinct: self.chance(0.2),
            selection,
            table: self.qualified(),
            where_clause: self.relations(0),
            group_by: (0..self.rng.gen_range(0..2)).map(|_| self.selectable(1)).collect(),
            order_by: (0..self.rng.gen_range(0..3))
                .map(|_| Ordering {
                    column: self.ident(),
                    ann_of: if self.chance(0.2) { Some(self.term(2)) } else { None },
                    direction: if self.chance(0.5) { Direction::Desc } else { Direction::Asc },
                })
                .collect(),
            per_partition_limit: if self.chance(0.2) { Some(self.int_value()) } else { None },
            limit: if self.chance(0.3) { Some(self.int_value()) } else { None },
            allow_filtering: self.chance(0.2),
        }
    }

    fn if_clause(&mut self) -> Option<IfClause> {
        match self.rng.gen_range(0..3) {
            0 => None,
            1 => Some(IfClause::Exists),
            _ => Some(IfClause::Conditions(
                (0..self.rng.gen_range(1..3))
                    .map(|_| {
                        let target = match self.rng.gen_range(0..3) {
                            0 => ConditionTarget::Column,
                            1 => ConditionTarget::Element(self.term(2)),
                            _ => ConditionTarget::Field(self.ident()),
                        };
                        let op = if self.chance(0.3) {
                            ConditionOp::In(self.in_values(false))
                        } else if target == ConditionTarget::Column && self.chance(0.3) {
                            ConditionOp::Compare(*self.pick(&[Operator::Contains, Operator::ContainsKey]), self.term(2))
                        } else {
                            ConditionOp::Compare(self.comparison(), self.term(2))
                        };
                        Condition { column: self.ident(), target, op }
                    })
                    .collect(),
            )),
        }
    }

    fn insert(&mut self) -> InsertStatement {
        let values = if self.chance(0.3) {
            let json = if self.chance(0.5) {
                Term::Literal(Literal::String(self.string()))
            } else {
                Term::Bind(self.marker())
            };
            InsertValues::Json { json, default_unset: self.chance(0.5) }
        } else {
            let n = self.rng.gen_range(1..4);
            InsertValues::Columns { columns: self.idents(n), values: (0..n).map(|_| self.term(3)).collect() }
        };
        InsertStatement { table: self.qualified(), values, if_not_exists: self.chance(0.3), using: self.using() }
    }

    fn update(&mut self) -> UpdateStatement {
        let n = self.rng.gen_range(1..4);
        let columns = self.idents(n);
        let assignments = columns
            .into_iter()
            .map(|column| match self.rng.gen_range(0..6) {
                0 => Assignment::Set { column, value: self.term(3) },
                1 => Assignment::Add { column, value: self.term(2) },
                2 => Assignment::Subtract { column, value: self.term(2) },
                3 => Assignment::Prepend { column, value: self.term(2) },
                4 => Assignment::SetElement { column, key: self.term(2), value: self.term(2) },
                _ => Assignment::SetField { column, field: self.ident(), value: self.term(2) },
            })
            .collect();
        UpdateStatement {
            table: self.qualified(),
            using: self.using(),
            assignments,
            where_clause: self.relations(1),
            if_clause: self.if_clause(),
        }
    }

    fn delete(&mut self) -> DeleteStatement {
        DeleteStatement {
            selections: (0..self.rng.gen_range(0..3))
                .map(|_| match self.rng.gen_range(0..3) {
                    0 => DeleteSelection::Column(self.ident()),
                    1 => DeleteSelection::Element(self.ident(), self.term(2)),
                    _ => DeleteSelection::Field(self.ident(), self.ident()),
                })
                .collect(),
            table: self.qualified(),
            timestamp: if self.chance(0.3) { Some(self.int_value()) } else { None },
            where_clause: self.relations(1),
            if_clause: self.if_clause(),
        }
    }

    fn property_map(&mut self) -> Vec<(Literal, Literal)> {
        let n = self.rng.gen_range(0..3);
        (0..n).map(|i| (Literal::String(format!("k{i}")), self.constant())).collect()
    }

    fn properties(&mut self, n: usize) -> Vec<Property> {
        self.idents(n)
            .into_iter()
            .map(|name| {
                let value = match self.rng.gen_range(0..3) {
                    0 => PropertyValue::Constant(self.constant()),
                    1 => PropertyValue::Map(self.property_map()),
                    _ => PropertyValue::Keyword(self.pick(&["ALL", "static", "KEYS", "Frozen"]).to_string()),
                };
                Property { name, value }
            })
            .collect()
    }

    fn mask(&mut self) -> Option<ColumnMask> {
        match self.rng.gen_range(0..4) {
            0 => Some(ColumnMask::Default),
            1 => Some(ColumnMask::Function {
                name: FunctionName { keyspace: None, name: self.ident() },
                args: (0..self.rng.gen_range(0..2)).map(|_| self.term(1)).collect(),
            }),
            _ => None,
        }
    }

    fn create_table(&mut self) -> CreateTableStatement {
        let n = self.rng.gen_range(1..4);
        let mut elements: Vec<TableElement> = self
            .idents(n)
            .into_iter()
            .map(|name| {
                TableElement::Column(ColumnDefinition {
                    name,
                    cql_type: self.raw_type(2),
                    is_static: self.chance(0.2),
                    mask: self.mask(),
                    primary_key: self.chance(0.2),
                })
            })
            .collect();
        if self.chance(0.6) {
            let p = self.rng.gen_range(1..3);
            let c = self.rng.gen_range(0..3);
            elements.push(TableElement::PrimaryKey(PrimaryKey {
                partition_key: self.idents(p),
                clustering_columns: self.idents(c),
            }));
        }
        let np = self.rng.gen_range(0..3);
        let mut options: Vec<TableOption> = self.properties(np).into_iter().map(TableOption::Property).collect();
        if self.chance(0.3) {
            options.push(TableOption::CompactStorage);
        }
        if self.chance(0.3) {
            let n = self.rng.gen_range(1..3);
            let cols = self.idents(n);
            options.push(TableOption::ClusteringOrder(
                cols.into_iter()
                    .map(|c| (c, if self.chance(0.5) { Direction::Desc } else { Direction::Asc }))
                    .collect(),
            ));
        }
        CreateTableStatement { if_not_exists: self.chance(0.3), name: self.qualified(), elements, options }
    }

    fn alter_table(&mut self) -> AlterTableStatement {
        let action = match self.rng.gen_range(0..7) {
            0 => AlterTableAction::AlterColumnType { column: self.ident(), cql_type: self.raw_type(2) },
            1 => AlterTableAction::AlterColumnMask {
                if_column_exists: self.chance(0.5),
                column: self.ident(),
                mask: self.mask(),
            },
            2 => {
                let n = self.rng.gen_range(1..3);
                let names = self.idents(n);
                AlterTableAction::Add {
                    if_not_exists: self.chance(0.5),
                    columns: names
                        .into_iter()
                        .map(|name| AddColumn {
                            name,
                            cql_type: self.raw_type(2),
                            is_static: self.chance(0.3),
                            mask: self.mask(),
                        })
                        .collect(),
                }
            }
            3 => {
                let n = self.rng.gen_range(1..3);
                AlterTableAction::Drop {
                    if_exists: self.chance(0.5),
                    columns: self.idents(n),
                    timestamp: if self.chance(0.5) { Some("12345".into()) } else { None },
                }
            }
            4 => {
                let n = self.rng.gen_range(1..3);
                let a = self.idents(n);
                let b = self.idents(n);
                AlterTableAction::Rename { if_exists: self.chance(0.5), renames: a.into_iter().zip(b).collect() }
            }
            5 => AlterTableAction::DropCompactStorage,
            _ => {
                let n = self.rng.gen_range(1..3);
                AlterTableAction::With(self.properties(n))
            }
        };
        AlterTableStatement { if_exists: self.chance(0.3), name: self.qualified(), action }
    }

    pub fn statement(&mut self) -> Statement {
        match self.rng.gen_range(0..12) {
            0 | 1 => Statement::Select(self.select()),
            2 => Statement::Insert(self.insert()),
            3 => Statement::Update(self.update()),
            4 => Statement::Delete(self.delete()),
            5 => Statement::Batch(BatchStatement {
                kind: *self.pick(&[BatchKind::Logged, BatchKind::Unlogged, BatchKind::Counter]),
                using: self.using(),
                statements: (0..self.rng.gen_range(0..3))
                    .map(|_| match self.rng.gen_range(0..3) {
                        0 => BatchChild::Insert(self.insert()),
                        1 => BatchChild::Update(self.update()),
                        _ => BatchChild::Delete(self.delete()),
                    })
                    .collect(),
            }),
            6 => Statement::CreateTable(self.create_table()),
            7 => Statement::AlterTable(self.alter_table()),
            8 => {
                let n = self.rng.gen_range(1..3);
                Statement::CreateKeyspace(CreateKeyspaceStatement {
                    if_not_exists: self.chance(0.5),
                    name: self.ident(),
                    properties: self.properties(n),
                })
            }
            9 => {
                let n = self.rng.gen_range(1..4);
                let names = self.idents(n);
                Statement::CreateType(CreateTypeStatement {
                    if_not_exists: self.chance(0.5),
                    name: UserTypeName { keyspace: None, name: self.ident() },
                    fields: names.into_iter().map(|f| (f, self.raw_type(2))).collect(),
                })
            }
            10 => Statement::Describe(DescribeStatement {
                target: DescribeTarget::Generic(self.qualified()),
                with_internals: self.chance(0.5),
            }),
            _ => Statement::Use(self.ident()),
        }
    }
}
