"""PyTorch reference for bench/transformer.ts: the kit's Transformer network at the same shape.

Same graph as src/models/nn/architecture.ts: Dense projection to d_model, sinusoidal
positions, post-norm encoder blocks (self-attention, feed-forward with ReLU, each with
residual, dropout and LayerNorm eps 1e-6), mean pooling over steps, sigmoid head with binary
cross-entropy, Adam. Measuring only (Debian's python3-torch); never a dependency of the kit.
Run with OPENBLAS_NUM_THREADS=1 for a true one-thread figure (Debian's OpenBLAS ignores
torch.set_num_threads). Prints one JSON object: samples/s and wall ms per epoch (best epoch
after a warm-up epoch), and the best epoch's CPU ms (steadier on a loaded machine).
"""
import argparse
import json
import math
import time

import torch


class Block(torch.nn.Module):
    def __init__(self, d, heads, ff, dropout):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(d, heads, dropout=0.0, batch_first=True)
        self.norm1 = torch.nn.LayerNorm(d, eps=1e-6)
        self.ff1 = torch.nn.Linear(d, ff)
        self.ff2 = torch.nn.Linear(ff, d)
        self.norm2 = torch.nn.LayerNorm(d, eps=1e-6)
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, x):
        a, _ = self.attention(x, x, x, need_weights=False)
        x = self.norm1(x + self.drop(a))
        f = self.ff2(torch.relu(self.ff1(x)))
        return self.norm2(x + self.drop(f))


class Net(torch.nn.Module):
    def __init__(self, steps, features, d, heads, layers, ff, dropout):
        super().__init__()
        self.proj = torch.nn.Linear(features, d)
        pe = torch.zeros(steps, d)
        for pos in range(steps):
            for i in range(d):
                angle = pos / math.pow(10000, (2 * (i // 2)) / d)
                pe[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
        self.register_buffer("pe", pe)
        self.blocks = torch.nn.ModuleList([Block(d, heads, ff, dropout) for _ in range(layers)])
        self.out = torch.nn.Linear(d, 1)

    def forward(self, x):
        h = self.proj(x) + self.pe
        for b in self.blocks:
            h = b(h)
        return self.out(h.mean(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--features", type=int, default=95)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--ff", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(a.samples, a.steps, a.features)
    y = (torch.rand(a.samples, 1) > 0.5).float()
    model = Net(a.steps, a.features, a.d_model, a.heads, a.layers, a.ff, a.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch():
        model.train()
        for i in range(0, a.samples, a.batch):
            opt.zero_grad()
            loss = loss_fn(model(x[i : i + a.batch]), y[i : i + a.batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    epoch()  # warm-up
    times = []
    cpu = []
    for _ in range(a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        epoch()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(times)
    print(json.dumps({
        "implementation": f"pytorch-{torch.__version__}-1thread",
        "samples": a.samples,
        "msPerEpoch": best * 1000,
        "samplesPerSec": a.samples / best,
        "epochsMs": [t * 1000 for t in times],
        "cpuMsPerEpoch": min(cpu) * 1000,
    }))


if __name__ == "__main__":
    main()
