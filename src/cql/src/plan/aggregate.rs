//! Native aggregates: `count(*)`, `count(x)`, `min`, `max`, `sum`, `avg`, with Cassandra's
//! result types (`sum` and `avg` keep their argument's type; integer `avg` truncates; integer
//! `sum` wraps in its type, as Java's arithmetic does).

use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

use super::error::{invalid, CqlResult};
use crate::types::CqlType;
use crate::value::{compare, CqlValue};

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFn {
    CountRows,
    Count,
    Min,
    Max,
    Sum,
    Avg,
}

impl AggFn {
    pub fn from_name(name: &str) -> Option<AggFn> {
        Some(match name {
            "count" => AggFn::Count,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "sum" => AggFn::Sum,
            "avg" => AggFn::Avg,
            _ => return None,
        })
    }

    /// The result type for an argument of type `arg`.
    pub fn result_type(self, arg: &CqlType) -> CqlResult<CqlType> {
        match self {
            AggFn::CountRows | AggFn::Count => Ok(CqlType::Bigint),
            AggFn::Min | AggFn::Max => Ok(arg.clone()),
            AggFn::Sum | AggFn::Avg => {
                if is_numeric(arg) {
                    Ok(if *arg == CqlType::Counter { CqlType::Bigint } else { arg.clone() })
                } else {
                    let name = if self == AggFn::Sum { "sum" } else { "avg" };
                    invalid(format!(
                        "Invalid call to function system.{name}: no overload accepts an argument of type {arg}"
                    ))
                }
            }
        }
    }
}

fn is_numeric(t: &CqlType) -> bool {
    matches!(
        t,
        CqlType::Tinyint
            | CqlType::Smallint
            | CqlType::Int
            | CqlType::Bigint
            | CqlType::Counter
            | CqlType::Float
            | CqlType::Double
            | CqlType::Decimal
            | CqlType::Varint
    )
}

/// The running state of one aggregate over one group.
#[derive(Debug, Clone)]
pub struct AggState {
    ty: CqlType,
    f: AggFn,
    count: i64,
    best: Option<CqlValue>,
    int_sum: BigInt,
    float_sum: f64,
    /// Decimal sum as (unscaled, scale).
    dec_sum: (BigInt, i32),
}

impl AggState {
    pub fn new(f: AggFn, ty: &CqlType) -> Self {
        AggState {
            ty: ty.clone(),
            f,
            count: 0,
            best: None,
            int_sum: BigInt::zero(),
            float_sum: 0.0,
            dec_sum: (BigInt::zero(), 0),
        }
    }

    /// Folds a value (`None`: null, ignored except by `count(*)`).
    pub fn add(&mut self, f: AggFn, value: Option<&[u8]>) -> CqlResult<()> {
        if f == AggFn::CountRows {
            self.count += 1;
            return Ok(());
        }
        let Some(bytes) = value else { return Ok(()) };
        if bytes.is_empty() && !matches!(self.ty, CqlType::Text | CqlType::Ascii | CqlType::Blob) {
            return Ok(());
        }
        self.count += 1;
        if f == AggFn::Count {
            return Ok(());
        }
        let v = CqlValue::deserialize(&self.ty, bytes)?;
        match f {
            AggFn::Min | AggFn::Max => {
                let replace = match &self.best {
                    None => true,
                    Some(b) => {
                        let o = compare(&self.ty, &v, b);
                        if f == AggFn::Min {
                            o.is_lt()
                        } else {
                            o.is_gt()
                        }
                    }
                };
                if replace {
                    self.best = Some(v);
                }
            }
            _ => match v {
                CqlValue::Tinyint(i) => self.int_sum += i,
                CqlValue::Smallint(i) => self.int_sum += i,
                CqlValue::Int(i) => self.int_sum += i,
                CqlValue::Bigint(i) | CqlValue::Counter(i) => self.int_sum += i,
                CqlValue::Varint(i) => self.int_sum += i,
                CqlValue::Float(x) => self.float_sum += f64::from(x),
                CqlValue::Double(x) => self.float_sum += x,
                CqlValue::Decimal { unscaled, scale } => {
                    let (su, ss) = std::mem::take(&mut self.dec_sum);
                    self.dec_sum = add_decimal(su, ss, unscaled, scale);
                }
                _ => {}
            },
        }
        Ok(())
    }

    /// The aggregate's serialized value.
    pub fn result(self) -> CqlResult<Option<Vec<u8>>> {
        let v = match self.f {
            AggFn::CountRows | AggFn::Count => CqlValue::Bigint(self.count),
            AggFn::Min | AggFn::Max => match self.best {
                Some(v) => v,
                None => return Ok(None),
            },
            AggFn::Sum => self.number(false),
            AggFn::Avg => self.number(true),
        };
        let counter_sum = self.ty == CqlType::Counter && matches!(self.f, AggFn::Sum | AggFn::Avg);
        let ty = if counter_sum || matches!(self.f, AggFn::CountRows | AggFn::Count) {
            CqlType::Bigint
        } else {
            self.ty.clone()
        };
        Ok(Some(v.serialize(&ty)?))
    }

    fn number(&self, average: bool) -> CqlValue {
        let n = self.count.max(1);
        let int = || {
            if average {
                &self.int_sum / BigInt::from(n)
            } else {
                self.int_sum.clone()
            }
        };
        let wrap = |i: BigInt| -> i64 {
            let (sign, digits) = i.to_u64_digits();
            let low = digits.first().copied().unwrap_or(0) as i64;
            if sign == num_bigint::Sign::Minus {
                low.wrapping_neg()
            } else {
                low
            }
        };
        match self.ty {
            CqlType::Tinyint => CqlValue::Tinyint(wrap(int()) as i8),
            CqlType::Smallint => CqlValue::Smallint(wrap(int()) as i16),
            CqlType::Int => CqlValue::Int(wrap(int()) as i32),
            CqlType::Bigint | CqlType::Counter => CqlValue::Bigint(wrap(int())),
            CqlType::Varint => CqlValue::Varint(int()),
            CqlType::Float => {
                let s = if average && self.count > 0 { self.float_sum / self.count as f64 } else { self.float_sum };
                CqlValue::Float(s as f32)
            }
            CqlType::Double => {
                let s = if average && self.count > 0 { self.float_sum / self.count as f64 } else { self.float_sum };
                CqlValue::Double(s)
            }
            CqlType::Decimal => {
                let (u, s) = self.dec_sum.clone();
                if average && self.count > 0 {
                    CqlValue::Decimal { unscaled: divide_half_even(&u, &BigInt::from(self.count)), scale: s }
                } else {
                    CqlValue::Decimal { unscaled: u, scale: s }
                }
            }
            _ => CqlValue::Null,
        }
    }
}

fn add_decimal(au: BigInt, ascale: i32, bu: BigInt, bscale: i32) -> (BigInt, i32) {
    let scale = ascale.max(bscale);
    let up = |u: BigInt, s: i32| u * BigInt::from(10).pow((scale - s).unsigned_abs());
    (up(au, ascale) + up(bu, bscale), scale)
}

fn divide_half_even(a: &BigInt, b: &BigInt) -> BigInt {
    let q = a / b;
    let r = a - &q * b;
    let twice = (&r * 2i32).magnitude().clone();
    let bm = b.magnitude().clone();
    let away = match twice.cmp(&bm) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => (&q % 2i32).to_i32().unwrap_or(0) != 0,
    };
    if !away || r.is_zero() {
        return q;
    }
    if (a.sign() == num_bigint::Sign::Minus) != (b.sign() == num_bigint::Sign::Minus) {
        q - 1
    } else {
        q + 1
    }
}
