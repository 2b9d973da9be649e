//! Native scalar functions usable in selectors (`token`, the time functions, `<type>AsBlob`,
//! `blobAs<type>`) and `CAST`, on serialized values, with Cassandra's names and result types.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::error::{invalid, CqlError, CqlResult};
use super::keys::encode_partition_key;
use crate::types::CqlType;
use crate::value::timeuuid;
use crate::value::{CqlValue, TermEnv, DATE_EPOCH};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// A native scalar function.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarFn {
    /// `token(k1, …)`: the Murmur3 token of the partition key.
    Token,
    /// `now()` / `currentTimeUUID()`.
    Now,
    Uuid,
    CurrentTimestamp,
    CurrentDate,
    CurrentTime,
    ToTimestamp,
    ToDate,
    ToUnixTimestamp,
    MinTimeuuid,
    MaxTimeuuid,
    /// `<type>AsBlob`.
    AsBlob(CqlType),
    /// `blobAs<type>`.
    BlobAs(CqlType),
}

impl ScalarFn {
    /// Resolves `name` applied to arguments of `arg_types`: the function and its result type.
    pub fn resolve(name: &str, arg_types: &[CqlType]) -> CqlResult<(ScalarFn, CqlType)> {
        let lower = name.to_ascii_lowercase();
        let arity = |n: usize| -> CqlResult<()> {
            if arg_types.len() == n {
                Ok(())
            } else {
                invalid(format!(
                    "Invalid number of arguments in call to function system.{lower}: {n} required but {} provided",
                    arg_types.len()
                ))
            }
        };
        let time_arg = |f: &str| -> CqlResult<()> {
            arity(1)?;
            match arg_types[0] {
                CqlType::Timeuuid | CqlType::Timestamp | CqlType::Date => Ok(()),
                ref other => invalid(format!("Function system.{f} does not accept a {other} argument")),
            }
        };
        Ok(match lower.as_str() {
            "now" | "currenttimeuuid" => {
                arity(0)?;
                (ScalarFn::Now, CqlType::Timeuuid)
            }
            "uuid" => {
                arity(0)?;
                (ScalarFn::Uuid, CqlType::Uuid)
            }
            "currenttimestamp" => {
                arity(0)?;
                (ScalarFn::CurrentTimestamp, CqlType::Timestamp)
            }
            "currentdate" => {
                arity(0)?;
                (ScalarFn::CurrentDate, CqlType::Date)
            }
            "currenttime" => {
                arity(0)?;
                (ScalarFn::CurrentTime, CqlType::Time)
            }
            "totimestamp" | "dateof" => {
                time_arg(&lower)?;
                (ScalarFn::ToTimestamp, CqlType::Timestamp)
            }
            "todate" => {
                time_arg(&lower)?;
                (ScalarFn::ToDate, CqlType::Date)
            }
            "tounixtimestamp" | "unixtimestampof" => {
                time_arg(&lower)?;
                (ScalarFn::ToUnixTimestamp, CqlType::Bigint)
            }
            "mintimeuuid" | "maxtimeuuid" => {
                arity(1)?;
                if arg_types[0] != CqlType::Timestamp {
                    return invalid(format!(
                        "Type error: {} cannot be passed as argument 0 of function system.{lower} of type timestamp",
                        arg_types[0]
                    ));
                }
                let f = if lower == "mintimeuuid" { ScalarFn::MinTimeuuid } else { ScalarFn::MaxTimeuuid };
                (f, CqlType::Timeuuid)
            }
            "token" => (ScalarFn::Token, CqlType::Bigint),
            _ => {
                if let Some(t) = lower.strip_suffix("asblob").and_then(CqlType::native) {
                    arity(1)?;
                    return Ok((ScalarFn::AsBlob(t), CqlType::Blob));
                }
                if let Some(t) = lower.strip_prefix("blobas").and_then(CqlType::native) {
                    arity(1)?;
                    return Ok((ScalarFn::BlobAs(t.clone()), t));
                }
                return invalid(format!("Unknown function '{name}'"));
            }
        })
    }

    /// Whether the function gives another value at each call (so is evaluated per row).
    pub fn is_pure(&self) -> bool {
        !matches!(
            self,
            ScalarFn::Now | ScalarFn::Uuid | ScalarFn::CurrentTimestamp | ScalarFn::CurrentDate | ScalarFn::CurrentTime
        )
    }

