"""PostgreSQL and the Bluesky devnet as processes on loopback, each stopped by its PID.

`Postgres.start` makes a throwaway cluster in a temporary folder (as the `postgres` user
when run as root, since initdb refuses root) on a free port; the devnet (`devnet.mjs`:
PLC, PDS, AppView, bsync, ozone) uses it and prints one JSON line when it is ready.
`Devnet` also speaks to the devnet's control port: alice posts, threads are read back.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import queue
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from atproto import Client, client_utils, models

from tests.devnet.install import Installed, Unavailable

READY_TIMEOUT = 300.0  # seconds for the devnet's ready line (10-20 s quiet, 115 s seen busy)


def stop_pid(pid: int, sig: signal.Signals, grace: float) -> None:
    """Send `sig` to `pid`, wait up to `grace` seconds for it to go, then SIGKILL it."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running, not a zombie (the postmaster is not our child: we cannot reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_range(width: int = 10) -> int:
    """A base port whose next `width` ports are free, taken below the kernel's ephemeral
    range: the devnet also binds random free ports (bsync, dataplane), which come from
    that range and must not land on the fixed ones."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10000, low - width)
        if all(_free(base + i) for i in range(width)):
            return base
    raise Unavailable(f"no run of {width} free ports below {low} for the devnet")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


@dataclass
class Postgres:
    folder: Path
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"postgresql://pg@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> Postgres:
        if not (shutil.which("initdb") and shutil.which("pg_ctl")):
            raise Unavailable("PostgreSQL (initdb, pg_ctl) not on PATH: the AppView needs it")
        as_user = _postgres_user()
        folder = Path(tempfile.mkdtemp(prefix="careops-devnet-pg-"))
        if as_user:
            shutil.chown(folder, user=as_user)
        port = free_port()
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        for command in (
            ["initdb", "-D", f"{folder}/data", "-A", "trust", "-U", "pg"],
            ["pg_ctl", "-D", f"{folder}/data", "-w", "-o", options, "-l", f"{folder}/log", "start"],
        ):
            run = ["runuser", "-u", as_user, "--", *command] if as_user else command
            done = subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                shutil.rmtree(folder, ignore_errors=True)
                raise Unavailable(f"{command[0]} failed: {done.stderr.strip()[-300:]}")
        pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
        return cls(folder, port, pid)

    def stop(self) -> None:
        stop_pid(self.pid, signal.SIGINT, grace=15)  # SIGINT: fast shutdown
        shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_user() -> str | None:
    """initdb refuses to run as root: then it runs as `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root and there is no postgres user for initdb") from exc
    if shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to start PostgreSQL as postgres")
    return "postgres"


@dataclass
class Devnet:
    """The running devnet: URLs, the two accounts, and the control port's calls."""

    proc: subprocess.Popen[str]
    ready: dict[str, Any]
    log: Path
    started_in: float
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.ready["ctl"], timeout=60)

    @property
    def pds(self) -> str:
        return str(self.ready["pds"])

    @property
    def brand(self) -> dict[str, str]:
        return dict(self.ready["brand"])

    @property
    def customer(self) -> dict[str, str]:
        return dict(self.ready["customer"])

    def mention(self, text: str) -> dict[str, str]:
        """alice posts `text` (mention facets detected); returns once the AppView has it."""
        return dict(self._call("POST", "/mention", json={"text": text}))

    def thread(self, uri: str) -> dict[str, Any]:
        """The post and its replies as the AppView serves them (getPostThread)."""
        return dict(self._call("GET", "/thread", params={"uri": uri}))

    def notifications(self) -> list[dict[str, Any]]:
        """The brand's notifications (reason, uri, author, indexedAt, text), newest first."""
        return list(self._call("GET", "/notifications"))

    def customer_post(
        self,
        text: str,
        *,
        reply_to: tuple[dict[str, str], dict[str, str]] | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """alice posts `text`, its `@brand` a mention facet, optionally as a reply (root,
        parent) or with a createdAt of her own; returns the post's uri once indexed."""
        alice = Client(self.pds)
        try:
            alice.login(self.customer["handle"], self.customer["password"])
            handle = "@" + self.brand["handle"]
            before, _, after = text.partition(handle)
            rich = client_utils.TextBuilder().text(before).mention(handle, self.brand["did"])
            reply = None
            if reply_to:
                root, parent = (models.ComAtprotoRepoStrongRef.Main(**p) for p in reply_to)
                reply = models.AppBskyFeedPost.ReplyRef(root=root, parent=parent)
            record = models.AppBskyFeedPost.Record(
                text=rich.text(after).build_text(),
                facets=rich.build_facets(),
                reply=reply,
                created_at=(created_at or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
            )
            posted = alice.app.bsky.feed.post.create(alice.me.did, record)
        finally:
            alice.request.close()
        self.process()
        return str(posted.uri)

    def process(self) -> None:
        """Have the AppView index everything the PDS has written so far."""
        self._call("POST", "/process")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, path, **kwargs)
        assert answer.status_code == 200, f"devnet {path}: {answer.text}"
        return answer.json()

    @classmethod
    def start(cls, installed: Installed, source: Path, postgres: Postgres, log: Path) -> Devnet:
        script = installed.app / "devnet.mjs"
        staged = script.with_name(f".devnet.mjs.{os.getpid()}")
        shutil.copyfile(source / "devnet.mjs", staged)
        staged.replace(script)  # another run may be reading it: swap it whole
        env = {
            **os.environ,
            "PATH": installed.path_env,
            "DB_POSTGRES_URL": postgres.url,
            "DB_POSTGRES_SCHEMA": "devnet",
            "REDIS_HOST": "unused:6379",  # dev-env asserts it is set; nothing connects
            "DEVNET_BASE_PORT": str(free_port_range()),
        }
        started = time.monotonic()
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [str(installed.node), "devnet.mjs"],
                cwd=installed.app,
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,  # a Ctrl-C in pytest reaches us, not it: we stop it
            )
        assert proc.stdout is not None
        line = _first_line(proc.stdout, READY_TIMEOUT)
        if not line.startswith("{"):
            proc.kill()
            proc.wait(10)
            proc.stdout.close()
            tail = log.read_text()[-1500:]
            raise RuntimeError(f"the devnet did not start ({line!r}); its log ends:\n{tail}")
        return cls(proc, json.loads(line), log, time.monotonic() - started)

    def stop(self) -> None:
        self.http.close()
        self.proc.send_signal(signal.SIGTERM)  # it closes in about 3.5 s
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _first_line(stream: IO[str], timeout: float) -> str:
    """The process's first output line, or '' when it ends or stays silent too long."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout).strip()
    except queue.Empty:
        return ""
