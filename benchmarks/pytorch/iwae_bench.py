#!/usr/bin/python3
"""PyTorch twin of `vae train --objective elbo|iwae --k K --binarize dynamic` on Burda et al.'s model.

The model of Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders" (ICLR 2016), one stochastic
layer: 784 -> 200 tanh -> 200 tanh -> (mu, logvar) of 50;  50 -> 200 tanh -> 200 tanh -> 784 Bernoulli logits.
Parameter names are Vae's (encoder.0, encoder.1, fc_mu, fc_logvar, decoder.0, decoder.1, fc_out), so a Vae
checkpoint loads with load_state_dict(strict=True).

Objectives, per image, with z_k = mu + sigma * eps_k (each image encoded once, its mu/sigma reused for K samples):
  iwae: -log (1/K) sum_k w_k,  log w_k = log p(x|z_k) + log N(z_k; 0, I) - log N(z_k; mu, sigma^2)
  elbo: (1/K) sum_k [-log p(x|z_k)] + KL(q(z|x) || N(0, I))  (analytic KL; the "VAE k" of the paper)
Dynamic binarisation: every batch draws x ~ Bernoulli(pixel intensity). Adam (beta 0.9, 0.999, eps 1e-4).

Speed mode (default): steady-state training steps at --batch-size (default 20, the paper's), warm-up excluded,
best of --repeats, printed as CSV  framework,threads,batch_size,k,objective,images_per_sec
Eval mode (--checkpoint F): the importance-weighted estimate of -log p(x) with --eval-k samples on the 10,000
test digits binarised exactly as `vae` does (Data/Binarization.Once, seed 20160101; reimplemented below) when the
checkpoint's data.binarize is dynamic, else on their grey levels as `vae eval`; any number of hidden layers (2 or
more: the encoder.I names), relu or tanh as the checkpoint says.

Run with Debian's interpreter (python3-torch 1.13):  /usr/bin/python3 iwae_bench.py --threads 1 --k 1
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class BurdaVae(nn.Module):
    def __init__(self, hidden=(200, 200), latent=50, act=torch.tanh):
        super().__init__()
        self.act = act
        dims = [784, *hidden]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.fc_mu = nn.Linear(hidden[-1], latent)
        self.fc_logvar = nn.Linear(hidden[-1], latent)
        back = [latent, *reversed(hidden)]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back[:-1], back[1:]))
        self.fc_out = nn.Linear(hidden[0], 784)

    def encode(self, x):
        h = x
        for layer in self.encoder:
            h = self.act(layer(h))
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z):
        h = z
        for layer in self.decoder:
            h = self.act(layer(h))
        return self.fc_out(h)


def loss(model, x, k, objective):
    """Mean over the batch of the per-image loss (nats); x (B,784) binary."""
    mu, logvar = model.encode(x)                                 # (B,J): each image encoded once
    b, j = mu.shape
    eps = torch.randn(b, k, j)
    std = torch.exp(0.5 * logvar)
    z = mu.unsqueeze(1) + std.unsqueeze(1) * eps                 # (B,K,J)
    logits = model.decode(z.reshape(b * k, j))
    xk = x.unsqueeze(1).expand(b, k, 784).reshape(b * k, 784)
    recon = F.binary_cross_entropy_with_logits(logits, xk, reduction='none').sum(1).view(b, k)  # -log p(x|z_k)
    if objective == 'elbo':
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
        return (recon.mean(1) + kl).mean()
    log_pz = -0.5 * (z * z).sum(2)                               # the -J/2 log 2pi of p and q cancel
    log_qz = -0.5 * (eps * eps).sum(2) - 0.5 * logvar.sum(1, keepdim=True)
    log_w = -recon + log_pz - log_qz
    return -(torch.logsumexp(log_w, 1) - math.log(k)).mean()


def read_idx_images(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        magic, n, rows, cols = struct.unpack('>IIII', f.read(16))
        if magic != 2051:
            raise ValueError(f'{path}: not an IDX image file (magic {magic})')
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, rows * cols)


def find_idx(data_dir, stem):
    for name in (stem, stem + '.gz'):
        p = os.path.join(data_dir, name)
        if os.path.isfile(p):
            return p
    return None


M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(z):
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic), as Vae's Data/Binarization.Mix."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def binarize_once(images_u8, seed=20160101):
    """Vae's fixed binary test set (Binarization.Once): pixel i of image r is 1 iff u * 255 < byte * 2^32, u the low
    (even i) or high (odd i) 32 bits of mix(key_r + c * 0xD1B54A32D192ED03), c = i // 2 + 1."""
    n, d = images_u8.shape
    with np.errstate(over='ignore'):
        key = mix(mix(np.uint64(seed) ^ np.uint64(0x6A09E667F3BCC909)) + np.arange(n, dtype=np.uint64))  # use 0
        c = np.arange(1, d // 2 + 1, dtype=np.uint64)
        r = mix(key[:, None] + c[None, :] * np.uint64(0xD1B54A32D192ED03))                          # (n, d/2)
    u = np.empty((n, d), dtype=np.uint64)
    u[:, 0::2] = r & np.uint64(0xFFFFFFFF)
    u[:, 1::2] = r >> np.uint64(32)
    return (u * np.uint64(255) < images_u8.astype(np.uint64) << np.uint64(32)).astype(np.uint8)


def bench(args):
    path = find_idx(args.data, 'train-images-idx3-ubyte')
    images = read_idx_images(path) if path else np.random.default_rng(1).integers(0, 256, (60000, 784), np.uint8)
    data = torch.from_numpy(images.astype(np.float32) / 255.0)
    n, bs = data.shape[0], args.batch_size
    batches = n // bs
    torch.manual_seed(1)
    model = BurdaVae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-4)
    perm = torch.randperm(n)
    pos = [0]

    def step():
        i = pos[0] % batches
        pos[0] += 1
        x = torch.bernoulli(data.index_select(0, perm[i * bs:(i + 1) * bs]))   # dynamic binarisation
        opt.zero_grad(set_to_none=True)
        l = loss(model, x, args.k, args.objective)
        l.backward()
        opt.step()
        return l

    for _ in range(args.warmup):
        step()
    rates = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            l = step()
        l.item()
        rates.append(args.steps * bs / (time.perf_counter() - t0))
        print(f'repeat {r + 1}/{args.repeats}: {rates[-1]:.0f} images/s (loss {l.item():.2f})', file=sys.stderr)
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, batch {bs}, k {args.k}, {args.objective}, '
          f'{"MNIST" if path else "random images"}; median {sorted(rates)[len(rates) // 2]:.0f}, '
          f'best {max(rates):.0f} images/s', file=sys.stderr)
    print('framework,threads,batch_size,k,objective,images_per_sec')
    print(f'pytorch-{torch.__version__},{torch.get_num_threads()},{bs},{args.k},{args.objective},{max(rates):.0f}')


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, info in header.items():
        a, b = info['data_offsets']
        tensors[name] = torch.from_numpy(np.frombuffer(blob[a:b], dtype='<f4').copy()).view(*info['shape'])
    return tensors, meta