    /// Applies the function to serialized arguments of `arg_types`.
    pub fn apply(
        &self,
        args: &[Option<Vec<u8>>],
        arg_types: &[CqlType],
        env: &mut dyn TermEnv,
    ) -> CqlResult<Option<Vec<u8>>> {
        let now = |env: &dyn TermEnv| env.now_millis().ok_or_else(|| CqlError::Server("no clock".into()));
        let out = match self {
            ScalarFn::Token => {
                let mut comps = Vec::with_capacity(args.len());
                for a in args {
                    let Some(a) = a else { return Ok(None) };
                    comps.push(a.as_slice());
                }
                let key = encode_partition_key(&comps);
                CqlValue::Bigint(sibyl_common::murmur3_token(&key).0)
            }
            ScalarFn::Now => {
                CqlValue::Timeuuid(env.next_timeuuid().ok_or_else(|| CqlError::Server("no clock".into()))?)
            }
            ScalarFn::Uuid => CqlValue::Uuid(env.random_uuid().ok_or_else(|| CqlError::Server("no random".into()))?),
            ScalarFn::CurrentTimestamp => CqlValue::Timestamp(now(env)?),
            ScalarFn::CurrentDate => CqlValue::Date(millis_to_date(now(env)?)),
            ScalarFn::CurrentTime => CqlValue::Time(now(env)?.rem_euclid(MILLIS_PER_DAY) * 1_000_000),
            ScalarFn::ToTimestamp | ScalarFn::ToDate | ScalarFn::ToUnixTimestamp => {
                let Some(ms) = time_millis(args, arg_types)? else { return Ok(None) };
                match self {
                    ScalarFn::ToTimestamp => CqlValue::Timestamp(ms),
                    ScalarFn::ToDate => CqlValue::Date(millis_to_date(ms)),
                    _ => CqlValue::Bigint(ms),
                }
            }
            ScalarFn::MinTimeuuid | ScalarFn::MaxTimeuuid => {
                let Some(ms) = time_millis(args, arg_types)? else { return Ok(None) };
                CqlValue::Timeuuid(if *self == ScalarFn::MinTimeuuid {
                    timeuuid::min_timeuuid(ms)
                } else {
                    timeuuid::max_timeuuid(ms)
                })
            }
            ScalarFn::AsBlob(_) => return Ok(args.first().cloned().flatten()),
            ScalarFn::BlobAs(t) => {
                let Some(Some(b)) = args.first() else { return Ok(None) };
                CqlValue::validate(t, b).map_err(|e| CqlError::invalid(e.message()))?;
                return Ok(Some(b.clone()));
            }
        };
        let ty = self.result_type();
        Ok(Some(out.serialize(&ty)?))
    }

    fn result_type(&self) -> CqlType {
        match self {
            ScalarFn::Token | ScalarFn::ToUnixTimestamp => CqlType::Bigint,
            ScalarFn::Now | ScalarFn::MinTimeuuid | ScalarFn::MaxTimeuuid => CqlType::Timeuuid,
            ScalarFn::Uuid => CqlType::Uuid,
            ScalarFn::CurrentTimestamp | ScalarFn::ToTimestamp => CqlType::Timestamp,
            ScalarFn::CurrentDate | ScalarFn::ToDate => CqlType::Date,
            ScalarFn::CurrentTime => CqlType::Time,
            ScalarFn::AsBlob(_) => CqlType::Blob,
            ScalarFn::BlobAs(t) => t.clone(),
        }
    }
}

fn time_millis(args: &[Option<Vec<u8>>], arg_types: &[CqlType]) -> CqlResult<Option<i64>> {
    let (Some(Some(b)), Some(t)) = (args.first(), arg_types.first()) else { return Ok(None) };
    if b.is_empty() {
        return Ok(None);
    }
    Ok(match CqlValue::deserialize(t, b)? {
        CqlValue::Timeuuid(u) => Some(timeuuid::unix_millis(&u)),
        CqlValue::Timestamp(ms) => Some(ms),
        CqlValue::Date(d) => Some((i64::from(d) - i64::from(DATE_EPOCH)) * MILLIS_PER_DAY),
        _ => None,
    })
}

fn millis_to_date(ms: i64) -> u32 {
    (ms.div_euclid(MILLIS_PER_DAY).wrapping_add(i64::from(DATE_EPOCH))) as u32
}

/// Whether `CAST(x AS to)` is allowed for `from`.
pub fn cast_allowed(from: &CqlType, to: &CqlType) -> bool {
    if from == to || matches!(to, CqlType::Text | CqlType::Ascii) {
        return true;
    }
    let numeric = |t: &CqlType| {
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
    };
    if numeric(from) && numeric(to) && *to != CqlType::Counter {
        return true;
    }
    matches!(
        (from, to),
        (CqlType::Timeuuid, CqlType::Timestamp | CqlType::Date)
            | (CqlType::Timestamp, CqlType::Date)
            | (CqlType::Date, CqlType::Timestamp)
    )
}

