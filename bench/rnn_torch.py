"""PyTorch reference for bench/rnn.ts: the same model, data sizes and training loop.

Measuring only (Debian's python3-torch); never a dependency of the kit.
Debian's OpenBLAS ignores torch.set_num_threads: the caller sets
OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) to the thread count as well.
Usage: python3 bench/rnn_torch.py --cell lstm --units 128,128 --dense '' --classes 3 ...
Prints one JSON object: samples/s and ms per epoch (best epoch after a warm-up).
"""
import argparse
import json
import time

import torch


class Net(torch.nn.Module):
    def __init__(self, cell, features, units, dense, outputs):
        super().__init__()
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        widths = [features] + units
        self.rnns = torch.nn.ModuleList(rnn(widths[i], widths[i + 1], batch_first=True) for i in range(len(units)))
        widths = [units[-1]] + dense
        self.dense = torch.nn.ModuleList(torch.nn.Linear(widths[i], widths[i + 1]) for i in range(len(dense)))
        self.out = torch.nn.Linear(widths[-1], outputs)

    def forward(self, x):
        for rnn in self.rnns:
            x, _ = rnn(x)
        h = x[:, -1, :]
        for d in self.dense:
            h = torch.relu(d(h))
        return self.out(h)


def ints(text):
    return [int(v) for v in text.split(",") if v]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--units", type=ints, default=[50, 50])
    ap.add_argument("--dense", type=ints, default=[25])
    ap.add_argument("--classes", type=int, default=0, help="0: regression (MSE); else softmax cross-entropy")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = torch.randn(a.samples, a.steps, a.features)
    if a.classes:
        y = torch.randint(0, a.classes, (a.samples,))
        loss_fn = torch.nn.CrossEntropyLoss()
    else:
        y = torch.randn(a.samples, 1)
        loss_fn = torch.nn.MSELoss()
    model = Net(a.cell, a.features, a.units, a.dense, a.classes or 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def epoch():
        for i in range(0, a.samples, a.batch):
            opt.zero_grad()
            loss = loss_fn(model(x[i : i + a.batch]), y[i : i + a.batch])
            loss.backward()
            opt.step()

    epoch()  # warm-up
    times, cpu = [], []
    for _ in range(a.epochs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(times)
    print(json.dumps({
        "implementation": f"pytorch-{torch.__version__}",
        "threads": a.threads,
        "cell": a.cell,
        "samples": a.samples,
        "msPerEpoch": best * 1000,
        "samplesPerSec": a.samples / best,
        "cpuSamplesPerSec": a.samples / min(cpu),
        "epochsMs": [t * 1000 for t in times],
    }))


if __name__ == "__main__":
    main()
