//! Applies fixes to migration files.
