#!/usr/bin/env python3
# Runs a command and reads its /proc/PID/cmdline as fast as it can from the moment it exists
# (and `ps -eo args` every 25 reads) until it exits; counts reads that show any of the secrets
# before / after the first read that shows the redacted form. Prints one JSON line.
#   SAMPLER_SECRETS=S1,S2 [SAMPLER_STDIN=TEXT] sampler.py OUT ERR -- CMD...
# (secrets and stdin come through the environment: our own argv is in the process views too)
import json, os, subprocess, sys

secrets = [s.encode() for s in os.environ.get('SAMPLER_SECRETS', '').split(',') if s]
out, err = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
stdin_text = os.environ.get('SAMPLER_STDIN')
stdin_text = stdin_text.encode() if stdin_text is not None else None
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
