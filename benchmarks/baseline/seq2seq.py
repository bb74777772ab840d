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
        self.rnn = nn.GRU(embed_size, hidden_size // 2 if bidirectional else hidden_size,
                          batch_first=True, bidirectional=bidirectional)

    def forward(self, src, src_lengths):
        embedded = self.embedding(src)  # (batch, src_len, embed)
        packed = pack_padded_sequence(
            embedded, src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, last = self.rnn(packed)  # last: (directions, batch, hidden / directions)
        outputs, _ = pad_packed_sequence(
            outputs, batch_first=True, total_length=src.size(1))  # (batch, src_len, hidden)
        context = torch.cat(list(last), dim=-1)  # the context vector: (batch, hidden)
        return outputs, context


class Decoder(nn.Module):
    """One decoding step: previous token, hidden state and context in; scores out.

    The context vector enters every step, as in Cho et al. (2014), so the decoder
    never has to carry it unchanged through its own hidden state.
    """

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.out = nn.Linear(embed_size + 2 * hidden_size, vocab_size)

    def forward(self, token, hidden, context):
        embedded = self.embedding(token)  # (batch, embed)
        hidden = self.cell(torch.cat([embedded, context], dim=-1), hidden)  # (batch, hidden)
        features = torch.cat([embedded, hidden, context], dim=-1)  # (batch, embed + 2 hidden)
        return self.out(features), hidden  # logits: (batch, vocab)


class Seq2Seq(nn.Module):
    """Encoder and decoder joined by the context vector (Sutskever et al. 2014)."""

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_size=32, hidden_size=128,
                 bidirectional=False):
        super().__init__()
        self.encoder = Encoder(src_vocab_size, embed_size, hidden_size, bidirectional)
        self.decoder = Decoder(tgt_vocab_size, embed_size, hidden_size)

    def encode(self, src, src_lengths):
        """The decoder's starting state: (hidden, context), both the context vector."""
        _, context = self.encoder(src, src_lengths)  # (batch, hidden)
        return context, context

    def decode_step(self, token, state):
        """Scores for the next token, (batch, vocab), and the new state."""
        hidden, context = state
        logits, hidden = self.decoder(token, hidden, context)
        return logits, (hidden, context)

    def forward(self, src, src_lengths, tgt_in):
        """Scores for every target position, (batch, tgt_len, vocab): teacher forcing."""
        state = self.encode(src, src_lengths)
        all_logits = []
        for t in range(tgt_in.size(1)):
            logits, state = self.decode_step(tgt_in[:, t], state)  # fed: the true token
            all_logits.append(logits)  # (batch, vocab)
        return torch.stack(all_logits, dim=1)  # (batch, tgt_len, vocab)


@torch.no_grad()
def greedy_decode(model, src, src_lengths, max_len=30):
    """Translate a batch: start from <sos>, feed back each most likely token.

    Returns ids of shape (batch, steps) with steps <= max_len; decoding stops
    early once every sentence has produced <eos>.
    """
    state = model.encode(src, src_lengths)
    token = torch.full((src.size(0),), SOS, device=src.device)  # (batch,)
    outputs = []
    finished = torch.zeros_like(token, dtype=torch.bool)  # (batch,)
    for _ in range(max_len):
        logits, state = model.decode_step(token, state)  # (batch, vocab)
        token = logits.argmax(dim=-1)  # its own prediction becomes the next input
        outputs.append(token)
        finished |= token == EOS
        if finished.all():
            break
    return torch.stack(outputs, dim=1)  # (batch, steps)


def translate(model, text, src_vocab, tgt_vocab, max_chars=60):
    """Translate one sentence; bad input gets a message in the reader's language."""
    check_text(text, src_vocab, max_chars=max_chars)
    device = next(model.parameters()).device
    src = torch.tensor([src_vocab.encode(text.strip())], device=device)  # (1, src_len)
    src_lengths = torch.tensor([src.size(1)], device=device)  # (1,)
    model.eval()
    return tgt_vocab.decode(greedy_decode(model, src, src_lengths)[0])


def decode_with_ratio(model, src, src_lengths, tgt_in, teacher_forcing_ratio):
    """Scores for every target position, feeding the true previous token with
    probability ``teacher_forcing_ratio`` and the decoder's own most likely token
    otherwise, step by step and sentence by sentence (chapter 3).

    Ratio 1 is teacher forcing (``model(src, src_lengths, tgt_in)``); ratio 0 is free
    running. Bengio et al. (2015) sample the fed-back token; this feeds the argmax.
    """
    state = model.encode(src, src_lengths)
    token = tgt_in[:, 0]  # <sos>: (batch,)
    all_logits = []
    for t in range(tgt_in.size(1)):
        logits, state = model.decode_step(token, state)  # (batch, vocab)
        all_logits.append(logits)
        if t + 1 < tgt_in.size(1):
            use_truth = torch.rand(token.shape, device=token.device) < teacher_forcing_ratio
            token = torch.where(use_truth, tgt_in[:, t + 1], logits.argmax(dim=-1))
    return torch.stack(all_logits, dim=1)  # (batch, tgt_len, vocab)
