"""Source snippets shared by the integration tests."""

import textwrap

# PAD202 at line 14, column 16: the last step of an LSTM run on a padded batch.
LAST_STEP = textwrap.dedent("""\
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)

        def forward(self, seqs):
            x = pad_sequence(seqs, batch_first=True)
            out, _ = self.lstm(x)
            return out[:, -1]
    """)
