"""The measuring half of bench/s3_stream.sh (see there): moto on 127.0.0.1,
cogtool streaming to it vs cogtool writing locally plus a boto3 upload.

usage: s3_stream.py COGTOOL INPUT DIR RUNS
"""
import datetime
import os
import re
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import threading
import time

import boto3
from boto3.s3.transfer import TransferConfig

COGTOOL, INPUT, DIR, RUNS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
MIB = 1 << 20
CONCURRENCY = 8  # cogtool's default --concurrency


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_moto(log):
    port = free_port()
    moto = os.path.join(os.path.dirname(sys.executable), "moto_server")
    p = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def disk_in_use(pid, dirs):
    """Bytes of the files under `dirs` that process `pid` has open (deleted
    and O_TMPFILE ones too) or that exist there, each inode counted once."""
    seen = {}
    fds = f"/proc/{pid}/fd"
    try:
        for fd in os.listdir(fds):
            try:
                target = os.readlink(os.path.join(fds, fd))
                if any(target.startswith(d) for d in dirs):
                    st = os.stat(os.path.join(fds, fd))
                    if stat.S_ISREG(st.st_mode):
                        seen[(st.st_dev, st.st_ino)] = st.st_size
            except OSError:
                pass
    except OSError:
        pass
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                try:
                    st = os.stat(os.path.join(root, f))
                    seen[(st.st_dev, st.st_ino)] = st.st_size
                except OSError:
                    pass
    return sum(seen.values())


def run(cmd, env, dirs, baseline=0):
    """Wall seconds, peak RSS (KiB), peak disk (bytes beyond `baseline`),
    start time, stderr."""
    t0 = time.time()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], disk_in_use(p.pid, dirs) - baseline)
            time.sleep(0.02)

    w = threading.Thread(target=watch)
    w.start()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.time() - t0
    done.set()
    w.join()
    if status != 0:
        raise SystemExit(f"{cmd} failed: {err.decode()}")
    return wall, ru.ru_maxrss, max(peak[0], 0), t0, err.decode()


def first_part_time(log_path, key, after):
    """Epoch seconds of moto's first logged UploadPart of `key` at or after
    `after` (werkzeug logs whole seconds)."""
    pat = re.compile(r'\[(\d\d/\w\w\w/\d{4} \d\d:\d\d:\d\d)\] "PUT /bench/' + re.escape(key) + r"\?[^\"]*partNumber=")
    with open(log_path, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                t = datetime.datetime.strptime(m.group(1), "%d/%b/%Y %H:%M:%S").timestamp()
                if t >= int(after):
                    return t
    return None


def main():
    tmp = os.path.join(DIR, "stream-tmp")
    out_dir = os.path.join(DIR, "stream-out")
    for d in (tmp, out_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    log_path = os.path.join(DIR, "moto.log")
    log = open(log_path, "w")
    moto, endpoint = start_moto(log)
    try:
        env = dict(os.environ, TMPDIR=tmp, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench",
                          aws_secret_access_key="bench", region_name="us-east-1")
        s3.create_bucket(Bucket="bench")
        cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=CONCURRENCY)
        local = os.path.join(out_dir, "local.tif")
        res = {"streamed": [], "local": [], "upload": []}
        first = []
        for _ in range(RUNS):
            if os.path.exists(local):
                os.remove(local)
            r = run([COGTOOL, "--endpoint-url", endpoint, "-v", "create", INPUT, "s3://bench/stream.tif",
                     "--compress", "deflate", "--overwrite"], env, [tmp, out_dir])
            res["streamed"].append(r)
            fp = first_part_time(log_path, "stream.tif", r[3])
            # Whole seconds in the log: the part came before fp + 1.
            first.append((fp + 1 - r[3]) / r[0] if fp else float("nan"))
            if os.path.exists(local):
                os.remove(local)
            r = run([COGTOOL, "create", INPUT, local, "--compress", "deflate"], env, [tmp, out_dir])
            res["local"].append(r)
            t0 = time.time()
            s3.upload_file(local, "bench", "uploaded.tif", Config=cfg)
            res["upload"].append((time.time() - t0,))
        size = os.path.getsize(local)
        with open(local, "rb") as f:
            want = f.read()
        same_stream = s3.get_object(Bucket="bench", Key="stream.tif")["Body"].read() == want
        same_up = s3.get_object(Bucket="bench", Key="uploaded.tif")["Body"].read() == want
        parts = re.search(r"streamed \d+ bytes to \S+ \(([^;]*);", res["streamed"][-1][4])
        med = lambda k, i: statistics.median(r[i] for r in res[k])
        st, sm, sd = med("streamed", 0), med("streamed", 1), med("streamed", 2)
        lt, lm, ld = med("local", 0), med("local", 1), med("local", 2)
        ut = med("upload", 0)
        print(f"input: {os.path.getsize(INPUT) / MIB:.0f} MiB, 12288x12288 RGB DEFLATE; output {size / MIB:.1f} MiB "
              f"({RUNS} runs each, medians; moto on 127.0.0.1, {os.cpu_count()} cores)")
        print(f"streamed          wall {st:7.2f} s   peak RSS {sm / 1024:7.1f} MiB   peak temp disk {sd / MIB:7.1f} MiB")
        print(f"local create      wall {lt:7.2f} s   peak RSS {lm / 1024:7.1f} MiB   peak temp+output disk {ld / MIB:7.1f} MiB")
        print(f"boto3 upload      wall {ut:7.2f} s")
        print(f"streamed / (local create + upload): {st / (lt + ut):.2f}x time; "
              f"RSS {sm / 1024 - lm / 1024:+.1f} MiB vs local create (target <= +512)")
        print(f"streamed peak temp disk: {sd / MIB:.1f} MiB (target <= 64)")
        print(f"first part logged by moto at most {statistics.median(first) * 100:.0f}% into the streamed run "
              f"(per run: {', '.join(f'{x * 100:.0f}%' for x in first)}; the log has whole seconds; target < 50%)")
        print(f"parts: {parts.group(1) if parts else '?'}")
        print(f"objects byte-identical to the local file: streamed {'yes' if same_stream else 'NO'}, "
              f"uploaded {'yes' if same_up else 'NO'}")
        leftover = s3.list_multipart_uploads(Bucket="bench").get("Uploads", [])
        print(f"multipart uploads left open: {len(leftover)}")
    finally:
        moto.terminate()
        moto.wait()


main()
