"""Text for a language model to learn: first names, and their characters as tokens.

``load_names()`` reads the 5,163 first names that ship with this package: the first-name
lists of the 1990 US Census, which are in the public domain (``tinygrad_edu/datasets/
README.md`` says where the file comes from). ``CharTokenizer`` turns a name into numbers,
one token per character, with one more token, BOS, for "a name begins" and "a name ends":

    >>> from tinygrad_edu.training.text import CharTokenizer, load_names
    >>> names = load_names()
    >>> tokens = CharTokenizer(names)
    >>> tokens.encode("emma")
    [26, 4, 12, 12, 0, 26]
    >>> tokens.decode([4, 12, 12, 0])
    'emma'

This module uses the standard library only: the GPT of ``tinygrad_edu.nn.gpt`` trains on
it without NumPy (in a browser, for one).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

__all__ = ["CharTokenizer", "load_names"]


def load_names() -> list[str]:
    """The 5,163 distinct first names of the 1990 US Census (public domain), lowercase
    letters a-z only, in alphabetical order: ``['aaron', 'abbey', ...]``. Shuffle them
    yourself (``random.Random(seed).shuffle(names)``) to train on them in a random order."""
    source = resources.files("tinygrad_edu").joinpath("datasets").joinpath("names.txt")
    return source.read_text(encoding="ascii").split()


class CharTokenizer:
    """Characters as tokens: each distinct character of ``texts`` gets a number, in sorted
    order (``'a'`` is 0 for the names), and one more number, ``bos``, stands for the
    boundary of a text (its beginning or its end), so that a model can learn both how a
    name starts and when it stops. ``vocab_size`` counts them all."""

    def __init__(self, texts: Iterable[str]) -> None:
        if isinstance(texts, str):
            raise TypeError("CharTokenizer needs a list of texts, e.g. load_names(); a single "
                            "string would make every character a text of its own")
        self.chars: list[str] = sorted(set("".join(texts)))
        if not self.chars:
            raise ValueError("CharTokenizer: got no characters to make tokens of (an empty list, "
                             "or only empty strings)")
        self.bos = len(self.chars)  # the boundary token: after every character
        self.vocab_size = len(self.chars) + 1
        self._ids = {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> list[int]:
        """``[bos, id of text[0], ..., id of text[-1], bos]``: the text between two
        boundaries."""
        unknown = sorted({c for c in text if c not in self._ids})
        if unknown:
            raise ValueError(f"CharTokenizer.encode: {text!r} has characters the tokenizer "
                             f"was not made with: {''.join(unknown)!r} (it knows "
                             f"{''.join(self.chars)!r})")
        return [self.bos, *(self._ids[c] for c in text), self.bos]

    def decode(self, tokens: Iterable[int]) -> str:
        """The characters of ``tokens``; the boundary token ``bos`` is left out."""
        text = []
        for t in tokens:
            if t == self.bos:
                continue
            if not (isinstance(t, int) and 0 <= t < self.bos):
                raise ValueError(f"CharTokenizer.decode: {t!r} is no token; tokens are the "
                                 f"ints 0 to {self.bos}")
            text.append(self.chars[t])
        return "".join(text)

    def __repr__(self) -> str:
        return f"CharTokenizer({''.join(self.chars)!r} + bos = {self.bos})"
