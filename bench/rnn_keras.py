"""Keras (TensorFlow CPU) reference for bench/rnn.ts: same model, sizes and loop.

Measuring only (the /work/venv tensorflow-cpu); never a dependency of the kit.
Takes the same arguments as rnn_torch.py and prints the same JSON fields.
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def ints(text):
    return [int(v) for v in text.split(",") if v]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--units", type=ints, default=[50, 50])
    ap.add_argument("--dense", type=ints, default=[25])
    ap.add_argument("--classes", type=int, default=0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    a = ap.parse_args()
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(0)
    rnn = tf.keras.layers.LSTM if a.cell == "lstm" else tf.keras.layers.GRU
    layers = [tf.keras.Input((a.steps, a.features))]
    for i, u in enumerate(a.units):
        layers.append(rnn(u, return_sequences=i < len(a.units) - 1))
    layers += [tf.keras.layers.Dense(d, activation="relu") for d in a.dense]
    layers.append(tf.keras.layers.Dense(a.classes or 1, activation="softmax" if a.classes else None))
    model = tf.keras.Sequential(layers)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.samples, a.steps, a.features), dtype=np.float32)
    if a.classes:
        y = rng.integers(0, a.classes, a.samples)
        model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    else:
        y = rng.standard_normal((a.samples, 1), dtype=np.float32)
        model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse")
    model.fit(x, y, batch_size=a.batch, epochs=1, shuffle=False, verbose=0)  # warm-up and tracing
    times, cpu = [], []
    for _ in range(a.epochs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=a.batch, epochs=1, shuffle=False, verbose=0)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(times)
    print(json.dumps({
        "implementation": f"keras-tensorflow-{tf.__version__}",
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
