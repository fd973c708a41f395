#!/usr/bin/python3
"""Rewrites the metadata of a checkpoint written by `vae` before the structure change (commit ae96e30) into the
keys the current RunConfig reads, so `vae train --resume` and `vae eval` take it. Tensors are copied unchanged.

The long IWAE-table runs were started from branch iwae-prestructure (its commit a2841b7) a few minutes before the
structure landed; the two versions give the same metrics bit for bit on the same seed (checked on the slice:
epochs 1-4 of `--objective iwae --k 5 --binarize dynamic --schedule burda`).

    convert_prestructure_metadata.py IN.safetensors OUT.safetensors MNIST_DIR

MNIST_DIR holds the training files; their SHA-256 (images then labels, as RunConfig.Fingerprint) becomes
data.train_sha256. Refuses a file that already has the new keys.
"""
import gzip
import hashlib
import json
import os
import struct
import sys


def read(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        return header, f.read()


def idx_payload(path, header_bytes):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        f.read(header_bytes)
        return f.read()


def find(d, name):
    for p in (os.path.join(d, name), os.path.join(d, name + '.gz')):
        if os.path.isfile(p):
            return p
    sys.exit(f'{d}: no {name}')


def main():
    src, dst, mnist = sys.argv[1:4]
    header, blob = read(src)
    m = header['__metadata__']
    if 'data.name' in m:
        sys.exit(f'{src} already has the current keys')
    images = idx_payload(find(mnist, 'train-images-idx3-ubyte'), 16)
    labels = idx_payload(find(mnist, 'train-labels-idx1-ubyte'), 8)
    sha = hashlib.sha256(images + labels).hexdigest()
    objective, k = m.pop('train.objective', 'elbo'), int(m.pop('train.k', '1'))
    kl = {key: m.pop('train.' + key) for key in ('beta', 'kl_warmup', 'capacity', 'capacity_iters', 'gamma')}
    new = {key: m[key] for key in ('format', 'model', 'input', 'hidden', 'latent', 'activation', 'likelihood')}
    new['heads'] = ''
    new.update({key: v for key, v in m.items() if key.startswith(('optimizer', 'state.'))})
    new.update({'data.name': 'mnist', 'data.train_count': str(len(labels)), 'data.train_sha256': sha,
                'data.binarize': m.pop('train.binarize', 'none')})
    new.update({key: v for key, v in m.items() if key.startswith('train.')})
    if objective == 'iwae' or k > 1:
        new.update({'objective.k': str(k), 'objective': 'iwae' if objective == 'iwae' else 'elbo-k'})
    else:
        new.update({'objective.' + key: v for key, v in kl.items()})
        new['objective'] = 'elbo'
    for key in ('epoch', 'test_loss'):
        if key in m:
            new[key] = m[key]
    header['__metadata__'] = new
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(dst + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + blob)
    os.replace(dst + '.tmp', dst)
    epoch = new.get('state.epoch', new.get('epoch'))
    print(f'{dst}: {len(new)} metadata keys, objective {new["objective"]}, epoch {epoch}')


if __name__ == '__main__':
    main()
