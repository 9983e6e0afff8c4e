//! Object names as 64-bit digests: the per-file summaries of a streamed lint keep one digest per
//! object instead of its names, so a million-statement file costs a few bytes per object.
//!
//! SipHash-1-3 with fixed keys: the same name always has the same digest, and two of the few
//! thousand names of a file collide with a probability of about 2⁻⁴⁰ (n²/2⁶⁵).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

pub fn digest(value: impl Hash) -> u64 {
    let mut h = siphasher::sip::SipHasher13::new();
    value.hash(&mut h);
    h.finish()
}

/// Digests are already uniformly distributed: the maps use them as they are.
#[derive(Default)]
pub struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type DigestMap<V> = HashMap<u64, V, BuildHasherDefault<Identity>>;
pub type DigestSet = HashSet<u64, BuildHasherDefault<Identity>>;
