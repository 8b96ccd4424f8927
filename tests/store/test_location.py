"""Where the store may live: local disk only (WAL needs working locks; sync clients corrupt it)."""

from __future__ import annotations

import pytest

from app.models.errors import StoreError
from app.store.engine import check_location

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
//nas/partage /mnt/partage cifs rw,vers=3.0 0 0
nas:/export /srv/data nfs4 rw 0 0
me@host:/home /home/agent/distant fuse.sshfs rw 0 0
/dev/sdb1 /mnt/partage/local\\040disk ext4 rw 0 0
"""


@pytest.mark.parametrize("path", [
    "/mnt/partage/guichet.db", "/srv/data/guichet/guichet.db", "/home/agent/distant/g.db",
])
def test_linux_network_mounts_are_refused(path):
    with pytest.raises(StoreError, match="partage réseau"):
        check_location(path, platform="linux", mounts_text=MOUNTS)


@pytest.mark.parametrize("path", [
    "/home/agent/.local/share/Guichet/guichet.db", "/tmp/x/guichet.db",
    "/mnt/partage/local disk/guichet.db",  # a local disk mounted inside a share: the deepest mount wins
    "/mnt/partagex/guichet.db",  # prefix of a mount point is not inside it
])
def test_linux_local_paths_are_accepted(path):
    check_location(path, platform="linux", mounts_text=MOUNTS)


@pytest.mark.parametrize("path", [
    r"\\serveur\partage\guichet.db", "//serveur/partage/guichet.db", r"\\?\UNC\serveur\partage\g.db",
])
def test_unc_paths_are_refused(path):
    with pytest.raises(StoreError, match="partage réseau"):
        check_location(path, platform="win32", env={}, drive_type=lambda p: 3)


@pytest.mark.parametrize("path", [
    "/home/agent/Dropbox/guichet.db", "/home/agent/Nextcloud/g.db", r"C:\Users\marie\OneDrive - Mairie\g.db",
    "/Users/marie/Library/Mobile Documents/com~apple~CloudDocs/g.db", "/home/agent/Google Drive/g.db",
])
def test_synced_folders_are_refused(path):
    platform = "win32" if path.startswith("C:") else "linux"
    with pytest.raises(StoreError, match="synchronisé"):
        check_location(path, platform=platform, mounts_text="", env={}, drive_type=lambda p: 3)


def test_windows_drive_types_and_profiles():
    env = {"APPDATA": r"C:\Users\marie\AppData\Roaming", "LOCALAPPDATA": r"C:\Users\marie\AppData\Local",
           "OneDriveCommercial": r"D:\Entreprise"}
    local = lambda p: 3  # noqa: E731  DRIVE_FIXED
    check_location(r"C:\Users\marie\AppData\Local\Guichet\guichet.db", platform="win32", env=env, drive_type=local)
    check_location(r"\\?\C:\Users\marie\AppData\Local\Guichet\guichet.db", platform="win32", env=env,
                   drive_type=local)  # long-path prefix is local
    with pytest.raises(StoreError, match="itinérant"):
        check_location(r"C:\Users\marie\AppData\Roaming\Guichet\g.db", platform="win32", env=env, drive_type=local)
    with pytest.raises(StoreError, match="OneDrive"):
        check_location(r"D:\Entreprise\Guichet\g.db", platform="win32", env=env, drive_type=local)
    with pytest.raises(StoreError, match="partage réseau"):
        check_location(r"Z:\Guichet\g.db", platform="win32", env=env, drive_type=lambda p: 4)  # mapped drive
    with pytest.raises(StoreError, match="amovible"):
        check_location(r"E:\g.db", platform="win32", env=env, drive_type=lambda p: 2)


def test_real_tmp_folder_is_accepted(tmp_path):
    check_location(tmp_path / "guichet.db")  # reads this machine's /proc/mounts
