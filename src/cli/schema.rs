//! `rollout-sim schema [--out FILE]`: the JSON Schema (draft 2020-12) of scenario files,
//! built from the parser's field lists (see [`crate::scenario::schema`]).

use super::CliError;
use super::options::{check_file_path, write_file};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Write the schema to this file (in an existing folder) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Prints (or writes) the schema.
pub fn run(args: &SchemaArgs) -> Result<(), CliError> {
    if let Some(path) = &args.out {
        check_file_path("--out", path)?;
    }
    let mut text = serde_json::to_string_pretty(&crate::scenario::schema::schema())?;
    text.push('\n');
    match &args.out {
        Some(path) => Ok(write_file(path, text.as_bytes())?),
        None => super::print_stdout(&text),
    }
}
