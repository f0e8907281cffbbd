"""Export BLIP-2 (flan-t5-xl) into the four ONNX graphs the GPU service loads (see infra/gpu/README.md).

Run on a machine with a GPU or plenty of RAM, Python 3.10+, torch and transformers:
    pip install torch transformers onnx
    python infra/gpu/export_blip2.py --out models/genai-endpoints/blip2-flan-t5-xl-onnx

Graphs (opset 17, fp16 on CUDA, fp32 otherwise):
  vision_qformer.onnx        pixel_values [B,3,224,224] -> query_embeds [B,32,2048]
  embed_tokens.onnx          input_ids [B,T] -> inputs_embeds [B,T,2048]
  encoder_model.onnx         inputs_embeds [B,S,2048], attention_mask [B,S] -> last_hidden_state [B,S,2048]
  decoder_model_merged.onnx  optimum's merged T5 decoder (exported with optimum from the language model)
plus config.json (num_query_tokens, text_config, token ids), preprocessor_config.json and the tokenizer.
"""
import argparse
import json
import pathlib
import subprocess

import torch
from transformers import Blip2ForConditionalGeneration, Blip2Processor


class VisionQFormer(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        image_embeds = self.model.vision_model(pixel_values=pixel_values).last_hidden_state
        attention = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=image_embeds.device)
        queries = self.model.query_tokens.expand(image_embeds.shape[0], -1, -1)
        query_output = self.model.qformer(
            query_embeds=queries, encoder_hidden_states=image_embeds, encoder_attention_mask=attention
        ).last_hidden_state
        return self.model.language_projection(query_output)


class EmbedTokens(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.embed = model.language_model.get_input_embeddings()

    def forward(self, input_ids):
        return self.embed(input_ids)


class Encoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.language_model.get_encoder()

    def forward(self, inputs_embeds, attention_mask):
        return self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="Salesforce/blip2-flan-t5-xl")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    (out / "onnx").mkdir(parents=True, exist_ok=True)

    model = Blip2ForConditionalGeneration.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    processor = Blip2Processor.from_pretrained(args.model)
    d_model = model.config.text_config.d_model
    pixels = torch.randn(1, 3, 224, 224)
    ids = torch.ones(1, 8, dtype=torch.long)
    embeds = torch.randn(1, 40, d_model)
    mask = torch.ones(1, 40, dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(VisionQFormer(model), (pixels,), out / "onnx/vision_qformer.onnx", opset_version=17,
                          input_names=["pixel_values"], output_names=["query_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "query_embeds": {0: "batch_size"}})
        torch.onnx.export(EmbedTokens(model), (ids,), out / "onnx/embed_tokens.onnx", opset_version=17,
                          input_names=["input_ids"], output_names=["inputs_embeds"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "inputs_embeds": {0: "batch_size", 1: "sequence_length"}})
        torch.onnx.export(Encoder(model), (embeds, mask), out / "onnx/encoder_model.onnx", opset_version=17,
                          input_names=["inputs_embeds", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"inputs_embeds": {0: "batch_size", 1: "encoder_sequence_length"},
                                        "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                                        "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}})

    # The merged decoder with its KV cache, exactly as optimum exports seq2seq decoders.
    language_model = out / "t5"
    model.language_model.save_pretrained(language_model)
    processor.tokenizer.save_pretrained(language_model)
    subprocess.run(["optimum-cli", "export", "onnx", "--model", str(language_model), "--task",
                    "text2text-generation-with-past", str(out / "t5-onnx")], check=True)
    (out / "t5-onnx/decoder_model_merged.onnx").rename(out / "onnx/decoder_model_merged.onnx")

    processor.tokenizer.save_pretrained(out)
    processor.image_processor.save_pretrained(out)
    text = model.config.text_config
    (out / "config.json").write_text(json.dumps({
        "model_type": "blip-2",
        "num_query_tokens": model.config.num_query_tokens,
        "text_config": {"model_type": "t5", "d_model": text.d_model, "num_heads": text.num_heads, "d_kv": text.d_kv,
                        "num_decoder_layers": text.num_decoder_layers, "vocab_size": text.vocab_size},
        "decoder_start_token_id": text.decoder_start_token_id,
        "eos_token_id": text.eos_token_id,
        "pad_token_id": text.pad_token_id,
    }, indent=1))


if __name__ == "__main__":
    main()
