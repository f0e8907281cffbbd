"""
Exports an energy-based model over 28x28 grayscale images to the two graphs POST /ebm/generate loads.
ONNX inference has no autograd, so the energy's gradient with respect to the input is written as a graph
of its own: the network's backward pass by the chain rule (transposed convolutions and SiLU derivatives),
checked here against torch.autograd before anything is written.

  <out>/energy.onnx    x float32 [batch, 1, 28, 28] in [-1, 1] -> energy float32 [batch] (lower: more likely)
  <out>/gradient.onnx  x float32 [batch, 1, 28, 28] -> gradient float32 [batch, 1, 28, 28] = dE/dx
  <out>/config.json    {"image_size": 28, "channels": 1}

  python3 infra/classic/export_ebm.py --weights energy.pt --out models/user/ebm-mnist
"""

import os

import torch
from torch import nn
from torch.nn import functional as F

from common import arguments, export, prepared, write_config


def silu_derivative(h: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(h)
    return s + h * s * (1 - s)


class EnergyNet(nn.Module):
    """Two strided convolutions and two fully connected layers, SiLU between them: E(x) is one number."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, stride=2, padding=1)  # 28 -> 14
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)  # 14 -> 7
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h1 = self.conv1(x)
        h2 = self.conv2(F.silu(h1))
        h3 = self.fc1(torch.flatten(F.silu(h2), 1))
        return self.fc2(F.silu(h3)).squeeze(1)


class EnergyGradient(nn.Module):
    """dE/dx of an EnergyNet, written out: what autograd would compute, as plain operations ONNX can hold."""

    def __init__(self, energy: EnergyNet) -> None:
        super().__init__()
        self.energy = energy

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.energy
        h1 = e.conv1(x)
        h2 = e.conv2(F.silu(h1))
        h3 = e.fc1(torch.flatten(F.silu(h2), 1))
        d_h3 = e.fc2.weight.expand(x.shape[0], -1) * silu_derivative(h3)
        d_a2 = (d_h3 @ e.fc1.weight).view(-1, 32, 7, 7)
        d_h2 = d_a2 * silu_derivative(h2)
        d_a1 = F.conv_transpose2d(d_h2, e.conv2.weight, stride=2, padding=1, output_padding=1)
        d_h1 = d_a1 * silu_derivative(h1)
        return F.conv_transpose2d(d_h1, e.conv1.weight, stride=2, padding=1, output_padding=1)


def check_against_autograd(energy: EnergyNet, gradient: EnergyGradient) -> None:
    x = (torch.rand(3, 1, 28, 28) * 2 - 1).requires_grad_(True)
    (expected,) = torch.autograd.grad(energy(x).sum(), x)
    actual = gradient(x.detach())
    if not torch.allclose(actual, expected, atol=1e-5, rtol=1e-4):
        raise SystemExit(f"the gradient graph differs from autograd by {(actual - expected).abs().max():.3g}")


def main() -> None:
    args = arguments(__doc__, "models/user/ebm-mnist")
    energy = prepared(EnergyNet(), args)
    gradient = EnergyGradient(energy).eval()
    check_against_autograd(energy, gradient)
    example = (torch.zeros(2, 1, 28, 28),)
    export(energy, example, os.path.join(args.out, "energy.onnx"), ["x"], ["energy"])
    export(gradient, example, os.path.join(args.out, "gradient.onnx"), ["x"], ["gradient"])
    write_config(args.out, {"image_size": 28, "channels": 1})


if __name__ == "__main__":
    main()
