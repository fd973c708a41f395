#!/usr/bin/python3
"""PyTorch baseline for Vae's training-speed comparison.

The model is the VAE of pytorch/examples (vae/main.py): 784 -> 400 ReLU -> (mu, logvar) of 20,
20 -> 400 ReLU -> 784 logits. Loss per image: Bernoulli negative log-likelihood
(binary_cross_entropy_with_logits summed over the pixels) + analytic KL(q(z|x) || N(0, I)),
averaged over the batch -- the same objective as `vae train`. Adam, lr 1e-3, batch 128.

Speed mode (default): times steady-state training steps (warm-up steps excluded) over several
repeats and prints the best as one CSV line:  framework,threads,batch_size,images_per_sec
Pixel values do not change the speed; real MNIST is used if --data holds the IDX files, otherwise
random uint8 images (the script says which on stderr).

Quality mode (--epochs N): trains N shuffled epochs on real MNIST and prints the test loss
(negative ELBO, nats/image, single-sample) after each epoch.

Run with Debian's interpreter (python3-torch 1.13.1):  /usr/bin/python3 vae_train_bench.py --threads 1
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z)))  # logits

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(logits, x, mu, logvar):
    """Mean over the batch of the per-image negative ELBO (nats/image)."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.shape[0]


def read_idx_images(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        magic, n, rows, cols = struct.unpack('>IIII', f.read(16))
        if magic != 2051:
            raise ValueError(f'{path}: not an IDX image file (magic {magic})')
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, rows * cols)


def find_idx(data_dir, stem):
    if not data_dir:
        return None
    for name in (stem, stem + '.gz'):
        p = os.path.join(data_dir, name)
        if os.path.isfile(p):
            return p
    return None


def to_float(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32) / 255.0)


def train_step(model, opt, x):
    opt.zero_grad(set_to_none=True)
    logits, mu, logvar = model(x)
    loss = loss_function(logits, x, mu, logvar)
    loss.backward()
    opt.step()
    return loss


def bench(args):
    path = find_idx(args.data, 'train-images-idx3-ubyte')
    if path:
        images = read_idx_images(path)
        source = f'real MNIST ({path})'
    else:
        images = np.random.default_rng(1).integers(0, 256, size=(60000, 784), dtype=np.uint8)
        source = 'random uint8 images (no MNIST IDX files found)'
    data = to_float(images)
    n = data.shape[0]
    bs = args.batch_size
    batches = n // bs

    torch.manual_seed(1)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    perm = torch.randperm(n)
    pos = [0]

    def next_batch():
        # Batches are gathered by index, as a shuffled DataLoader would, but without its overhead.
        i = pos[0] % batches
        pos[0] += 1
        return data.index_select(0, perm[i * bs:(i + 1) * bs])

    for _ in range(args.warmup):
        train_step(model, opt, next_batch())

    rates = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            loss = train_step(model, opt, next_batch())
        loss.item()
        dt = time.perf_counter() - t0
        rates.append(args.steps * bs / dt)
        print(f'repeat {r + 1}/{args.repeats}: {rates[-1]:.0f} images/s (loss {loss.item():.2f})', file=sys.stderr)

    env = ' '.join(f'{k}={os.environ[k]}' for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE',
                                                      'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS')
                   if k in os.environ) or '(no OPENBLAS_*/OMP_* set)'
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, batch {bs}, '
          f'{args.warmup} warm-up + {args.repeats}x{args.steps} steps, data: {source}, env: {env}; '
          f'median {sorted(rates)[len(rates) // 2]:.0f}, best {max(rates):.0f} images/s', file=sys.stderr)
    print('framework,threads,batch_size,images_per_sec')
    print(f'pytorch-{torch.__version__},{torch.get_num_threads()},{bs},{max(rates):.0f}')


def evaluate(model, test, bs):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, test.shape[0], bs):
            x = test[i:i + bs]
            logits, mu, logvar = model(x)
            total += loss_function(logits, x, mu, logvar).item() * x.shape[0]
    model.train()
    return total / test.shape[0]


def epochs(args):
    train_path = find_idx(args.data, 'train-images-idx3-ubyte')
    test_path = find_idx(args.data, 't10k-images-idx3-ubyte')
    if not (train_path and test_path):
        sys.exit(f'--epochs needs the MNIST IDX files (train-images-idx3-ubyte, t10k-images-idx3-ubyte) in --data {args.data!r}')
    train = to_float(read_idx_images(train_path))
    test = to_float(read_idx_images(test_path))
    torch.manual_seed(args.seed)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = args.batch_size
    n = train.shape[0]
    print('epoch,train_loss,test_loss,images_per_sec')
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n)
        total, seen = 0.0, 0
        t0 = time.perf_counter()
        for i in range(0, n, bs):  # last partial batch included, like shuffle=True in DataLoader
            x = train.index_select(0, perm[i:i + bs])
            total += train_step(model, opt, x).item() * x.shape[0]
            seen += x.shape[0]
        dt = time.perf_counter() - t0
        print(f'{epoch},{total / seen:.3f},{evaluate(model, test, 1000):.3f},{seen / dt:.0f}', flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--steps', type=int, default=400, help='timed steps per repeat')
    ap.add_argument('--warmup', type=int, default=50, help='untimed steps before the first repeat')
    ap.add_argument('--repeats', type=int, default=5, help='timed repeats; the best is reported')
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data', 'mnist'),
                    help='folder with the MNIST IDX files (default: the repo\'s data/mnist)')
    ap.add_argument('--epochs', type=int, default=0, help='quality mode: train N epochs on real MNIST, print test loss')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.epochs > 0:
        epochs(args)
    else:
        bench(args)


if __name__ == '__main__':
    main()
