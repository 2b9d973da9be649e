//! Keyspace replication (`replication = {...}`): the class name normalized as Cassandra stores
//! it, the strategy options prepared (`prepareOptions`: defaults, datacenter auto-expansion) and
//! validated (`validateExpectedOptions`, `validateOptions`), with Cassandra 5.0's messages.

use std::collections::BTreeMap;

use super::ddl::DdlError;

pub(crate) const LOCATOR_PACKAGE: &str = "org.apache.cassandra.locator.";
pub(crate) const SIMPLE_STRATEGY: &str = "org.apache.cassandra.locator.SimpleStrategy";
pub(crate) const NETWORK_TOPOLOGY_STRATEGY: &str = "org.apache.cassandra.locator.NetworkTopologyStrategy";
pub(crate) const LOCAL_STRATEGY: &str = "org.apache.cassandra.locator.LocalStrategy";

/// Cassandra's `default_keyspace_rf` (cassandra.yaml default): the replication factor used when
/// none is given.
pub(crate) const DEFAULT_KEYSPACE_RF: &str = "1";

const REPLICATION_FACTOR: &str = "replication_factor";

fn config(msg: String) -> DdlError {
    DdlError::ConfigurationError(msg)
}

/// `AbstractReplicationStrategy.getClass`: the fully qualified class of a known strategy.
fn strategy_class(name: &str) -> Result<String, DdlError> {
    let full = if name.contains('.') { name.to_string() } else { format!("{LOCATOR_PACKAGE}{name}") };
    if full == "org.apache.cassandra.locator.OldNetworkTopologyStrategy" {
        return Err(config(
            "The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. The keyspace \
             strategy should be switch to NetworkTopologyStrategy"
                .to_string(),
        ));
    }
    if [SIMPLE_STRATEGY, NETWORK_TOPOLOGY_STRATEGY, LOCAL_STRATEGY].contains(&full.as_str()) {
        Ok(full)
    } else {
        Err(config(format!("Unable to find replication strategy class '{full}'")))
    }
}

/// `ReplicationFactor.fromString` with its checks (transient replication is disabled, as in a
/// default `cassandra.yaml`); returns the parseable form.
fn replication_factor(s: &str) -> Result<String, DdlError> {
    let int = |v: &str| v.parse::<i32>().map_err(|_| config(format!("For input string: \"{v}\"")));
    let (all, transient) = if s.contains('/') {
        // Java's split drops trailing empty strings.
        let mut parts: Vec<&str> = s.split('/').collect();
        while parts.last() == Some(&"") {
            parts.pop();
        }
        if parts.len() != 2 {
            return Err(config("Replication factor format is <replicas> or <replicas>/<transient>".to_string()));
        }
        (int(parts[0])?, int(parts[1])?)
    } else {
        (int(s)?, 0)
    };
    if transient != 0 {
        return Err(config("Transient replication is not enabled on this node".to_string()));
    }
    if all < 0 {
        return Err(config(format!("Replication factor must be non-negative, found {all}")));
    }
    Ok(all.to_string())
}

/// Builds the stored replication map (`class` fully qualified, options prepared) from the
/// `replication` property, on top of `previous` options for `ALTER KEYSPACE`, and validates it
/// for keyspace `keyspace`. `datacenters` are the known datacenters (an empty list disables the
/// datacenter name check).
pub(crate) fn replication(
    keyspace: &str,
    map: &BTreeMap<String, String>,
    previous: Option<&BTreeMap<String, String>>,
    datacenters: &[String],
) -> Result<BTreeMap<String, String>, DdlError> {
    let mut options = map.clone();
    let class = options.remove("class").unwrap_or_default();
    let class = strategy_class(&class)?;
    let empty = BTreeMap::new();
    let previous: BTreeMap<String, String> =
        previous.unwrap_or(&empty).iter().filter(|(k, _)| *k != "class").map(|(k, v)| (k.clone(), v.clone())).collect();
    if class == SIMPLE_STRATEGY {
        let rf = previous.get(REPLICATION_FACTOR).map(String::as_str).unwrap_or(DEFAULT_KEYSPACE_RF);
        options.entry(REPLICATION_FACTOR.to_string()).or_insert_with(|| rf.to_string());
    } else if class == NETWORK_TOPOLOGY_STRATEGY {
        prepare_nts(&mut options, &previous, datacenters);
    }
    if class == LOCAL_STRATEGY {
        return Err(DdlError::Invalid(
            "Unable to use given strategy class: LocalStrategy is reserved for internal use.".to_string(),
        ));
    }
    validate(keyspace, &class, &options, datacenters)?;
    options.insert("class".to_string(), class);
    Ok(options)
}

/// `NetworkTopologyStrategy.prepareOptions`.
fn prepare_nts(options: &mut BTreeMap<String, String>, previous: &BTreeMap<String, String>, datacenters: &[String]) {
    if options.is_empty() {
        let rf = previous.get(REPLICATION_FACTOR).map(String::as_str).unwrap_or(DEFAULT_KEYSPACE_RF);
        options.insert(REPLICATION_FACTOR.to_string(), rf.to_string());
    }
    let mut replication = options.remove(REPLICATION_FACTOR);
    if replication.is_none() && options.is_empty() {
        replication = previous.get(REPLICATION_FACTOR).cloned();
    } else if replication.is_some() {
        for (k, v) in previous.iter().filter(|(k, _)| *k != REPLICATION_FACTOR) {
            options.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if let Some(rf) = replication {
        match replication_factor(&rf) {
            Ok(rf) => {
                for dc in datacenters {
                    options.entry(dc.clone()).or_insert_with(|| rf.clone());
                }
            }
            // Cassandra ignores a failure here; validation then reports the leftover option.
            Err(_) => {
                options.insert(REPLICATION_FACTOR.to_string(), rf);
            }
        }
    }
    options.retain(|_, v| v != "0");
}

fn validate(
    keyspace: &str,
    class: &str,
    options: &BTreeMap<String, String>,
    datacenters: &[String],
) -> Result<(), DdlError> {
    let simple_name = class.rsplit('.').next().unwrap_or(class);
    let unrecognized = |key: &str| {
        config(format!("Unrecognized strategy option {{{key}}} passed to {simple_name} for keyspace {keyspace}"))
    };
    if class == SIMPLE_STRATEGY {
        if let Some(k) = options.keys().find(|k| *k != REPLICATION_FACTOR) {
            return Err(unrecognized(k));
        }
        let Some(rf) = options.get(REPLICATION_FACTOR) else {
            return Err(config("SimpleStrategy requires a replication_factor strategy option.".to_string()));
        };
        replication_factor(rf)?;
    } else if class == NETWORK_TOPOLOGY_STRATEGY {
        if options.is_empty() {
            return Err(config("Configuration for at least one datacenter must be present".to_string()));
        }
        if !datacenters.is_empty() {
            if let Some(k) = options.keys().find(|k| !datacenters.contains(k)) {
                return Err(unrecognized(k));
            }
        }
        for (k, v) in options {
            if k.eq_ignore_ascii_case(REPLICATION_FACTOR) {
                return Err(config(
                    "replication_factor should not appear as an option to NetworkTopologyStrategy".to_string(),
                ));
            }
            replication_factor(v)?;
        }
    }
    Ok(())
}