def evaluate(args):
    tensors, meta = load_safetensors(args.checkpoint)
    # This module is a VAE of 784 Bernoulli pixels with named hidden layers (encoder.I, decoder.I): refuse the rest
    # rather than evaluate another model (relu weights through tanh, say) without a word.
    need = {'model': 'vae', 'input': '784', 'likelihood': 'bernoulli', 'heads': ''}
    wrong = [f'{k} {meta.get(k)!r}' for k, v in need.items() if meta.get(k, v) != v]
    if meta.get('activation') not in ('tanh', 'relu'):
        wrong.append(f"activation {meta.get('activation')!r}")
    if 'encoder.0.weight' not in tensors:
        wrong.append('one hidden layer (the fc1 ... fc4 names; this script needs two or more)')
    if wrong:
        print(f'{args.checkpoint}: not a model this script evaluates: {", ".join(wrong)}', file=sys.stderr)
        sys.exit(2)
    test_file = find_idx(args.data, 't10k-images-idx3-ubyte')
    if test_file is None:
        print(f'{args.data}: no t10k-images-idx3-ubyte[.gz] (give --data the MNIST folder)', file=sys.stderr)
        sys.exit(2)
    hidden = tuple(int(h) for h in meta['hidden'].split(','))
    model = BurdaVae(hidden, int(meta['latent']), torch.tanh if meta['activation'] == 'tanh' else torch.relu)
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(('optimizer.', 'state.'))},
                          strict=True)
    test = torch.from_numpy(read_idx_images(test_file).astype(np.float32) / 255.0)
    if meta.get('data.binarize') == 'dynamic':   # the fixed binary test set of `vae eval`; else grey levels, as Vae
        test = torch.from_numpy(binarize_once(read_idx_images(test_file))).float()
    if args.images:
        test = test[:args.images]
    torch.manual_seed(args.seed)
    total, t0 = 0.0, time.perf_counter()
    with torch.no_grad():
        for i in range(test.shape[0]):
            total += loss(model, test[i:i + 1], args.eval_k, 'iwae').item()
            if (i + 1) % 500 == 0:
                print(f'{i + 1}/{test.shape[0]}: {total / (i + 1):.3f} ({time.perf_counter() - t0:.0f} s)',
                      file=sys.stderr)
    print(f'-log p(x) ~ {total / test.shape[0]:.3f} nats (K = {args.eval_k}, {test.shape[0]} test digits)')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    ap.add_argument('--batch-size', type=int, default=20)
    ap.add_argument('--k', type=int, default=1, help='samples of z per image')
    ap.add_argument('--objective', choices=('elbo', 'iwae'), default='iwae')
    ap.add_argument('--steps', type=int, default=1000, help='timed steps per repeat')
    ap.add_argument('--warmup', type=int, default=100, help='untimed steps before the first repeat')
    ap.add_argument('--repeats', type=int, default=5, help='timed repeats; the best is reported')
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data',
                                                   'mnist'))
    ap.add_argument('--checkpoint', help='eval mode: a Vae checkpoint of this model')
    ap.add_argument('--images', type=int, default=0, help='eval mode: only the first N test digits')
    ap.add_argument('--eval-k', type=int, default=5000)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.checkpoint:
        evaluate(args)
    else:
        bench(args)


if __name__ == '__main__':
    main()
