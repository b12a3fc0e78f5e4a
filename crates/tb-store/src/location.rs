//! Where a store lives, as `--db` and `TENDERBENCH_DB` name it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An SQLite file, or a PostgreSQL database named by a `postgres://` or
/// `postgresql://` URL. Shown (`Display`) with any password replaced by `***`,
/// so a location can go into messages and logs.
#[derive(Clone, PartialEq, Eq)]
pub enum DbLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbLocation {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbLocation::Postgres(_))
    }

    /// An SQLite file that does not exist yet; a PostgreSQL database is
    /// never known missing without connecting to it.
    pub fn is_missing_file(&self) -> bool {
        match self {
            DbLocation::Sqlite(path) => !path.exists(),
            DbLocation::Postgres(_) => false,
        }
    }
}

impl FromStr for DbLocation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("an empty store location: give an SQLite file or a postgres:// URL".into());
        }
        // A URL's scheme is case-insensitive (RFC 3986); a file name with
        // "://" in it would be a strange file, and is read as a URL.
        let url = s.split_once("://").filter(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if let Some((scheme, rest)) = url {
            return match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => Ok(DbLocation::Postgres(s.to_string())),
                "sqlite" => Ok(DbLocation::Sqlite(PathBuf::from(rest))),
                _ => Err(format!(
                    "{scheme}:// is not a store tenderbench can open: give an SQLite file or a postgres:// URL"
                )),
            };
        }
        let lower = s.to_ascii_lowercase();
        if ["postgres:", "postgresql:"].iter().any(|p| lower.starts_with(p)) {
            // Not echoed: it may hold a password.
            return Err("the store location is not a PostgreSQL URL: write postgres://user@host:5432/db".into());
        }
        Ok(DbLocation::Sqlite(PathBuf::from(s)))
    }
}

impl From<&Path> for DbLocation {
    fn from(path: &Path) -> Self {
        path.to_string_lossy().parse().unwrap_or_else(|_| DbLocation::Sqlite(path.to_path_buf()))
    }
}

impl From<&PathBuf> for DbLocation {
    fn from(path: &PathBuf) -> Self {
        DbLocation::from(path.as_path())
    }
}

impl From<PathBuf> for DbLocation {
    fn from(path: PathBuf) -> Self {
        DbLocation::from(path.as_path())
    }
}

impl From<&DbLocation> for DbLocation {
    fn from(location: &DbLocation) -> Self {
        location.clone()
    }
}

impl fmt::Display for DbLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbLocation::Sqlite(path) => write!(f, "{}", path.display()),
            DbLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DbLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbLocation({self})")
    }
}

/// Read from a config file as the same string `--db` takes.
impl<'de> serde::Deserialize<'de> for DbLocation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The URL with its password, if any, replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_urls_and_refuses_other_schemes() {
        assert_eq!("out/t.db".parse(), Ok(DbLocation::Sqlite("out/t.db".into())));
        assert_eq!("sqlite://out/t.db".parse(), Ok(DbLocation::Sqlite("out/t.db".into())));
        assert!("postgresql://u@h/db".parse::<DbLocation>().unwrap().is_postgres());
        assert!("Postgres://u@h/db".parse::<DbLocation>().unwrap().is_postgres(), "schemes are case-insensitive");
        assert_eq!("SQLITE:///tmp/t.db".parse(), Ok(DbLocation::Sqlite("/tmp/t.db".into())));
        // A mistyped URL is not quietly a file in a folder named "postgres:".
        assert!("postgres:/u@h/db".parse::<DbLocation>().unwrap_err().contains("postgres://"));
        assert!("postgresql:u@h/db".parse::<DbLocation>().is_err());
        assert!("mysql://u@h/db".parse::<DbLocation>().unwrap_err().contains("mysql://"));
        assert!("".parse::<DbLocation>().is_err());
        // A Windows-style or odd file name is still a file.
        assert_eq!("C:\\out\\t.db".parse(), Ok(DbLocation::Sqlite("C:\\out\\t.db".into())));
    }

    #[test]
    fn never_shows_a_password() {
        let db: DbLocation = "postgres://tb:s3cret@db:5432/x".parse().unwrap();
        assert_eq!(db.to_string(), "postgres://tb:***@db:5432/x");
        assert!(!format!("{db:?}").contains("s3cret"));
        assert_eq!(redact("postgres://tb@db/x"), "postgres://tb@db/x");
    }
}
