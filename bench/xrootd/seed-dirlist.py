"""The seed's listing method, for comparison: XRootD python bindings, N threads, one
dirlist with stat per directory, recursing through a shared queue.
Usage (under /usr/bin/python3, where python3-xrootd lives):
    seed-dirlist.py root://HOST:PORT /top THREADS
Prints one JSON line: files, dirs, failed directories, listing seconds.
"""
import json
import queue
import sys
import threading
import time

from XRootD import client
from XRootD.client.flags import DirListFlags, StatInfoFlags


def main():
    url, top, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    work = queue.Queue()
    lock = threading.Lock()
    counts = {"files": 0, "dirs": 0, "failed": 0, "bytes": 0}

    def worker():
        fs = client.FileSystem(url)
        while True:
            path = work.get()
            if path is None:
                work.task_done()
                return
            status, listing = fs.dirlist(path, DirListFlags.STAT, timeout=120)
            files = dirs = size = 0
            if status.ok:
                for entry in listing:
                    if entry.statinfo.flags & StatInfoFlags.IS_DIR:
                        work.put(path.rstrip("/") + "/" + entry.name)
                    else:
                        files += 1
                        size += entry.statinfo.size
            with lock:
                counts["dirs"] += 1
                counts["files"] += files
                counts["bytes"] += size
                if not status.ok:
                    counts["failed"] += 1
            work.task_done()

    started = time.monotonic()
    work.put(top)
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    work.join()
    seconds = time.monotonic() - started
    for _ in pool:
        work.put(None)
    counts["seconds"] = seconds
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
