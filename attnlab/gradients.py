"""How much gradient reaches each step of a recurrent encoder (chapter 4)."""

import torch


def gradient_norms(rnn, inputs, loss_fn):
    """‖∂loss/∂h_t‖ for every step t, averaged over the batch: shape (steps,).

    ``rnn`` is an ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` (batch_first); ``inputs`` is
    (batch, steps, features); ``loss_fn(last_hidden)`` computes the loss from the last
    hidden state, (batch, hidden). The sequence is run one step at a time so that
    every hidden state is a node whose gradient we can read. Like any backward pass,
    it adds to the ``.grad`` of the parameters involved: zero them before training.
    """
    state, hiddens = None, []
    for t in range(inputs.size(1)):
        _, state = rnn(inputs[:, t : t + 1], state)
        # (layers, batch, hidden)
        hidden = state[0] if isinstance(state, tuple) else state
        hidden.retain_grad()
        hiddens.append(hidden)
    loss_fn(hiddens[-1][-1]).backward()
    return torch.stack([h.grad[-1].norm(dim=-1).mean() for h in hiddens]).detach()
