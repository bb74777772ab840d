#!/usr/bin/env python3
"""What chapter 9 can afford on the book's Korean–English corpus (its design).

    python3 benchmarks/korean_budget.py --output KOREAN_BUDGET.md

For each way of cutting the Korean (``attnlab.tokenizers``: characters, words,
morphemes, subwords) it measures, on the book's corpus (``attnlab.corpus``), the
vocabulary of the training split, the share of unknown tokens and the mean length on
the test split, and the time to cut the whole corpus; then it trains chapter 5's
attention model on each, with the same English tokens (words, punctuation apart), for
a fixed number of steps, and reports training time, BLEU and chrF (sacrebleu) of
greedy translations of the test split. Torch's default threads (the chapters'
"defaults" in RESULTS.md).
"""

import argparse
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sacrebleu  # noqa: E402
from run import machine_info, machine_markdown  # noqa: E402

import attnlab  # noqa: E402
from attnlab.alignment import attention_weights, encode_pairs  # noqa: E402
from attnlab.attention import AttentionSeq2Seq  # noqa: E402
from attnlab.batches import make_batches  # noqa: E402
from attnlab.corpus import book_pairs, gold_alignments  # noqa: E402
from attnlab.metrics import translate_pairs  # noqa: E402
from attnlab.tokenizers import (  # noqa: E402
    Characters,
    Morphemes,
    Subwords,
    TokenVocab,
    Words,
    pool_by_words,
)
from attnlab.training import train  # noqa: E402
from attnlab.vocab import UNK  # noqa: E402


class EnglishTokens:
    """English words with punctuation as tokens of its own ("I'm" -> I ' m)."""

    def tokenize(self, text):
        return re.findall(r"\w+|[^\w\s]", text)

    def detokenize(self, tokens):
        return " ".join(tokens)

    def word_ids(self, text):
        return [w for w, word in enumerate(text.split()) for _ in self.tokenize(word)]


def chrf(model, pairs, src, tgt):
    english = EnglishTokens()
    predictions = translate_pairs(model, pairs, src, tgt, max_len=40)
    references = [english.detokenize(english.tokenize(e)) for _, e in pairs]
    return sacrebleu.corpus_chrf(predictions, [references]).score


def alignment_accuracy(model, tokenizer, src, tgt):
    """Share of gold-aligned English words whose most-attended Korean word (attention
    pooled from tokens to words, teacher-forced on the reference) is the gold one."""
    hits = total = 0
    for korean, english, gold in gold_alignments():
        batch = encode_pairs([(korean, english)], src, tgt)
        weights = attention_weights(model, *batch)[0]  # (tgt tokens, src tokens)
        rows = tgt.tokenizer.word_ids(english) + [None]  # <eos> is no word
        columns = tokenizer.word_ids(korean) + [None]
        best = pool_by_words(weights, rows, columns).argmax(dim=-1).tolist()
        for j, i in enumerate(gold):
            if i is not None:
                hits, total = hits + (best[j] == i), total + 1
    return hits / total


def measure(name, tokenizer, pairs, steps, sizes, embed, hidden):
    """One tokeniser: its numbers, and the scores of models trained on it."""
    train_pairs, test_pairs = pairs
    begin = time.perf_counter()
    src = TokenVocab([k for k, _ in train_pairs], tokenizer)
    encoded = [src.encode(k, eos=False) for k, _ in test_pairs]
    cut_seconds = time.perf_counter() - begin
    tokens = sum(len(ids) for ids in encoded)
    row = {
        "tokenizer": name,
        "vocabulary": len(src),
        "unknown": sum(i == UNK for ids in encoded for i in ids) / tokens,
        "mean length": tokens / len(encoded),
        "cut (s)": cut_seconds,
    }
    english = EnglishTokens()
    tgt = TokenVocab([e for _, e in train_pairs], english)
    references = [english.detokenize(english.tokenize(e)) for _, e in test_pairs]
    for size in sizes:
        attnlab.set_seed(0)
        model = AttentionSeq2Seq(
            len(src), len(tgt), embed_size=embed, hidden_size=hidden
        )
        batches = make_batches(train_pairs[:size], src, tgt, batch_size=32, seed=0)
        history = train(model, batches, steps=steps, lr=5e-3, show_progress=False)
        predictions = translate_pairs(model, test_pairs, src, tgt, max_len=40)
        row[f"train s, {size}"] = history["seconds"]
        row[f"BLEU, {size}"] = sacrebleu.corpus_bleu(
            predictions, [references], tokenize="none", force=True
        ).score
        row[f"chrF, {size}"] = sacrebleu.corpus_chrf(predictions, [references]).score
    row["train chrF"] = chrf(model, train_pairs[:200], src, tgt)
    row["alignment"] = alignment_accuracy(model, tokenizer, src, tgt)
    return row


def report(machine, rows, steps, sizes, embed, hidden):
    columns = list(rows[0])
    lines = [
        "# Chapter 9's budgets: four ways to cut Korean, one attention model",
        "",
        "Measured by `benchmarks/korean_budget.py` (see its docstring) on the book's "
        f"corpus: {steps} training steps of 32 pairs for every model (chapter 5's "
        f"attention model, embeddings {embed}, hidden {hidden}, Adam 5e-3), trained on "
        f"the first {', '.join(map(str, sizes))} training pairs; test: 300 pairs. "
        "Unknown: the share of test tokens missing from the training vocabulary. "
        "Train chrF (on 200 training pairs) and alignment (teacher-forced, 200 "
        "gold-aligned test pairs): the model trained on the most pairs.",
        "",
        machine_markdown(machine),
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, float):
                exact = column in ("unknown", "alignment")
                value = f"{value:.3f}" if exact else f"{value:.1f}"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2582])
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--output", metavar="FILE")
    args = parser.parse_args(argv)
    attnlab.setup(lang="en", seed=0)
    pairs = (book_pairs("train"), book_pairs("test"))
    tokenizers = {
        "characters": Characters(),
        "words": Words(),
        "morphemes": Morphemes(),
        "subwords (unigram, 2000)": Subwords([k for k, _ in pairs[0]], 2000),
    }
    rows = []
    for name, tokenizer in tokenizers.items():
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.append(
            measure(
                name, tokenizer, pairs, args.steps, args.sizes, args.embed, args.hidden
            )
        )
    text = report(machine_info(), rows, args.steps, args.sizes, args.embed, args.hidden)
    print(text)
    if args.output:
        (HERE / args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
