"""What the plugin's tests share: the answers recorded on a real Moodle 4.5, and a client
that answers with one of them."""

from __future__ import annotations


class Answering:
    """A client that answers every call with one recorded answer, and counts the calls."""

    def __init__(self, answer: object) -> None:
        self.answer, self.calls = answer, 0

    def call(self, _function: str, _params: object = None) -> object:
        self.calls += 1
        return self.answer
