"""Files and directories only the service account can read: the database holds password hashes, raw
LINE user ids of open tickets and residents' (masked) messages."""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` and any missing parents with mode 0700 (existing directories are left as they are:
    they may be shared ones such as /tmp)."""
    path = Path(path)
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another worker made it first
            pass
        else:
            os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: str | os.PathLike) -> Path:
    """Make sure ``path`` exists with mode 0600 before a library (SQLite) creates it with the umask's
    mode; an existing file of ours is tightened to 0600. SQLite gives its -wal and -shm files the
    database file's mode.

    An existing file is never opened here: closing any descriptor of a database file drops the POSIX
    locks SQLite holds on it in this process (and would let another writer corrupt it)."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDONLY, FILE_MODE)
    except FileExistsError:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            try:
                path.chmod(FILE_MODE)
            except OSError:  # a read-only file system: nothing is written there either
                pass
        return path
    os.fchmod(fd, FILE_MODE)  # O_CREAT's mode is filtered by the umask
    os.close(fd)  # a new, empty file: no connection can hold a lock on it yet
    return path
