#!/usr/bin/env python3
"""Loads a Vae checkpoint (model.safetensors) into the pytorch/examples VAE and evaluates it on the MNIST test set.

Shows that the file is a plain PyTorch state dict (names, shapes, [out, in] weights) and that PyTorch computes the
same numbers as `vae eval`: the KL term is deterministic and must agree closely; the total uses a different ε and
agrees to within Monte-Carlo noise. The safetensors file is read by hand (8-byte little-endian header length, JSON
header, raw little-endian float32), so only torch and numpy are needed.

    /usr/bin/python3 benchmarks/pytorch/check_checkpoint.py results/model.safetensors data/mnist
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


class VAE(nn.Module):
    """The model of pytorch/examples vae/main.py."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))


def read_idx_images(path):
    with open(path, "rb") as f:
        blob = f.read()
    count, rows, cols = struct.unpack(">III", blob[4:16])
    return np.frombuffer(blob[16:], dtype=np.uint8).reshape(count, rows * cols)


def main():
    checkpoint, data_dir = sys.argv[1], sys.argv[2]
    tensors, metadata = read_safetensors(checkpoint)
    model = VAE()
    model.load_state_dict(tensors, strict=True)  # fails on any missing, extra or misshapen tensor
    x = torch.from_numpy(read_idx_images(f"{data_dir}/t10k-images-idx3-ubyte").astype(np.float32) / 255.0)
    torch.manual_seed(1)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = F.binary_cross_entropy_with_logits(model.decode_logits(z), x, reduction="none").sum(dim=1)
    print(f"metadata: {metadata}")
    print(f"loaded {len(tensors)} tensors into pytorch/examples' VAE (strict)")
    print(f"test loss {float((recon + kl).mean()):.3f} = reconstruction {float(recon.mean()):.3f} + KL {float(kl.mean()):.3f}"
          " (nats per image, one ε per image)")


if __name__ == "__main__":
    main()
