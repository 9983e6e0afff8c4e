//! Memory and vCPUs of RDS DB instance classes, for `DBInstanceClassMemory` in parameter
//! formulas. The table, its source and its limits are documented in
//! `docs/rds-instance-classes.md` (a test keeps the two equal).
//!
//! RDS's `DBInstanceClassMemory` is the class's memory *minus* what the operating system and
//! the RDS processes reserve, so a limit computed from the nominal memory here is an upper
//! bound of the live value: findings say "at most", and a live read (`url_env`) is exact.

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// `(family, GiB per vCPU, sizes)`: the families whose memory is a fixed multiple of the vCPUs.
const FAMILIES: &[(&str, f64, &[&str])] = &[
    ("m5", 4.0, M5_SIZES),
    ("m5d", 4.0, M5_SIZES),
    ("m6g", 4.0, GRAVITON_SIZES),
    ("m6gd", 4.0, GRAVITON_SIZES),
    ("m7g", 4.0, GRAVITON_SIZES),
    ("m6i", 4.0, M6I_SIZES),
    ("m6id", 4.0, M6I_SIZES),
    ("m7i", 4.0, M6I_SIZES),
    ("r5", 8.0, M5_SIZES),
    ("r5b", 8.0, M5_SIZES),
    ("r5d", 8.0, M5_SIZES),
    ("r6g", 8.0, GRAVITON_SIZES),
    ("r6gd", 8.0, GRAVITON_SIZES),
    ("r7g", 8.0, GRAVITON_SIZES),
    ("r6i", 8.0, M6I_SIZES),
    ("r6id", 8.0, M6I_SIZES),
    ("r7i", 8.0, M6I_SIZES),
];

const M5_SIZES: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
];
const GRAVITON_SIZES: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
];
const M6I_SIZES: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
    "32xlarge",
];

/// Burstable classes: `(size, vCPUs, GiB)`, the same for t3 and t4g (t2 has one vCPU below medium).
const BURSTABLE: &[(&str, f64, f64)] = &[
    ("micro", 2.0, 1.0),
    ("small", 2.0, 2.0),
    ("medium", 2.0, 4.0),
    ("large", 2.0, 8.0),
    ("xlarge", 4.0, 16.0),
    ("2xlarge", 8.0, 32.0),
];

/// Older classes whose memory is not a fixed multiple: `(class, vCPUs, GiB)`.
const LISTED: &[(&str, f64, f64)] = &[
    ("db.t2.micro", 1.0, 1.0),
    ("db.t2.small", 1.0, 2.0),
    ("db.t2.medium", 2.0, 4.0),
    ("db.t2.large", 2.0, 8.0),
    ("db.t2.xlarge", 4.0, 16.0),
    ("db.t2.2xlarge", 8.0, 32.0),
    ("db.m4.large", 2.0, 8.0),
    ("db.m4.xlarge", 4.0, 16.0),
    ("db.m4.2xlarge", 8.0, 32.0),
    ("db.m4.4xlarge", 16.0, 64.0),
    ("db.m4.10xlarge", 40.0, 160.0),
    ("db.m4.16xlarge", 64.0, 256.0),
    ("db.r4.large", 2.0, 15.25),
    ("db.r4.xlarge", 4.0, 30.5),
    ("db.r4.2xlarge", 8.0, 61.0),
    ("db.r4.4xlarge", 16.0, 122.0),
    ("db.r4.8xlarge", 32.0, 244.0),
    ("db.r4.16xlarge", 64.0, 488.0),
];

/// Memory of one Aurora capacity unit (ACU), in GiB: "each ACU is a combination of
/// approximately 2 gibibytes (GiB) of memory" (Aurora User Guide, Serverless v2).
pub const GIB_PER_ACU: f64 = 2.0;

fn size_vcpus(size: &str) -> Option<f64> {
    match size {
        "large" => Some(2.0),
        "xlarge" => Some(4.0),
        _ => size
            .strip_suffix("xlarge")
            .and_then(|n| n.parse::<f64>().ok())
            .map(|n| n * 4.0),
    }
}

/// `(vCPUs, memory in bytes)` of a class such as `db.r6g.large`, or `None` when the table
/// does not list it.
pub fn class_resources(class: &str) -> Option<(f64, f64)> {
    if let Some(&(_, vcpus, gib)) = LISTED.iter().find(|(c, _, _)| *c == class) {
        return Some((vcpus, gib * GIB));
    }
    let rest = class.strip_prefix("db.")?;
    let (family, size) = rest.split_once('.')?;
    if family == "t3" || family == "t4g" {
        let &(_, vcpus, gib) = BURSTABLE.iter().find(|(s, _, _)| *s == size)?;
        return Some((vcpus, gib * GIB));
    }
    let &(_, per_vcpu, sizes) = FAMILIES.iter().find(|(f, _, _)| *f == family)?;
    if !sizes.contains(&size) {
        return None;
    }
    let vcpus = size_vcpus(size)?;
    Some((vcpus, vcpus * per_vcpu * GIB))
}

/// Every class the table knows, `(class, vCPUs, GiB)`, in the order the documentation lists them.
pub fn all_classes() -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for family in ["t3", "t4g"] {
        for &(size, vcpus, gib) in BURSTABLE {
            out.push((format!("db.{family}.{size}"), vcpus, gib));
        }
    }
    for &(family, per_vcpu, sizes) in FAMILIES {
        for size in sizes {
            let vcpus = size_vcpus(size).unwrap_or_default();
            out.push((format!("db.{family}.{size}"), vcpus, vcpus * per_vcpu));
        }
    }
    out.extend(LISTED.iter().map(|&(c, v, g)| (c.to_string(), v, g)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_classes() {
        assert_eq!(class_resources("db.t3.micro"), Some((2.0, GIB)));
        assert_eq!(class_resources("db.r6g.large"), Some((2.0, 16.0 * GIB)));
        assert_eq!(class_resources("db.m5.24xlarge"), Some((96.0, 384.0 * GIB)));
        assert_eq!(class_resources("db.r4.large"), Some((2.0, 15.25 * GIB)));
    }

    #[test]
    fn unknown_classes_are_none() {
        assert_eq!(class_resources("db.m6g.24xlarge"), None);
        assert_eq!(class_resources("db.x9.large"), None);
        assert_eq!(class_resources("r6g.large"), None);
        assert_eq!(class_resources("db.serverless"), None);
    }

    /// docs/rds-instance-classes.md lists exactly this table.
    #[test]
    fn the_documented_table_is_the_table() {
        let doc = include_str!("../../../docs/rds-instance-classes.md");
        let rows: Vec<(String, f64, f64)> = doc
            .lines()
            .filter(|l| l.starts_with("| `db."))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (
                    cells[1].trim_matches('`').to_string(),
                    cells[2].parse().expect("vCPUs"),
                    cells[3].parse().expect("GiB"),
                )
            })
            .collect();
        assert_eq!(rows, all_classes());
    }
}
