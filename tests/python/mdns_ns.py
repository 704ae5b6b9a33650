"""kokorod's mDNS announcement against the real Avahi, seen by python-zeroconf.

Usage: mdns_ns.py KOKOROD WORKDIR   ($AVAHI_DAEMON: the avahi-daemon binary to run)

Runs as root inside a new network, mount and UTS namespace that the caller created
(`unshare --net --mount --uts --fork`): nothing here can multicast outside it. It
builds a veth pair (veth0 10.231.0.1 — "this host", veth1 10.231.0.2 — "another
machine"), a private system D-Bus, and then:

1. no Avahi on the bus: kokorod --zeroconf logs exactly one warning and still serves;
2. avahi-daemon on veth0: kokorod --zeroconf listening on 10.231.0.1:0 (plus a
   loopback listener, which must not be announced) is found by a python-zeroconf
   browser on veth1 as `kokorod-<hostname>._wyoming._tcp.local.` with the real port
   and veth0's address; `describe` over the resolved address answers; the announcing
   thread sleeps while idle; after SIGTERM the browser sees the service removed.

Exit 0 when every check passes; the failing check is printed otherwise.
"""

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

try:
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe, Info
    from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf
except ImportError as error:
    print(f"python packages missing ({error}): pip install wyoming==1.10.2 zeroconf==0.154.0", file=sys.stderr)
    sys.exit(3)

HOST = "nsbox"
HERE, PEER = "10.231.0.1", "10.231.0.2"
SERVICE = "_wyoming._tcp.local."
TIMEOUT = 60
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def sh(*args):
    subprocess.run(args, check=True)


def network():
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
    for dev, addr in (("veth0", HERE), ("veth1", PEER)):
        sh("ip", "addr", "add", f"{addr}/24", "dev", dev)
        sh("ip", "link", "set", dev, "up", "multicast", "on")
    sh("hostname", HOST)
    # Avahi's pid file and socket live in /run: keep the host's /run out of reach.
    sh("mount", "-t", "tmpfs", "tmpfs", "/run")


def avahi_user(work):
    """avahi-daemon insists on its user even with --no-drop-root; the unpacked daemon
    has none on the host, so this namespace gets passwd/group files that name it."""
    texts = {db: open(f"/etc/{db}").read() for db in ("passwd", "group")}
    if any(l.startswith("avahi:") for l in texts["passwd"].splitlines()):
        return
    taken = {int(l.split(":")[2]) for t in texts.values() for l in t.splitlines() if l.count(":") >= 3}
    free = next(i for i in range(60990, 65000) if i not in taken)
    lines = {"passwd": f"avahi:x:{free}:{free}:Avahi:/nonexistent:/usr/sbin/nologin\n", "group": f"avahi:x:{free}:\n"}
    for db, text in texts.items():
        if not any(l.startswith("avahi:") for l in text.splitlines()):
            copy = os.path.join(work, db)
            with open(copy, "w") as f:
                f.write(text + lines[db])
            sh("mount", "--bind", copy, f"/etc/{db}")


class Lines:
    """A child's stderr, line by line, kept and waitable."""

    def __init__(self, proc, name):
        self.proc, self.name, self.lines, self.q = proc, name, [], queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.proc.stderr:
            line = ANSI.sub("", raw.decode(errors="replace")).rstrip()
            self.lines.append(line)
            self.q.put(line)
        self.q.put(None)

    def wait_for(self, pattern, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            check(left > 0, f"{self.name}: no line matching {pattern!r} in {timeout} s:\n" + "\n".join(self.lines))
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"{self.name} exited ({self.proc.wait()}) before {pattern!r}:\n" + "\n".join(self.lines))
            m = rx.search(line)
            if m:
                return m


STARTED = []


def start(args, name, env=None):
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    STARTED.append(proc)
    return proc, Lines(proc, name)


def stop(proc, lines):
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=TIMEOUT)
    check(code == 0, f"{lines.name} exited with {code} after SIGTERM:\n" + "\n".join(lines.lines))


async def describe(host, port):
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), 20)
            check(event is not None, "connection closed before info")
            if Info.is_type(event.type):
                return Info.from_event(event)


def check_describe(host, port):
    info = asyncio.run(describe(host, port))
    check(info.tts and info.tts[0].name == "kokorod", f"unexpected info from {host}:{port}: {info}")


def kokorod(binary, env, *uris):
    args = [binary, "serve", "--zeroconf", "--threads", "1"]
    for u in uris:
        args += ["--uri", u]
    proc, lines = start(args, "kokorod", env)
    ports = [int(lines.wait_for(r"listening on tcp://[^ ]*:(\d+)").group(1)) for u in uris if u.startswith("tcp://")]
    return proc, lines, ports


