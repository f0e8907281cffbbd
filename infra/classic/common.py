"""What every export of infra/classic shares: its arguments, its weights, and writing a model folder."""

import argparse
import json
import os
import sys

import torch


def arguments(description: str, default_out: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=default_out, help="the model folder to write (under MODEL_ROOT)")
    parser.add_argument("--weights", help="a state_dict saved with torch.save(model.state_dict(), path)")
    parser.add_argument(
        "--random-weights",
        action="store_true",
        help="export random weights (a contract check, not a model): without --weights this is required",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    args = parser.parse_args()
    if not args.weights and not args.random_weights:
        parser.error("give --weights PATH, or --random-weights to export an untrained model")
    return args


def prepared(model: torch.nn.Module, args: argparse.Namespace) -> torch.nn.Module:
    """The model with its trained weights (or seeded random ones), in eval mode."""
    torch.manual_seed(args.seed)
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    else:
        print("exporting RANDOM weights: the images and labels will mean nothing", file=sys.stderr)
    return model.eval()


def export(module: torch.nn.Module, inputs: tuple, path: str, input_names: list, output_names: list) -> None:
    """One graph, batch dimension dynamic on every input and output, opset 17."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            module,
            inputs,
            path,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes={name: {0: "batch"} for name in input_names + output_names},
            opset_version=17,
        )


def write_config(folder: str, config: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as file:
        json.dump(config, file, indent=1)
    print(f"wrote {folder}")
