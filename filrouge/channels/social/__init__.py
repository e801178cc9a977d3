"""Social networks behind one channel, "social": public posts and private messages.

Each network is its own folder (`channels/mastodon/`, `channels/x/`) with the
usual shape: its parse turns what the network gives into the normalised
`Message` (sender handle `@user@host` or `x:<user id>`, `is_public` set), its
transport posts an answer. This package is the one interface the channel core
sees (`PARSERS`, `SCREENS`, `SENDERS`, `ON_LANDING` in `channels.services`):

- `parse.py`: a stored payload names its network; parsed by that network.
- `transport.py`: an answer goes where the customer last wrote on the case,
  public if they posted publicly, private if they wrote privately; a public
  answer with personal data is refused (`privacy.py`).
- `flags.py`: a public post that exposes personal data is flagged (kinds only),
  with a warning and a suggested public answer on the case's timeline.
"""