/// `CAST(value AS to)` on a serialized value of type `from`.
pub fn cast(value: Option<&[u8]>, from: &CqlType, to: &CqlType) -> CqlResult<Option<Vec<u8>>> {
    let Some(bytes) = value else { return Ok(None) };
    if from == to {
        return Ok(Some(bytes.to_vec()));
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    let v = CqlValue::deserialize(from, bytes)?;
    let out = match to {
        CqlType::Text => CqlValue::Text(cast_text(&v)),
        CqlType::Ascii => CqlValue::Ascii(cast_text(&v)),
        CqlType::Timestamp | CqlType::Date => {
            let ms = match v {
                CqlValue::Timeuuid(u) => timeuuid::unix_millis(&u),
                CqlValue::Timestamp(ms) => ms,
                CqlValue::Date(d) => (i64::from(d) - i64::from(DATE_EPOCH)) * MILLIS_PER_DAY,
                _ => return invalid(format!("{from} cannot be cast to {to}")),
            };
            if *to == CqlType::Date {
                CqlValue::Date(millis_to_date(ms))
            } else {
                CqlValue::Timestamp(ms)
            }
        }
        _ => cast_number(&v, to).ok_or_else(|| CqlError::invalid(format!("{from} cannot be cast to {to}")))?,
    };
    Ok(Some(out.serialize(to)?))
}

fn cast_text(v: &CqlValue) -> String {
    match v {
        CqlValue::Text(s) | CqlValue::Ascii(s) => s.clone(),
        CqlValue::Timestamp(_) | CqlValue::Inet(_) | CqlValue::Date(_) | CqlValue::Time(_) => {
            let lit = v.to_cql_literal();
            lit.trim_matches('\'').to_string()
        }
        other => other.to_cql_literal(),
    }
}

/// A numeric value as a decimal (unscaled, scale), or a float.
enum Num {
    Int(BigInt),
    Float(f64),
    Decimal(BigInt, i32),
}

fn as_num(v: &CqlValue) -> Option<Num> {
    Some(match v {
        CqlValue::Tinyint(i) => Num::Int(BigInt::from(*i)),
        CqlValue::Smallint(i) => Num::Int(BigInt::from(*i)),
        CqlValue::Int(i) => Num::Int(BigInt::from(*i)),
        CqlValue::Bigint(i) | CqlValue::Counter(i) => Num::Int(BigInt::from(*i)),
        CqlValue::Varint(i) => Num::Int(i.clone()),
        CqlValue::Float(f) => Num::Float(f64::from(*f)),
        CqlValue::Double(f) => Num::Float(*f),
        CqlValue::Decimal { unscaled, scale } => Num::Decimal(unscaled.clone(), *scale),
        _ => return None,
    })
}

fn decimal_to_f64(unscaled: &BigInt, scale: i32) -> f64 {
    let u = unscaled.to_f64().unwrap_or(f64::NAN);
    u / 10f64.powi(scale)
}

fn decimal_to_int(unscaled: &BigInt, scale: i32) -> BigInt {
    if scale <= 0 {
        unscaled * BigInt::from(10).pow((-scale) as u32)
    } else {
        unscaled / BigInt::from(10).pow(scale as u32)
    }
}

fn f64_to_decimal(f: f64) -> Option<(BigInt, i32)> {
    if !f.is_finite() {
        return None;
    }
    let text = format!("{f}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits = format!("{int}{frac}");
    let unscaled: BigInt = digits.parse().ok()?;
    Some((unscaled, i32::try_from(frac.len()).ok()?))
}

/// Converts a number to another numeric type (Java's narrowing for integers).
pub fn cast_number(v: &CqlValue, to: &CqlType) -> Option<CqlValue> {
    let n = as_num(v)?;
    let as_int = |n: &Num| -> BigInt {
        match n {
            Num::Int(i) => i.clone(),
            Num::Float(f) => BigInt::from(f.trunc() as i64),
            Num::Decimal(u, s) => decimal_to_int(u, *s),
        }
    };
    let wrap64 = |i: &BigInt| -> i64 {
        let (sign, digits) = i.to_u64_digits();
        let low = digits.first().copied().unwrap_or(0);
        let v = low as i64;
        if sign == num_bigint::Sign::Minus {
            v.wrapping_neg()
        } else {
            v
        }
    };
    let as_f64 = |n: &Num| -> f64 {
        match n {
            Num::Int(i) => i.to_f64().unwrap_or(f64::NAN),
            Num::Float(f) => *f,
            Num::Decimal(u, s) => decimal_to_f64(u, *s),
        }
    };
    Some(match to {
        CqlType::Tinyint => CqlValue::Tinyint(wrap64(&as_int(&n)) as i8),
        CqlType::Smallint => CqlValue::Smallint(wrap64(&as_int(&n)) as i16),
        CqlType::Int => CqlValue::Int(wrap64(&as_int(&n)) as i32),
        CqlType::Bigint => CqlValue::Bigint(wrap64(&as_int(&n))),
        CqlType::Varint => CqlValue::Varint(as_int(&n)),
        CqlType::Float => CqlValue::Float(as_f64(&n) as f32),
        CqlType::Double => CqlValue::Double(as_f64(&n)),
        CqlType::Decimal => {
            let (unscaled, scale) = match n {
                Num::Int(i) => (i, 0),
                Num::Decimal(u, s) => (u, s),
                Num::Float(f) => f64_to_decimal(f)?,
            };
            CqlValue::Decimal { unscaled, scale }
        }
        _ => return None,
    })
}
