"""A catalog fixture written to the spec's ``Model`` shape for the kinds of models the default
(text-output) recordings lack: image, video, embedding, rerank, speech and transcription models.

No all-modalities body (``?output_modalities=all``) was recorded, so these objects are written by
hand from the OpenAPI spec (``../shared/spec``: ``Model``, ``PublicPricing``, the ``OutputModality``
enum) with the prices the issue reports for such models: an image model priced 0 per token but per
image-output token (seedream: ``image_output`` = ``image_token`` = ``"0.0000083832"``, about $0.03 for
a 3,580-token image), a video model priced per request, an embedding and a rerank model priced per
prompt token, a free speech model and a paid one. It is a fixture, not a recording: tests that use
it say so, and the facts they check are the rules, not recorded values.
"""

from __future__ import annotations

from typing import Any

SEEDREAM_IMAGE_TOKEN = "0.0000083832"


def _model(
    mid: str, inputs: list[str], outputs: list[str], pricing: dict[str, str], context: int = 32768
) -> dict[str, Any]:
    return {
        "id": mid,
        "canonical_slug": mid,
        "hugging_face_id": None,
        "name": mid.split("/")[1],
        "created": 1767225600,
        "description": "(fixture written to the spec's Model shape)",
        "context_length": context,
        "architecture": {
            "modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            "input_modalities": inputs,
            "output_modalities": outputs,
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": pricing,
        "top_provider": {"context_length": context, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None,
        "supported_parameters": [],
        "default_parameters": None,
        "supported_voices": None,
        "knowledge_cutoff": None,
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{mid}/endpoints"},
    }


def fixture_models() -> list[dict[str, Any]]:
    """One model of each kind, plus a paid and a free text model to compare with."""
    return [
        _model(
            "bytedance-seed/seedream-5-0-lite",
            ["text", "image"],
            ["image"],
            {
                "prompt": "0",
                "completion": "0",
                "image_output": SEEDREAM_IMAGE_TOKEN,
                "image_token": SEEDREAM_IMAGE_TOKEN,
            },
        ),
        _model("runway/gen-4.5", ["text", "image"], ["video"], {"prompt": "0", "completion": "0", "request": "0.25"}),
        _model(
            "openai/text-embedding-3-small", ["text"], ["embeddings"], {"prompt": "0.00000002", "completion": "0"}, 8192
        ),
        _model("voyageai/rerank-2.5", ["text"], ["rerank"], {"prompt": "0.00000005", "completion": "0"}),
        _model("deepgram/flux-tts:free", ["text"], ["speech"], {"prompt": "0", "completion": "0"}),
        _model(
            "openai/gpt-4o-mini-tts",
            ["text"],
            ["speech"],
            {"prompt": "0.0000006", "completion": "0", "audio_output": "0.000012"},
        ),
        _model(
            "openai/whisper-1", ["audio"], ["transcription"], {"prompt": "0", "completion": "0", "audio": "0.0000025"}
        ),
        _model("example/chat-small", ["text"], ["text"], {"prompt": "0.00000002", "completion": "0.00000004"}, 131072),
        _model("example/chat-small:free", ["text"], ["text"], {"prompt": "0", "completion": "0"}, 65536),
    ]


def raw_unlisted_outputs(model: dict[str, Any]) -> list[str]:
    """The generated outputs a raw model object produces without a price key for them (the test's own
    reading of the ``is_free`` rule, from the body): image needs ``image_output`` or ``image_token``,
    audio and speech ``audio_output``, any other non-text output (video, ...) a key starting with its
    name, and a ``request`` price counts for every output; text, embeddings, rerank and transcription need none, and a ``:free`` id needs none."""
    if model["id"].endswith(":free"):
        return []
    pricing = model.get("pricing") or {}
    own = {"image": ("image_output", "image_token"), "audio": ("audio_output",), "speech": ("audio_output",)}
    missing = []
    for m in (model.get("architecture") or {}).get("output_modalities") or []:
        if m in ("text", "embeddings", "rerank", "transcription"):
            continue
        keys = (*(own.get(m) or tuple(k for k in pricing if k.startswith(m))), "request")  # a fee per request prices it
        if not any(k in pricing for k in keys):
            missing.append(m)
    return missing
