"""PyTorch reference for bench/rnn.ts: the same model and data sizes, one CPU thread.

Measuring only (Debian's python3-torch); never a dependency of the kit.
Usage: python3 bench/rnn_torch.py [--samples 1024] [--epochs 3] [--cell lstm|gru]
Prints one JSON object: samples/s and ms per epoch (best epoch after a warm-up).
"""
import argparse
import json
import time

import torch


class Net(torch.nn.Module):
    def __init__(self, cell, features, units):
        super().__init__()
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn1 = rnn(features, units, batch_first=True)
        self.rnn2 = rnn(units, units, batch_first=True)
        self.dense1 = torch.nn.Linear(units, 25)
        self.dense2 = torch.nn.Linear(25, 1)

    def forward(self, x):
        h, _ = self.rnn1(x)
        h, _ = self.rnn2(h)
        return self.dense2(torch.relu(self.dense1(h[:, -1, :])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(a.samples, a.steps, a.features)
    y = torch.randn(a.samples, 1)
    model = Net(a.cell, a.features, a.units)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    def epoch():
        for i in range(0, a.samples, a.batch):
            opt.zero_grad()
            loss = loss_fn(model(x[i : i + a.batch]), y[i : i + a.batch])
            loss.backward()
            opt.step()

    epoch()  # warm-up
    times = []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(json.dumps({
        "implementation": f"pytorch-{torch.__version__}-1thread",
        "cell": a.cell,
        "samples": a.samples,
        "msPerEpoch": best * 1000,
        "samplesPerSec": a.samples / best,
        "epochsMs": [t * 1000 for t in times],
    }))


if __name__ == "__main__":
    main()
