#!/usr/bin/env python3
# Runs a command and reads its /proc/PID/cmdline as fast as it can from the moment it exists
# (and `ps -eo args` every 25 reads) until it exits; counts reads that show any of the secrets
# before / after the first read that shows the redacted form. Prints one JSON line.
#   sampler.py SECRET[,SECRET...] OUT ERR [--stdin TEXT] -- CMD...
import json, subprocess, sys

secrets = [s.encode() for s in sys.argv[1].split(',') if s]
out, err = sys.argv[2], sys.argv[3]
rest = sys.argv[4:]
stdin_text = None
if rest[0] == '--stdin':
    stdin_text, rest = rest[1].encode(), rest[2:]
cmd = rest[1:] if rest[0] == '--' else rest
p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                     stdout=open(out, 'wb'), stderr=open(err, 'wb'))
if stdin_text is not None:
    p.stdin.write(stdin_text + b'\n')
    p.stdin.close()
before = after = samples = ps_hits = 0
seen_redacted = False
while p.poll() is None:
    try:
        with open(f'/proc/{p.pid}/cmdline', 'rb') as f:
            c = f.read()
    except OSError:
        break
    samples += 1
    hit = any(s in c for s in secrets)
    if b'REDACTED' in c:
        seen_redacted = True
    if hit:
        if seen_redacted:
            after += 1
        else:
            before += 1
    if samples % 25 == 0:
        ps = subprocess.run(['ps', '-eo', 'args'], capture_output=True).stdout
        # only our child's line: other tests' processes are not ours to judge
        ps_hits += sum(1 for line in ps.splitlines() if any(s in line for s in secrets) and b'sampler.py' not in line)
rc = p.wait()
print(json.dumps({'rc': rc, 'samples': samples, 'raw_before_redaction': before, 'raw_after_redaction': after,
                  'ps_hits': ps_hits, 'redacted_seen': seen_redacted}))
