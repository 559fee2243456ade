//! The demo export, embedded at compile time: `serve` finds it wherever the binary
//! runs, not only beside the source checkout it was built from.

use std::path::{Path, PathBuf};

/// Every file of `demo/`, by name.
const FILES: [(&str, &str); 9] = [
    ("users.json", include_str!("../../demo/users.json")),
    ("rocketchat_room.json", include_str!("../../demo/rocketchat_room.json")),
    ("rocketchat_permissions.json", include_str!("../../demo/rocketchat_permissions.json")),
    ("rocketchat_integrations.json", include_str!("../../demo/rocketchat_integrations.json")),
    ("rocketchat_subscription.json", include_str!("../../demo/rocketchat_subscription.json")),
    ("rocketchat_team.json", include_str!("../../demo/rocketchat_team.json")),
    ("rocketchat_team_member.json", include_str!("../../demo/rocketchat_team_member.json")),
    (
        "rocketchat_livechat_department_agents.json",
        include_str!("../../demo/rocketchat_livechat_department_agents.json"),
    ),
    ("rocketchat_integration_history.json", include_str!("../../demo/rocketchat_integration_history.json")),
];

/// The demo export written out as an export directory, for the importer to read;
/// removed when dropped.
pub struct DemoDir(PathBuf);

impl DemoDir {
    pub fn write() -> std::io::Result<DemoDir> {
        let dir = std::env::temp_dir().join(format!("rc-integrations-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        for (name, text) in FILES {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(DemoDir(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_demo_directory_is_embedded() {
        let on_disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
        let mut names: Vec<String> = std::fs::read_dir(&on_disk)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut embedded: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        embedded.sort();
        assert_eq!(names, embedded);
    }
}
