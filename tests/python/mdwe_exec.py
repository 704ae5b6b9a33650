"""Runs a program under MemoryDenyWriteExecute, as systemd would impose it.

Usage: mdwe_exec.py seccomp|prctl PROGRAM ARGS...

seccomp: the filter systemd installs for MemoryDenyWriteExecute=yes (systemd 252,
  seccomp_memory_deny_write_execute): mmap with PROT_WRITE|PROT_EXEC, mprotect and
  pkey_mprotect adding PROT_EXEC, shmat with SHM_EXEC fail with EPERM.
prctl: the kernel's own PR_SET_MDWE (Linux 6.3+, what newer systemd uses), which
  also refuses to make any mapping executable that was not.
Needs the system python3 with python3-seccomp for the seccomp mode.
"""

import ctypes
import errno
import mmap
import os
import sys

PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
SHM_EXEC = 0o100000


def seccomp_filter():
    import seccomp

    f = seccomp.SyscallFilter(seccomp.ALLOW)
    deny = seccomp.ERRNO(errno.EPERM)
    wx = mmap.PROT_WRITE | mmap.PROT_EXEC
    f.add_rule(deny, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
    for call in ("mprotect", "pkey_mprotect"):
        f.add_rule(deny, call, seccomp.Arg(2, seccomp.MASKED_EQ, mmap.PROT_EXEC, mmap.PROT_EXEC))
    f.add_rule(deny, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
    f.load()


def prctl_mdwe():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_MDWE): {os.strerror(ctypes.get_errno())}")


if __name__ == "__main__":
    {"seccomp": seccomp_filter, "prctl": prctl_mdwe}[sys.argv[1]]()
    os.execvp(sys.argv[2], sys.argv[2:])
