#!/usr/bin/env python3
"""Replay the monitor's per-call dumps against a learned profile under several frame-count
weightings (how detection.near_windows was chosen; README "Real servers").

  SRV_DUMP=1 SRV_KEEP=DIR bash tests/servers/redis.sh
  cids profile export --text DIR/store/*.profile > p.txt
  awk '{print $1, $2 "-" $3}' DIR/attack.times > bounds   # optional: label time segments
  BOUNDS=bounds tests/servers/replay.py p.txt DIR/dump.3.detect.detect

Per segment (startup: the dump's first GRACE_S seconds, default 10; benign up to the first
bound, then each attack): mismatching STIDE k=4 windows
by kind (unseen: the call was never learned; bag: its set of calls was learned in another
order; sub1: one learned call away from a learned window; far: the rest), and per weighting the
windows alerted (count >= 3 or unseen) and acted on (count >= 6 or unseen), frame 20.
"default" is the live default: bag and sub1 count 1/2 (0 in the start-up grace) and never fire
themselves (near_quiet), a repeat of one of the stream's last RECENT (16) mismatches counts 0
(repeats_once), an unseen low-risk call (LOW_RISK) is a far window; "bag.5" the default before
this session (bags 1/2 only). The dump's
times are CLOCK_MONOTONIC: OFF (default: this boot's wall - monotonic) maps them to wall time.
"""
import collections
import os
import sys
import time

OFF = float(os.environ.get('OFF', time.time() - time.monotonic()))
FRAME = 20
RECENT = int(os.environ.get("RECENT", 16))
NEAR_QUIET = os.environ.get("NEAR_QUIET", "1") == "1"  # detection.near_quiet
SUB1 = float(os.environ.get("SUB1", 1))  # a window one call away, past the start-up grace  # detection.repeats_once: DET_RECENT
# detection.low_risk_unseen (profiles/detect.c cids_sym_low_risk)
LOW_RISK = set('sched_yield getitimer getsockname getpeername fsync fdatasync gettimeofday getrusage '
               'sysinfo times getpriority sched_getparam sched_getscheduler time sched_getaffinity '
               'clock_gettime clock_getres sync_file_range syncfs getcpu'.split())
def load(prof):
    db = {}; cur = None; sysc = set()
    for l in open(prof):
        p = l.split()
        if not p: continue
        if p[0] == 'db': cur = (p[1], int(p[2])); db[cur] = set()
        elif p[0] == 'window' and cur: db[cur].add(tuple(p[1:-1]))
        elif p[0] == 'syscall' and int(p[2]) > 0: sysc.add(p[1])
    st = db[('stide', 4)]
    bags = set(tuple(sorted(w)) for w in db[('bosc', 4)])
    return st, bags, sysc
def sub1(w, st, idx):
    for i in range(4):
        key = w[:i] + w[i+1:]
        if (i, key) in idx: return True
    return False
def main():
    prof = sys.argv[1]; segs = []  # boundaries file: "wall label"
    st, bags, sysc = load(prof)
    idx = set()
    for v in st:
        for i in range(4): idx.add((i, v[:i] + v[i+1:]))
    bounds = []
    if os.environ.get('BOUNDS'):
        for l in open(os.environ['BOUNDS']):
            p = l.split(); bounds.append((float(p[0]), ' '.join(p[1:])))
    grace = float(os.environ.get('GRACE_S', 10))
    schemes = {
        'default': lambda c: 1 if c in ('far', 'unseen') else (0 if G[0] else SUB1 if c == 'sub1' else .5),
        'base': lambda c: 1,
        'bag0': lambda c: 0 if c == 'bag' else 1,
        'bag.5': lambda c: .5 if c == 'bag' else 1,
        'near0': lambda c: 0 if c in ('bag', 'sub1') else 1,
        'near.5': lambda c: .5 if c in ('bag', 'sub1') else 1,
        'bag0sub.5': lambda c: 0 if c == 'bag' else (.5 if c == 'sub1' else 1),
    }
    for f in sys.argv[2:]:
        streams = {}
        T0 = None; G = [False]
        res = collections.defaultdict(lambda: collections.Counter())
        maxsc = collections.defaultdict(float)
        for l in open(f):
            p = l.split()
            if len(p) != 5 or p[1] == 'ev': continue
            t = float(p[0]) + OFF
            T0 = t if T0 is None else T0
            G[0] = t - T0 < grace
            seg = 'startup' if G[0] else 'benign'
            for b, lab in bounds:
                if t >= b: seg = lab
            key = (p[1], p[2])
            s = streams.get(key)
            if s is None:
                s = streams[key] = {'w': [], 'ring': {n: [0.0]*FRAME for n in schemes}, 'pos': 0,
                                    'recent': []}
            s['w'] = (s['w'] + [p[3]])[-4:]
            if len(s['w']) < 4: continue
            w = tuple(s['w'])
            mis = w not in st
            c = None; rep = False
            if mis:
                if p[3] not in sysc: c = 'unseen'
                elif tuple(sorted(w)) in bags: c = 'bag'
                elif sub1(w, st, idx): c = 'sub1'
                else: c = 'far'
                res[(seg, 'mis')][c] += 1
                rep = w in s['recent']
                if not rep: s['recent'] = (s['recent'] + [w])[-RECENT:]
            pos = s['pos']; s['pos'] = (pos + 1) % FRAME
            for n, fn in schemes.items():
                r = s['ring'][n]
                cc = c
                if n == 'default' and mis and c == 'unseen' and p[3] in LOW_RISK:
                    cc = 'bag' if tuple(sorted(w)) in bags else 'sub1' if sub1(w, st, idx) else 'far'
                r[pos] = (0 if n == 'default' and rep else fn(cc)) if mis else 0
                sc = sum(r)
                near = cc == 'bag' or (cc == 'sub1' and (G[0] or SUB1 < 1))
                if mis and not (n == 'default' and ((near and NEAR_QUIET and sc < 6 - 1e-9) or rep) and cc != 'unseen'):
                    unseen = cc == 'unseen'
                    if unseen or sc >= 3 - 1e-9: res[(seg, n)]['alert'] += 1
                    if unseen or (sc >= 6 - 1e-9 and not (n == 'default' and G[0])): res[(seg, n)]['act'] += 1
                    if unseen: res[(seg, n)]['unseen'] += 1
                    maxsc[(seg, n)] = max(maxsc[(seg, n)], sc if not unseen else 0)
        print('==', f)
        for k in sorted(res):
            print('  ', k, dict(res[k]), 'max', maxsc.get(k, '-'))
main()
