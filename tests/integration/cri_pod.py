#!/usr/bin/python3
# A minimal CRI client for t_containerd (no crictl in Debian 12): runs one pod with one container
# through containerd's CRI plugin, with a runtime handler, the way kubelet would for a pod whose
# RuntimeClass names that handler. The CRI messages are encoded by hand (protobuf wire format,
# field numbers of k8s.io/cri-api runtime/v1 api.proto); only python3-grpcio is needed.
#
#   cri_pod.py SOCKET HANDLER NAMESPACE POD CONTAINER IMAGE CGROUP_PARENT TIMEOUT -- CMD...
#
# Environment: CRI_POD_ANNOTATIONS="k=v,..." (the pod's metadata.annotations),
# CRI_MOUNT="HOST:CONTAINER" (a read-only bind mount into the container).
#
# Prints "sandbox <id>", "container <id>", "exit <code>"; removes the pod before it returns.
import os
import sys
import time

import grpc


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def f_str(num, s):
    b = s.encode() if isinstance(s, str) else s
    return field(num, 2, varint(len(b)) + b)


def f_msg(num, m):
    return field(num, 2, varint(len(m)) + m)


def f_int(num, n):
    return field(num, 0, varint(n))


def parse(buf):
    """Top-level fields of a message: {num: [value, ...]} (bytes for length-delimited)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(buf, i)
        elif wire == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        out.setdefault(num, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def main():
    sock, handler, ns, pod, cname, image, cgparent, timeout = sys.argv[1:9]
    assert sys.argv[9] == "--"
    cmd = sys.argv[10:]
    ch = grpc.insecure_channel("unix://" + sock)
    ident = lambda b: b

    def call(method, req):
        f = ch.unary_unary("/runtime.v1.RuntimeService/" + method, request_serializer=ident,
                           response_deserializer=ident)
        return parse(f(req, timeout=60))

    # host network: no CNI on this node; the pod's own pid and ipc namespaces
    nsopt = f_int(1, 2)
    ann = b""
    for kv in filter(None, os.environ.get("CRI_POD_ANNOTATIONS", "").split(",")):
        k, v = kv.split("=", 1)
        ann += f_msg(7, f_str(1, k) + f_str(2, v))
    sandbox = (f_msg(1, f_str(1, pod) + f_str(2, pod + "-uid") + f_str(3, ns) + f_int(4, 0)) +
               ann +  # no hostname: host network shares the node's UTS namespace
               f_msg(8, f_str(1, cgparent) + f_msg(2, f_msg(1, nsopt))))
    r = call("RunPodSandbox", f_msg(1, sandbox) + f_str(2, handler))
    sid = r[1][0].decode()
    print("sandbox", sid, flush=True)
    try:
        ctr = (f_msg(1, f_str(1, cname) + f_int(2, 0)) + f_msg(2, f_str(1, image)) +
               b"".join(f_str(3, c) for c in cmd) + f_str(5, "/"))
        if os.environ.get("CRI_MOUNT"):
            host, path = os.environ["CRI_MOUNT"].split(":", 1)
            ctr += f_msg(7, f_str(1, path) + f_str(2, host) + f_int(3, 1))
        r = call("CreateContainer", f_str(1, sid) + f_msg(2, ctr) + f_msg(3, sandbox))
        cid = r[1][0].decode()
        print("container", cid, flush=True)
        call("StartContainer", f_str(1, cid))
        end = time.time() + float(timeout)
        while True:
            st = parse(call("ContainerStatus", f_str(1, cid))[1][0])
            if st.get(3, [0])[0] == 2:  # CONTAINER_EXITED
                print("exit", st.get(7, [0])[0], flush=True)
                break
            if time.time() > end:
                print("timeout", flush=True)
                break
            time.sleep(0.1)
        call("RemoveContainer", f_str(1, cid))
    finally:
        call("StopPodSandbox", f_str(1, sid))
        call("RemovePodSandbox", f_str(1, sid))


if __name__ == "__main__":
    main()
