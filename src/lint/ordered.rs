//! Releases a file's findings to a sink in order, as early as no later finding can come before
//! them: a streamed report is written, and its findings dropped, while lint goes on.

use crate::diagnostics::{sort_findings, Finding};

/// In which order findings leave the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As the engine produces them, all at the end of the file (what `lint_source` and the
    /// fixture snapshots see).
    Engine,
    /// As the report lists them ([`sort_findings`]), released statement by statement.
    Report,
}

/// A statement's findings point into it, after every earlier statement: once the next
/// statement begins they can go. What is held is sorted on release.
pub struct Ordered<'s> {
    sink: &'s mut dyn FnMut(Finding),
    order: Order,
    /// Everything waits for the end of the file (findings that can point anywhere in it).
    hold_all: bool,
    /// A transaction is open: a finding at its BEGIN may come at the end of the file (PF317).
    pub hold_transaction: bool,
    held: Vec<Finding>,
}

impl<'s> Ordered<'s> {
    pub fn new(sink: &'s mut dyn FnMut(Finding), order: Order, hold_all: bool) -> Self {
        Ordered {
            sink,
            order,
            hold_all,
            hold_transaction: false,
            held: Vec::new(),
        }
    }

    pub fn push(&mut self, finding: Finding) {
        self.held.push(finding);
    }

    /// A new top-level statement begins: what the earlier ones found can go.
    pub fn statement_begins(&mut self) {
        if !self.hold_all && !self.hold_transaction {
            self.release();
        }
    }

    /// Drops everything held (a PF006 replaces the file's findings). Only a file that holds
    /// everything can: nothing of it has been sent yet.
    pub fn discard(&mut self) {
        debug_assert!(
            self.hold_all,
            "findings were released before being discarded"
        );
        self.held.clear();
    }

    /// Sends everything held (at the end of the file).
    pub fn release(&mut self) {
        if self.order == Order::Report {
            sort_findings(&mut self.held);
        }
        for finding in self.held.drain(..) {
            (self.sink)(finding);
        }
    }
}
