"""A real single-node Apache Kafka (KRaft combined mode) run from Maven Central jars.

Used by ``wirewatch broker``, ``wirewatch up`` and the test suite. The jars
are fetched once by Maven into the cache folder (``WIREWATCH_CACHE``); later
starts download nothing. Storage is formatted with ``kafka.tools.StorageTool``
and the broker runs as ``java -cp 'lib/*' kafka.Kafka server.properties``.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wirewatch.errors import BrokerStartError, ToolMissing
from wirewatch.processes import die_with_parent, stop_process

KAFKA_VERSION = "4.3.1"
DEFAULT_POM = Path(__file__).resolve().parent.parent / "deploy" / "kafka" / "pom.xml"

_LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Logger name="kafka.server.BrokerServer" level="INFO"/>
    <Logger name="kafka.server.ControllerServer" level="INFO"/>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
"""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (port 0 would break advertised.listeners)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def _require(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolMissing(f"{tool} is not on PATH: {why}")
    return path


def ensure_jars(cache: Path, pom: Path = DEFAULT_POM, say: Callable[[str], None] = print) -> Path:
    """The folder of broker jars for ``pom``, fetched by Maven on first use.

    The folder name carries the POM's hash, so editing the POM fetches anew
    while an unchanged POM never calls Maven again.
    """
    if not pom.is_file():
        raise ToolMissing(f"the broker POM {pom} is missing (run from a Wirewatch checkout)")
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    home = cache / f"kafka-{KAFKA_VERSION}-{digest}"
    lib = home / "lib"
    done = home / "complete"
    if done.is_file():
        return lib
    mvn = _require(
        "mvn",
        "Maven fetches the Kafka jars (apt-get install maven), "
        "or set WIREWATCH_KAFKA_BOOTSTRAP to use an existing cluster",
    )
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one fetch even when several processes start at once
        if done.is_file():
            return lib
        say(f"fetching Kafka {KAFKA_VERSION} jars from Maven Central into {lib} (once) …")
        staging = home / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            (home / "mvn.log").write_text(result.stdout + result.stderr)
            raise BrokerStartError(
                f"Maven could not fetch the Kafka jars (exit {result.returncode}); see {home / 'mvn.log'}"
            )
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        done.write_text(digest)
    return lib


def _cluster_id() -> str:
    # Kafka's Uuid.toString: URL-safe base64 of 16 random bytes, no padding. Like
    # Uuid.randomUuid, draw again when it starts with '-': StorageTool would read it as a flag.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass
class LocalBroker:
    """One Kafka broker process in ``workdir``; ``start()`` returns its bootstrap address.

    Ports are picked free on first start and kept (in ``broker.json``), so a
    stop/start keeps the same address and the same data.
    """

    workdir: Path
    cache: Path
    port: int = 0
    controller_port: int = 0
    heap: str = "512m"
    pom: Path = DEFAULT_POM
    say: Callable[[str], None] = print
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "broker.log"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _pick_ports(self) -> None:
        state = self.workdir / "broker.json"
        if not self.port and state.is_file():
            saved = json.loads(state.read_text())
            self.port, self.controller_port = saved["port"], saved["controller_port"]
        self.port = self.port or free_port()
        self.controller_port = self.controller_port or free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        for p in (self.port, self.controller_port):
            if not port_is_free(p):
                raise BrokerStartError(f"port {p} on 127.0.0.1 is already in use (another broker?)")
        state.write_text(json.dumps({"port": self.port, "controller_port": self.controller_port}))

    def _write_config(self) -> Path:
        data = self.workdir / "data"
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # A new group's first rebalance without Kafka's default 3 s wait for more members: this
            # broker serves tests and the demo, where a consumer should start at once.
            "group.initial.rebalance.delay.ms": "0",
            "log.cleaner.backoff.ms": "5000",
        }
        path = self.workdir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.workdir / "log4j2.xml").write_text(_LOG4J2)
        return path

    def _java(self, lib: Path, main: str, *args: str) -> list[str]:
        java = _require(
            "java",
            "the local Kafka broker needs Java 17+ (apt-get install openjdk-17-jre-headless), "
            "or set WIREWATCH_KAFKA_BOOTSTRAP to use an existing cluster",
        )
        return [
            java,
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.xml'}",
            "-cp",
            f"{lib}/*",
            main,
            *args,
        ]

    def start(self, timeout_s: float = 120.0) -> str:
        """Start the broker and wait until it answers a metadata request."""
        if self._proc is not None and self._proc.poll() is None:
            return self.bootstrap
        self.workdir.mkdir(parents=True, exist_ok=True)
        lib = ensure_jars(self.cache, self.pom, self.say)
        self._pick_ports()
        config = self._write_config()
        if not (self.workdir / "data" / "meta.properties").is_file():
            fmt = subprocess.run(
                self._java(lib, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)),
                capture_output=True,
                text=True,
                check=False,
            )
            if fmt.returncode != 0:
                self.log_path.write_text(fmt.stdout + fmt.stderr)
                raise BrokerStartError(f"formatting Kafka storage failed; see {self.log_path}")
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self._proc = subprocess.Popen(
                self._java(lib, "kafka.Kafka", str(config)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self.bootstrap

    def _wait_ready(self, timeout_s: float) -> None:
        from kafka.admin import KafkaAdminClient
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout_s
        assert self._proc is not None
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise BrokerStartError(
                    f"the Kafka broker exited with code {code} during start-up; see {self.log_path}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
                try:
                    if admin.describe_cluster().get("brokers"):
                        return
                finally:
                    admin.close()
            except (OSError, KafkaError):
                pass
            time.sleep(0.3)
        raise BrokerStartError(
            f"the Kafka broker did not answer within {timeout_s:.0f} s; see {self.log_path}"
        )

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc, timeout_s)

    def kill(self) -> None:
        """SIGKILL the broker (fault tests)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
