"""The GRU encoder–decoder and greedy decoding (chapters 2 and 3).

Written out and explained in chapter 2, "Sequence to sequence" (Sutskever et al.
2014; Cho et al. 2014). Chapter 3 opens up the two decoding loops and mixes them
(``decode_with_ratio``).
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from attnlab.vocab import EOS, PAD, SOS, check_text


class Encoder(nn.Module):
    """Reads a padded batch of sentences; returns every hidden state and the last one.

    With ``bidirectional=True`` a second GRU reads each sentence backwards; every state
    then joins the two directions (each of half the size), as in Bahdanau et al. (2015).
    """

    def __init__(self, vocab_size, embed_size, hidden_size, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        size = hidden_size // 2 if bidirectional else hidden_size  # per direction
        self.rnn = nn.GRU(
            embed_size, size, batch_first=True, bidirectional=bidirectional
        )

    def forward(self, src, src_lengths):
        embedded = self.embedding(src)  # (batch, src_len, embed)
        packed = pack_padded_sequence(
            embedded, src_lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        # last: (directions, batch, hidden / directions)
        outputs, last = self.rnn(packed)
        # (batch, src_len, hidden), padded to the batch's src_len
        outputs, _ = pad_packed_sequence(
            outputs, batch_first=True, total_length=src.size(1)
        )
        context = torch.cat(list(last), dim=-1)  # the context vector: (batch, hidden)
        return outputs, context


class Decoder(nn.Module):
    """One decoding step: previous token's embedding, hidden state and context in; the
    step's output vector and the new hidden state out.

    The context vector enters every step, as in Cho et al. (2014), so the decoder
    never has to carry it unchanged through its own hidden state. ``self.out`` turns
    output vectors into scores over the vocabulary.
    """

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.out = nn.Linear(embed_size + 2 * hidden_size, vocab_size)

    def forward(self, embedded, hidden, context):
        # (batch, hidden)
        hidden = self.cell(torch.cat([embedded, context], dim=-1), hidden)
        # (batch, embed + 2 hidden)
        output = torch.cat([embedded, hidden, context], dim=-1)
        return output, hidden


class Seq2Seq(nn.Module):
    """Encoder and decoder joined by the context vector (Sutskever et al. 2014)."""

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_size=32, hidden_size=128,
                 bidirectional=False):  # fmt: skip
        super().__init__()
        self.encoder = Encoder(src_vocab_size, embed_size, hidden_size, bidirectional)
        self.decoder = Decoder(tgt_vocab_size, embed_size, hidden_size)

    def encode(self, src, src_lengths):
        """The decoder's starting state: (hidden, context), both the context vector."""
        _, context = self.encoder(src, src_lengths)  # (batch, hidden)
        return context, context

    def step(self, embedded, state):
        """One decoder step from the previous token's embedding: (output, state)."""
        hidden, context = state
        output, hidden = self.decoder(embedded, hidden, context)
        return output, (hidden, context)

    def decode_step(self, token, state):
        """Scores for the next token, (batch, vocab), and the new state."""
        logits, states = decode_steps(self, token.unsqueeze(1), state)  # one token
        return logits.squeeze(1), states[0]

    def forward(self, src, src_lengths, tgt_in):
        """Teacher-forced scores for every target position: (batch, tgt_len, vocab)."""
        logits, _ = decode_steps(self, tgt_in, self.encode(src, src_lengths))
        return logits


def decode_steps(model, tokens, state):
    """Feed a row of given tokens, (batch, steps), to the decoder, one step after the
    other: the scores after each, (batch, steps, vocab), and the state after each.

    The recurrence goes step by step; the embedding and the output layer, which
    nothing feeds back into, run once for all steps.
    """
    embedded = model.decoder.embedding(tokens)  # (batch, steps, embed)
    outputs, states = [], []
    for t in range(tokens.size(1)):
        output, state = model.step(embedded[:, t], state)
        outputs.append(output)  # (batch, output size)
        states.append(state)
    # (batch, steps, vocab)
    return model.decoder.out(torch.stack(outputs, dim=1)), states


def greedy_pick(logits, state):
    """Greedy decoding's choice: each sentence's most likely next token."""
    return logits.argmax(dim=-1), state  # (batch,)


@torch.no_grad()
def decode(model, src, src_lengths, max_len=30, pick=greedy_pick):
    """The decoding loop: encode, then step, feeding back the token picked each time.

    A generator: ``for token, logits, state in decode(...)`` receives each step as it
    happens: the tokens picked, (batch,), the scores they were picked from, (batch,
    vocab), and the decoder's state. It stops after ``max_len`` steps or once every
    sentence has produced <eos>. ``pick(logits, state)`` returns the next tokens and
    the state to go on from.
    """
    state = model.encode(src, src_lengths)
    token = torch.full((src.size(0),), SOS, device=src.device)  # (batch,)
    finished = torch.zeros_like(token, dtype=torch.bool)  # (batch,)
    for _ in range(max_len):
        logits, state = model.decode_step(token, state)  # (batch, vocab)
        token, state = pick(logits, state)  # its own prediction becomes the next input
        yield token, logits, state
        finished |= token == EOS
        if finished.all():
            break


def greedy_decode(model, src, src_lengths, max_len=30):
    """Translate a batch greedily: ids of shape (batch, steps), steps <= max_len."""
    tokens = [token for token, _, _ in decode(model, src, src_lengths, max_len)]
    return torch.stack(tokens, dim=1)  # (batch, steps)


def encode_sentence(model, text, src_vocab, max_chars=60):
    """One sentence as a batch of one on the model's device: src (1, src_len) and
    src_lengths (1,). Bad input gets a message in the reader's language."""
    check_text(text, src_vocab, max_chars=max_chars)
    device = next(model.parameters()).device
    src = torch.tensor([src_vocab.encode(text.strip())], device=device)  # (1, src_len)
    return src, torch.tensor([src.size(1)], device=device)  # (1,)


def translate(model, text, src_vocab, tgt_vocab, max_chars=60):
    """Translate one sentence; bad input gets a message in the reader's language."""
    src, src_lengths = encode_sentence(model, text, src_vocab, max_chars)
    model.eval()
    return tgt_vocab.decode(greedy_decode(model, src, src_lengths)[0])


def decode_with_ratio(model, src, src_lengths, tgt_in, teacher_forcing_ratio):
    """Scores for every target position, feeding the true previous token with
    probability ``teacher_forcing_ratio`` and the decoder's own most likely token
    otherwise, step by step and sentence by sentence (chapter 3).

    Ratio 1 is teacher forcing (``model(src, src_lengths, tgt_in)``); ratio 0 is free
    running. Bengio et al. (2015) sample the fed-back token; this feeds the argmax.
    """
    if teacher_forcing_ratio == 1:
        return model(src, src_lengths, tgt_in)  # every input known: no coin to toss
    state = model.encode(src, src_lengths)
    token = tgt_in[:, 0]  # <sos>: (batch,)
    all_logits = []
    for t in range(tgt_in.size(1)):
        logits, state = model.decode_step(token, state)  # (batch, vocab)
        all_logits.append(logits)
        if t + 1 < tgt_in.size(1):
            token = logits.argmax(dim=-1)  # (batch,)
            if teacher_forcing_ratio > 0:
                use_truth = (
                    torch.rand(token.shape, device=token.device) < teacher_forcing_ratio
                )
                token = torch.where(use_truth, tgt_in[:, t + 1], token)
    return torch.stack(all_logits, dim=1)  # (batch, tgt_len, vocab)
