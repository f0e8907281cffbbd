"""
Exports a small UNet that predicts the noise of 32x32 RGB samples (trained as DDPM on the offset cosine
schedule) to the contract POST /diffusion/generate loads:

  <out>/unet.onnx     sample float32 [batch, 3, 32, 32], timestep int64 [batch] (0 .. T-1)
                      -> noise_pred float32 [batch, 3, 32, 32]
  <out>/config.json   {"image_size": 32, "channels": 3, "num_train_timesteps": T,
                       "beta_schedule": "squaredcos_cap_v2"}

Samples are RGB in [-1, 1]; the schedule is ᾱ(t) = cos²(((t/T) + 0.008) / 1.008 · π/2), betas capped at 0.999.

  python3 infra/classic/export_ddpm.py --weights unet.pt --out models/user/ddpm-32
"""

import math
import os

import torch
from torch import nn

from common import arguments, export, prepared, write_config


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    angles = t.float()[:, None] * frequencies[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class Block(nn.Module):
    def __init__(self, cin: int, cout: int, tdim: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(8, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.time = nn.Linear(tdim, cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h = nn.functional.silu(self.norm1(self.conv1(x)))
        h = h + self.time(t)[:, :, None, None]
        h = nn.functional.silu(self.norm2(self.conv2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    def __init__(self, base: int = 32, tdim: int = 128) -> None:
        super().__init__()
        self.tdim = tdim
        self.time = nn.Sequential(nn.Linear(tdim, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.inp = nn.Conv2d(3, base, 3, padding=1)
        self.down1 = Block(base, base, tdim)
        self.down2 = Block(base, base * 2, tdim)
        self.mid = Block(base * 2, base * 2, tdim)
        self.up2 = Block(base * 4, base, tdim)
        self.up1 = Block(base * 2, base, tdim)
        self.out = nn.Conv2d(base, 3, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        t = self.time(timestep_embedding(timestep, self.tdim))
        h0 = self.inp(sample)
        h1 = self.down1(h0, t)  # 32x32
        h2 = self.down2(self.pool(h1), t)  # 16x16
        m = self.mid(self.pool(h2), t)  # 8x8
        u2 = self.up2(torch.cat([self.upsample(m), h2], dim=1), t)  # 16x16
        u1 = self.up1(torch.cat([self.upsample(u2), h1], dim=1), t)  # 32x32
        return self.out(u1)


def main() -> None:
    args = arguments(__doc__, "models/user/ddpm-32")
    model = prepared(UNet(), args)
    inputs = (torch.zeros(2, 3, 32, 32), torch.tensor([0, 999], dtype=torch.int64))
    export(model, inputs, os.path.join(args.out, "unet.onnx"), ["sample", "timestep"], ["noise_pred"])
    write_config(
        args.out,
        {"image_size": 32, "channels": 3, "num_train_timesteps": 1000, "beta_schedule": "squaredcos_cap_v2"},
    )


if __name__ == "__main__":
    main()
