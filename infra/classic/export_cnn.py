"""
Exports a CIFAR-10 CNN of the course architecture (two 3x3 convolutions with 2x2 max pooling, two fully
connected layers, 64x64 RGB input) to the contract POST /classify-image {"model": "cifar10"} loads:

  <out>/model.onnx    pixel_values float32 [batch, 3, 64, 64] -> logits float32 [batch, 10]
  <out>/config.json   {"labels": [10 names], "image_size": 64, "mean": [3], "std": [3]}

Pixels are RGB scaled to [0, 1], then (x - mean) / std per channel: give the normalization you trained with.

  python3 infra/classic/export_cnn.py --weights cnn.pt --out models/user/cifar10-cnn
"""

import os

import torch
from torch import nn
from torch.nn import functional as F

from common import arguments, export, prepared, write_config

CIFAR10_LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class CifarCnn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32 * 16 * 16, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def main() -> None:
    args = arguments(__doc__, "models/user/cifar10-cnn")
    model = prepared(CifarCnn(), args)
    export(model, (torch.zeros(1, 3, 64, 64),), os.path.join(args.out, "model.onnx"), ["pixel_values"], ["logits"])
    write_config(args.out, {"labels": CIFAR10_LABELS, "image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3})


if __name__ == "__main__":
    main()
