"""
Exports a DCGAN-style generator (latent 100 -> 28x28 grayscale) to the contract POST /gan/generate loads:

  <out>/generator.onnx  z float32 [batch, 100] (standard normal) -> images float32 [batch, 1, 28, 28] in [-1, 1]
  <out>/config.json     {"latent_dim": 100, "image_size": 28, "channels": 1}

  python3 infra/classic/export_gan.py --weights generator.pt --out models/user/dcgan-mnist
"""

import os

import torch
from torch import nn

from common import arguments, export, prepared, write_config


class Generator(nn.Module):
    def __init__(self, latent: int = 100) -> None:
        super().__init__()
        self.project = nn.Sequential(nn.Linear(latent, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(True))
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(True),
            nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, 128, 7, 7))


def main() -> None:
    args = arguments(__doc__, "models/user/dcgan-mnist")
    model = prepared(Generator(), args)
    export(model, (torch.zeros(2, 100),), os.path.join(args.out, "generator.onnx"), ["z"], ["images"])
    write_config(args.out, {"latent_dim": 100, "image_size": 28, "channels": 1})


if __name__ == "__main__":
    main()
