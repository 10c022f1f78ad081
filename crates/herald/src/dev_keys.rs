//! The credentials `herald dev` generates. On its embedded broker they live as long as the
//! process. On a real cluster they are kept in a file, because the cluster outlives the
//! process: its state topic holds signing secrets encrypted with the master key, and those
//! subscriptions would stop working under a new key.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use herald_control::MasterKey;
use herald_runtime::Secret;
use rand::RngCore;
use serde::Deserialize;

/// The keys of one `herald dev` deployment.
#[derive(Deserialize)]
pub struct DevKeys {
    /// The root key (unless `--root-key` gives one).
    pub root_key: Secret,
    /// The data plane's credential to the control plane.
    pub internal_token: Secret,
    /// Encrypts signing secrets and headers in the state topic.
    pub master_key: Secret,
    /// Signs short-lived stream tokens.
    pub token_secret: Secret,
    /// Signs reply ids of async request-reply (a fresh one per run for files written before
    /// it existed).
    #[serde(default = "fresh_reply_secret")]
    pub reply_secret: Secret,
}

fn fresh_reply_secret() -> Secret {
    random_token("hrs_dev_")
}

impl DevKeys {
    /// Fresh random keys.
    pub fn generate() -> Self {
        let (_, master_key) = MasterKey::generate();
        Self {
            root_key: random_token("hrk_dev_"),
            internal_token: random_token("hit_dev_"),
            master_key: master_key.into(),
            token_secret: random_token("hts_dev_"),
            reply_secret: fresh_reply_secret(),
        }
    }

    /// The keys kept for the cluster at `bootstrap` under `dir`, or fresh ones saved there
    /// (readable by the owner only); returns them and the file.
    pub fn for_cluster(dir: &Path, bootstrap: &str) -> anyhow::Result<(Self, PathBuf)> {
        let file = dir.join(format!("{}.toml", file_stem(bootstrap)));
        if file.exists() {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let keys: Self = toml::from_str(&text)
                .with_context(|| format!("{} is not a herald dev key file", file.display()))?;
            MasterKey::parse(keys.master_key.expose())
                .with_context(|| format!("the master key in {}", file.display()))?;
            return Ok((keys, file));
        }
        let keys = Self::generate();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        keys.save(&file)
            .with_context(|| format!("writing {}", file.display()))?;
        Ok((keys, file))
    }

    fn save(&self, file: &Path) -> anyhow::Result<()> {
        let text = format!(
            "# herald dev's keys for one Kafka cluster; delete this file to start over with new ones\n\
             root_key = \"{}\"\ninternal_token = \"{}\"\nmaster_key = \"{}\"\ntoken_secret = \"{}\"\nreply_secret = \"{}\"\n",
            self.root_key.expose(),
            self.internal_token.expose(),
            self.master_key.expose(),
            self.token_secret.expose(),
            self.reply_secret.expose()
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(file)?.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// Where `herald dev` keeps key files: `$XDG_STATE_HOME/herald/dev`, else
/// `~/.local/state/herald/dev`.
pub fn state_dir() -> anyhow::Result<PathBuf> {
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return Ok(PathBuf::from(state).join("herald").join("dev"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("neither XDG_STATE_HOME nor HOME is set: cannot keep herald dev's keys")?;
    Ok(PathBuf::from(home).join(".local/state/herald/dev"))
}

/// `bootstrap` as a file name: one file per cluster address.
fn file_stem(bootstrap: &str) -> String {
    bootstrap
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `prefix` and 24 random bytes in hex: strong enough for every credential check.
fn random_token(prefix: &str) -> Secret {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_saved_once_per_cluster_and_read_back() {
        let dir = std::env::temp_dir().join(format!("herald-dev-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (first, file) = DevKeys::for_cluster(&dir, "kafka-1:9092,kafka-2:9092").unwrap();
        assert_eq!(file.file_name().unwrap(), "kafka-1_9092_kafka-2_9092.toml");
        let (again, _) = DevKeys::for_cluster(&dir, "kafka-1:9092,kafka-2:9092").unwrap();
        assert_eq!(first.master_key.expose(), again.master_key.expose());
        assert_eq!(first.root_key.expose(), again.root_key.expose());
        let (other, _) = DevKeys::for_cluster(&dir, "elsewhere:9092").unwrap();
        assert_ne!(first.master_key.expose(), other.master_key.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&file, "master_key = 1").unwrap();
        assert!(DevKeys::for_cluster(&dir, "kafka-1:9092,kafka-2:9092").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
