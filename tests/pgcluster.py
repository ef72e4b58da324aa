"""A throwaway PostgreSQL server for the tests and CI: a new cluster in a temporary folder,
listening on 127.0.0.1 only (a free port; its Unix socket in the same folder), password
authentication, fsync off (nothing here outlives the run). Stopped and deleted by stop().

    python -m tests.pgcluster start DIR   # prints the SQLAlchemy URL, DIR must not exist
    python -m tests.pgcluster stop DIR    # stops the server (if running), deletes DIR

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
that Debian's package creates, and its programs run through runuser. The binaries are
found on PATH or in /usr/lib/postgresql/<version>/bin (Debian's place for them).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

PROGRAMS = ("initdb", "pg_ctl")
START_TIMEOUT = 60


def bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(folder: Path) -> list[str]:
    """The command prefix that runs a PostgreSQL program as the folder's owner."""
    if os.geteuid() != 0:
        return []
    shutil.chown(folder, "postgres", "postgres")
    return ["runuser", "-u", "postgres", "--"]


def start(folder: Path) -> str:
    """Start a cluster in folder (made here); returns its SQLAlchemy URL."""
    programs = bin_dir()
    if programs is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl are not installed")
    folder.mkdir(mode=0o700)
    prefix = _as_owner(folder)
    password = secrets.token_hex(16)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if prefix:
        shutil.chown(pwfile, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": START_TIMEOUT}
    subprocess.run(
        [*prefix, str(programs / "initdb"), "-D", str(data), "-U", "postgres", "-A",
         "scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C", "--no-sync"],
        **run,
    )  # fmt: skip
    pwfile.unlink()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    subprocess.run(
        [*prefix, str(programs / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
         "-w", "-t", str(START_TIMEOUT), "-o", options, "start"],
        **run,
    )  # fmt: skip
    return f"postgresql+psycopg://postgres:{password}@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    """Stop the cluster in folder if it runs, then delete the folder."""
    programs, data = bin_dir(), folder / "data"
    if programs is not None and (data / "postmaster.pid").exists():
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=START_TIMEOUT,
        )
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if argv[0] == "start":
        try:
            print(start(folder))
        except subprocess.CalledProcessError as e:
            print(f"{e.cmd[0]} failed:\n{e.stdout}\n{e.stderr}", file=sys.stderr)
            stop(folder)
            return 1
    else:
        stop(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