def thread_ticks(pid, name):
    """utime + stime of the process's thread called `name`."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == name:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])
    raise AssertionError(f"no thread {name} in kokorod")


def main():
    binary, work = sys.argv[1], sys.argv[2]
    network()
    avahi_user(work)
    bus_conf = os.path.join(work, "bus.conf")
    bus_sock = os.path.join(work, "system_bus_socket")
    with open(bus_conf, "w") as f:
        f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={bus_sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
""")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={bus_conf}", "--nofork", "--print-address"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    address = bus.stdout.readline().decode().strip()
    check(address.startswith("unix:"), f"dbus-daemon did not start: {address!r}")
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address, NO_COLOR="1", RUST_LOG="info,ort=warn")
    try:
        # 1. A bus without Avahi: one warning for two listeners, and the daemon serves.
        proc, lines, ports = kokorod(binary, env, f"tcp://{HERE}:0", "tcp://0.0.0.0:0")
        check_describe(HERE, ports[0])
        stop(proc, lines)
        warnings = [l for l in lines.lines if "WARN" in l and "mDNS" in l]
        check(len(warnings) == 1 and "avahi-daemon running" in warnings[0], "expected one Avahi warning:\n" + "\n".join(lines.lines))
        print(f"no avahi: one warning, served on port {ports[0]}: {warnings[0]}")

        # 2. The real Avahi, announcing on veth0 only; the browser listens on veth1.
        avahi_conf = os.path.join(work, "avahi.conf")
        with open(avahi_conf, "w") as f:
            f.write(f"[server]\nhost-name={HOST}\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=veth0\nenable-dbus=yes\n"
                    "[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n")
        avahi, avahi_lines = start([os.environ.get("AVAHI_DAEMON", "avahi-daemon"), "--no-chroot", "--no-drop-root", "--no-rlimits", "-f", avahi_conf], "avahi-daemon", env)
        avahi_lines.wait_for(r"Server startup complete")

        events = queue.Queue()
        zc = Zeroconf(interfaces=[PEER], ip_version=IPVersion.V4Only)

        def on_change(zeroconf, service_type, name, state_change):
            events.put((name, state_change))

        ServiceBrowser(zc, SERVICE, handlers=[on_change])
        sock = os.path.join(work, "kokorod.sock")
        proc, lines, ports = kokorod(binary, env, f"tcp://{HERE}:0", "tcp://127.0.0.1:0", f"unix://{sock}")
        port = ports[0]
        lines.wait_for(r"mDNS: announced")
        expected = f"kokorod-{HOST}.{SERVICE}"

        seen = []

        def wait_event(kind):
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                try:
                    name, change = events.get(timeout=1)
                except queue.Empty:
                    continue
                seen.append((name, change))
                if change == kind and name == expected:
                    return
            raise AssertionError(f"no {kind} of {expected} in {TIMEOUT} s; saw {seen}")

        wait_event(ServiceStateChange.Added)
        info = zc.get_service_info(SERVICE, expected, timeout=10000)
        check(info is not None, f"{expected} did not resolve")
        addresses = info.parsed_addresses()
        check(info.port == port, f"announced port {info.port}, kokorod listens on {port}")
        # Avahi publishes the interface's own addresses (also its IPv6 link-local one),
        # never a wildcard.
        veth0 = set(subprocess.run(["ip", "-o", "addr", "show", "dev", "veth0"], capture_output=True, text=True, check=True).stdout.split())
        check(HERE in addresses and all(a.split("%")[0] in {x.split("/")[0] for x in veth0} for a in addresses),
              f"announced addresses {addresses}, expected {HERE} and only veth0's addresses")
        check(any("loopback only" in l for l in lines.lines), "no warning about the loopback listener:\n" + "\n".join(lines.lines))
        check_describe(HERE, info.port)
        print(f"found {expected} at {addresses} port {info.port}; describe answered")

        # The announcing thread sleeps in poll(2) while nothing happens.
        before = thread_ticks(proc.pid, "kokorod-mdns")
        time.sleep(2)
        after = thread_ticks(proc.pid, "kokorod-mdns")
        check(after == before, f"kokorod-mdns used CPU while idle: {before} -> {after} ticks")
        while not events.empty():
            seen.append(events.get())
        announced = {n for n, c in seen if c == ServiceStateChange.Added}
        check(announced == {expected}, f"announced {announced}: the loopback listener must not be")

        stop(proc, lines)
        wait_event(ServiceStateChange.Removed)
        print(f"removed {expected} after SIGTERM")
        zc.close()
    finally:
        # Whatever a failed check left running (kokorod, avahi-daemon), then the bus.
        for proc in STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
        bus.terminate()
        bus.wait(timeout=TIMEOUT)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
