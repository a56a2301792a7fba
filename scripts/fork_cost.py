"""CPU cost of one fork + exit of a bare `python3 -S` process (the floor under a forked trace).

Run: python3 -S scripts/fork_cost.py
"""
import os
import resource
import time

RUNS = 200


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


start_wall = time.perf_counter()
start_child, start_self = cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF)
for _ in range(RUNS):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
child = (cpu(resource.RUSAGE_CHILDREN) - start_child) / RUNS * 1000
parent = (cpu(resource.RUSAGE_SELF) - start_self) / RUNS * 1000
wall = (time.perf_counter() - start_wall) / RUNS * 1000
print("fork+exit: %.2f ms CPU (child %.2f, parent %.2f), %.2f ms wall" % (child + parent, child, parent, wall))
