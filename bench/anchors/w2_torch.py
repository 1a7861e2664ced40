#!/usr/bin/python3
"""W2's anchor: a per-peer PyTorch loop of the same workload, one thread.

32 peers on a ring k=2 with Metropolis weights, Fashion-MNIST IID (1,875 examples per peer, the
same gzip'd IDX files), LeNet-5 (conv 1->6 5x5, relu, maxpool 2; conv 6->16 5x5, relu, maxpool 2;
fc 256->120->84->10), Glorot-uniform weights and zero biases shared by all peers (as Plexus'
init: shared), SGD lr 0.1, batch 32, 1 local step a round, then every peer replaces its
parameters by the Metropolis-weighted average of its own and its neighbours'. Evaluated at the
end on the 10k test set. Prints one JSON line like bench/case.ts (peer-steps/s over the
training and gossip time, evaluation excluded).

Needs Debian's python3-torch and libopenblas0-pthread (without OpenBLAS torch falls back to the
reference BLAS and is several times slower):  apt-get install -y python3-torch libopenblas0-pthread
Run:  /usr/bin/python3 bench/anchors/w2_torch.py [--rounds 600] [--seed 1]
"""
import argparse, gzip, json, os, resource, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = '/usr/share/datasets/fashion-mnist'


def idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack('>' + 'I' * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(256, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


def metropolis_ring(n, k):
    W = np.zeros((n, n), dtype=np.float32)
    nbrs = [sorted({(i + d) % n for d in range(-k, k + 1) if d != 0}) for i in range(n)]
    for i in range(n):
        for j in nbrs[i]:
            W[i, j] = 1.0 / (1 + max(len(nbrs[i]), len(nbrs[j])))
        W[i, i] = 1.0 - W[i].sum()
    return torch.from_numpy(W)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=600)
    ap.add_argument('--peers', type=int, default=32)
    ap.add_argument('--per-peer', type=int, default=1875)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    xtr = torch.from_numpy(idx('train-images-idx3-ubyte.gz').astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    xte = torch.from_numpy(idx('t10k-images-idx3-ubyte.gz').astype(np.float32) / 255.0).unsqueeze(1)
    yte = torch.from_numpy(idx('t10k-labels-idx1-ubyte.gz').astype(np.int64))
    n, B = a.peers, 32
    perm = rng.permutation(len(ytr))[: n * a.per_peer]
    shards = [perm[p * a.per_peer:(p + 1) * a.per_peer] for p in range(n)]
    base = LeNet()
    models = [LeNet() for _ in range(n)]
    for m in models:
        m.load_state_dict(base.state_dict())
    opts = [torch.optim.SGD(m.parameters(), lr=0.1) for m in models]
    W = metropolis_ring(n, 2)
    order = [rng.permutation(s) for s in shards]
    cursor = [0] * n
    t0 = time.perf_counter()
    for _ in range(a.rounds):
        for p in range(n):
            if cursor[p] + B > len(order[p]):
                order[p] = rng.permutation(shards[p])
                cursor[p] = 0
            ix = torch.from_numpy(order[p][cursor[p]:cursor[p] + B])
            cursor[p] += B
            opts[p].zero_grad()
            F.cross_entropy(models[p](xtr[ix]), ytr[ix]).backward()
            opts[p].step()
        with torch.no_grad():
            flat = torch.stack([nn.utils.parameters_to_vector(m.parameters()) for m in models])
            mixed = W @ flat
            for p, m in enumerate(models):
                nn.utils.vector_to_parameters(mixed[p], m.parameters())
    train = time.perf_counter() - t0
    t1 = time.perf_counter()
    accs = []
    with torch.no_grad():
        for m in models:
            correct = sum(int((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum()) for i in range(0, len(yte), 1000))
            accs.append(correct / len(yte))
    ev = time.perf_counter() - t1
    steps = n * a.rounds
    print(json.dumps({
        'id': 'w2-torch', 'title': 'W2, PyTorch per-peer loop (1 thread)', 'workers': 0,
        'backend': f'torch {torch.__version__}', 'kernel': 'torch', 'peers': n, 'rounds': a.rounds,
        'peerStepsPerSecond': steps / train, 'msPerRound': 1000 * train / a.rounds,
        'finalMeanAccuracy': sum(accs) / n, 'wallSeconds': train + ev, 'evalSeconds': ev,
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'stepGflops': 0, 'busyMsByWorker': [],
    }))


if __name__ == '__main__':
    main()
