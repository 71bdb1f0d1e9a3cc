"""A tiny random Llama chat model written to disk, for offline tests and benchmarks of ``local/``.

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few sentences and the
weights are random. The ``lm_head`` rows of the special tokens are zeroed, so greedy decoding never
picks them (every other logit is random, so the maximum is almost surely positive): answers run to
``max_tokens`` and always contain visible text, which makes lengths and finish reasons predictable.
"""

from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = ["<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}<|system|>\n"
    "{% elif message['role'] == 'user' %}<|user|>\n"
    "{% else %}<|assistant|>\n{% endif %}"
    "{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

CORPUS = [
    "The patient reports a headache and mild fever since yesterday.",
    "Take the medication twice a day with food and plenty of water.",
    "Blood pressure is normal; heart rate is slightly elevated.",
    "Please consult a doctor if the symptoms persist for more than three days.",
    "Hello! How can I help you today? I am a medical assistant.",
    "Allergies: penicillin. Current medications: none. Vaccinations up to date.",
]


def build_tiny_llama(path: Path, *, seed: int = 0, with_chat_template: bool = True) -> Path:
    """Write a tokenizer and a 2-layer Llama (hidden size 32) to ``path``; returns ``path``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    raw.train_from_iterator(CORPUS, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                        additional_special_tokens=SPECIAL_TOKENS[3:])
    if with_chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(path)

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=False,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        special_ids = tokenizer.convert_tokens_to_ids(SPECIAL_TOKENS)
        model.lm_head.weight[special_ids] = 0.0
    model.save_pretrained(path)
    return path
