"""The nbval plugin's memory readings, on this test's own process and a child it starts."""

import os
import subprocess
import sys

from tests import nbval_memory as M


def test_peak_memory_of_a_process_and_its_children():
    child = subprocess.Popen([sys.executable, "-c",
                              "b = bytearray(200 * 2**20); import time; time.sleep(30)"])
    try:
        import time

        for _ in range(100):  # until the child has touched its 200 MB
            if child.pid in M._children(os.getpid()) and M._vmhwm_mb(child.pid) > 190:
                break
            time.sleep(0.1)
        assert child.pid in M._children(os.getpid())
        assert 190 < M._vmhwm_mb(child.pid) < M.LIMIT_MB
        assert M._vmhwm_mb(os.getpid()) > 10
    finally:
        child.kill()
        child.wait()
