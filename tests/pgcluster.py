"""A throwaway PostgreSQL cluster for tests: Debian's binaries, a temp folder, a free port on 127.0.0.1.

PostgreSQL refuses to run as root (CI and this machine run as root): the cluster then belongs to the
`postgres` system user that Debian's package creates, and every server command runs through
`runuser -u postgres`. Settings are for a test server only (fsync off: the cluster is thrown away).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bin_dir() -> Path | None:
    """Folder holding initdb and pg_ctl: PATH first, then Debian's versioned folders (newest)."""
    found = shutil.which("initdb") and shutil.which("pg_ctl")
    if found:
        return Path(shutil.which("initdb")).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]),
                            reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb + pg_ctl start/stop; `url(db, user)` gives a SQLAlchemy URL (trust auth on loopback)."""

    def __init__(self, bin_dir: Path, root: Path | None = None):
        self.bin_dir = Path(bin_dir)
        self.root = Path(root or tempfile.mkdtemp(prefix="guichet-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.superuser = "postgres"
        self._as_user = os.geteuid() == 0
        self.extra_options = ""  # more `-c name=value` server settings (TLS test)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_user:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd="/")

    def init(self, host_auth: str = "trust") -> None:
        """`host_auth`: how TCP connections log in ("scram-sha-256": with a password); the Unix
        socket in `root` always trusts (the administrator's way in, `socket_url`)."""
        if self._as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.superuser, "--auth-local=trust",
                  f"--auth-host={host_auth}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def socket_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.superuser}@/{database}?host={self.root}&port={self.port}"

    def start(self) -> None:
        options = (f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 " + self.extra_options)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                  "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        auth = (user or self.superuser) + (f":{password}" if password else "")
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"
