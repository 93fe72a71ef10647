//! latchd's data folder holds every PIN and card number, so it is private
//! whatever umask latchd was started with: under the shipped unit
//! (`UMask=0027`) and as well from a shell, another init system or a
//! container (umask 022). Files are created 0600 and the folder 0700; a
//! file of the folder found open to others is made private with a warning
//! (others could read every credential, or take the folder's lock so that
//! latchd never starts), and the folder loses others' access when it is
//! latchd's own.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Read and write for latchd's user only.
pub const FILE_MODE: u32 = 0o600;
/// The folder latchd makes when there is none.
pub const FOLDER_MODE: u32 = 0o700;

/// Options that create a file with [`FILE_MODE`] (an existing file keeps
/// its mode; [`secure_folder`] has seen to those).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// Creates `dir` and the folders above it that are missing, each 0700.
pub fn create_folder(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(FOLDER_MODE)
        .create(dir)
}

/// Whether a mode lets anyone but the owner in: a file's group or others
/// any access, or a folder's others any access (the shipped unit's
/// `StateDirectoryMode=0750` lets latchd's own group list it).
fn is_open(mode: u32, folder: bool) -> bool {
    let mask = if folder { 0o007 } else { 0o077 };
    mode & mask != 0
}

/// Makes the folder `dir` and the files in it private, saying so for each
/// it finds open. Links and what other users own are left as they are
/// (with a warning): latchd never changes what is not its own. The folder
/// itself is tightened only when latchd owns it and it is not a shared
/// folder (sticky, like /tmp).
pub fn secure_folder(dir: &Path) -> io::Result<()> {
    let me = nix::unistd::geteuid().as_raw();
    let meta = fs::symlink_metadata(dir)?;
    let mode = meta.mode() & 0o7777;
    if is_open(mode, true) {
        let shared = mode & 0o1000 != 0;
        if meta.uid() == me && !shared && meta.is_dir() {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode & !0o007))?;
            log::warn!(
                folder = dir.display().to_string().as_str(),
                mode = format!("{mode:04o}").as_str(),
                now = format!("{:04o}", mode & !0o007).as_str();
                "the data folder was open to every user; made private"
            );
        } else {
            log::warn!(
                folder = dir.display().to_string().as_str(),
                mode = format!("{mode:04o}").as_str();
                "the data folder is open to every user and not latchd's to change; its files are kept private, but give latchd a folder of its own"
            );
        }
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = fs::symlink_metadata(&path)?;
        let mode = meta.mode() & 0o7777;
        if !meta.is_file() || !is_open(mode, false) {
            continue;
        }
        if meta.uid() != me {
            log::warn!(
                file = path.display().to_string().as_str(),
                mode = format!("{mode:04o}").as_str();
                "a file in the data folder is open to other users and not latchd's to change"
            );
            continue;
        }
        make_private(&path)?;
        log::warn!(
            file = path.display().to_string().as_str(),
            mode = format!("{mode:04o}").as_str(),
            now = format!("{FILE_MODE:04o}").as_str();
            "a data file was open to other users; made private"
        );
    }
    Ok(())
}

/// Sets `path` to [`FILE_MODE`] through a descriptor opened without
/// following a link, so a file swapped for a link since it was looked at
/// changes nothing elsewhere.
fn make_private(path: &Path) -> io::Result<()> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if file.metadata()?.is_file() {
        file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    /// Under umask 022 files would be 0644 and folders 0755: these are
    /// private anyway, and open ones found are made private.
    #[test]
    fn files_and_folders_are_private_whatever_the_umask() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/data");
        create_folder(&dir).unwrap();
        assert_eq!(mode(&dir), FOLDER_MODE);
        let mut f = options()
            .create(true)
            .truncate(true)
            .write(true)
            .open(dir.join("f"))
            .unwrap();
        f.write_all(b"x").unwrap();
        assert_eq!(mode(&dir.join("f")), FILE_MODE);

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("open"), "1234").unwrap();
        fs::set_permissions(dir.join("open"), fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.join("link")).unwrap();
        secure_folder(&dir).unwrap();
        assert_eq!(mode(&dir), 0o750);
        assert_eq!(mode(&dir.join("open")), FILE_MODE);
        // A link is not followed.
        assert_ne!(mode(Path::new("/etc/hostname")), FILE_MODE);
    }

    /// A shared folder (sticky, like /tmp) is not latchd's to change.
    #[test]
    fn a_shared_folder_is_left_as_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        secure_folder(tmp.path()).unwrap();
        assert_eq!(mode(tmp.path()), 0o1777);
    }
}
