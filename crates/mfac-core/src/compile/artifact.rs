//! The compiled policy on disk: versioned JSON with a checksum, so that a
//! file from another version of mfac, or one damaged in transit, is refused
//! with a clear error instead of being evaluated.

use super::Tables;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "mfac-compiled";
/// Bumped whenever the meaning or shape of `Tables` changes (2: a rule's
/// settings are the field catalogue's `Written`, recovery by name; 3: a
/// rule is a scope; 4: scopes narrow by app and `except`, rules may be
/// report-only, and the user and app indexes are read off the scopes).
pub const VERSION: u32 = 4;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArtifactError {
    #[error("not a compiled mfac policy: {0}")]
    NotAnArtifact(String),
    #[error("not a compiled mfac policy: invalid JSON ({message})")]
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("compiled policy has format version {found}, this mfac reads version {expected}; recompile it with `mfac compile`")]
    Version { found: u64, expected: u32 },
    #[error("compiled policy is corrupted: its checksum does not match its contents")]
    Checksum,
    #[error("compiled policy is corrupted: {0}")]
    Invalid(String),
}

impl ArtifactError {
    /// 1-based line and column of the fault, where the JSON reader found one.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        match self {
            ArtifactError::Json { line, column, .. } if *line > 0 => Some((*line, *column)),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u64,
    checksum: String,
    policy: serde_json::Value,
}

/// FNV-1a, 64 bits: detects accidental damage; it is not a signature.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn checksum(policy: &serde_json::Value) -> String {
    // `Value` serialises its maps with sorted keys, so this text is canonical.
    format!("fnv1a64:{:016x}", fnv1a(policy.to_string().as_bytes()))
}

pub fn to_json(tables: &Tables) -> Result<String, serde_json::Error> {
    let policy = serde_json::to_value(tables)?;
    let env = Envelope {
        format: FORMAT.to_string(),
        version: u64::from(VERSION),
        checksum: checksum(&policy),
        policy,
    };
    serde_json::to_string_pretty(&env)
}

pub fn from_json(text: &str) -> Result<Tables, ArtifactError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ArtifactError::Json {
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(ArtifactError::NotAnArtifact(format!(
            "no `\"format\": \"{FORMAT}\"` field"
        )));
    }
    let env: Envelope =
        serde_json::from_value(value).map_err(|e| ArtifactError::NotAnArtifact(e.to_string()))?;
    if env.version != u64::from(VERSION) {
        return Err(ArtifactError::Version {
            found: env.version,
            expected: VERSION,
        });
    }
    if checksum(&env.policy) != env.checksum {
        return Err(ArtifactError::Checksum);
    }
    serde_json::from_value(env.policy).map_err(|e| ArtifactError::Invalid(e.to_string()))
}
