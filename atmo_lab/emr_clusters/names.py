"""Docker-style ``adjective-scientist-NNNN`` cluster identifiers, de-duplicated as ATMO did."""

from __future__ import annotations

import random
from collections.abc import Callable

ADJECTIVES = (
    "admiring", "bold", "brave", "clever", "compassionate", "confident", "dazzling", "eager",
    "ecstatic", "elegant", "epic", "festive", "focused", "friendly", "gallant", "gifted",
    "happy", "hopeful", "inspiring", "jolly", "keen", "kind", "laughing", "loving", "lucid",
    "magical", "modest", "nifty", "nostalgic", "optimistic", "peaceful", "quirky", "relaxed",
    "serene", "sharp", "stoic", "tender", "trusting", "vibrant", "wizardly", "youthful", "zealous",
)  # fmt: skip
SCIENTISTS = (
    "agnesi", "babbage", "bell", "blackwell", "bohr", "curie", "darwin", "einstein", "euler",
    "faraday", "fermi", "franklin", "galileo", "goodall", "hamilton", "hawking", "hopper",
    "hypatia", "johnson", "kepler", "knuth", "lamarr", "lovelace", "mcclintock", "meitner",
    "mirzakhani", "newton", "noether", "pasteur", "ritchie", "shannon", "sinoussi", "tesla",
    "thompson", "torvalds", "turing", "wilson", "wozniak", "yalow", "yonath",
)  # fmt: skip
MAX_LENGTH = 100


def random_name(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(SCIENTISTS)}-{rng.randrange(10000):04d}"


def deduplicate(name: str, is_taken: Callable[[str], bool]) -> str:
    """``name`` if free, else its trailing number replaced by 2, 3, … (ATMO's rule)."""
    if not is_taken(name):
        return name
    stem = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[-1].isdigit() else name
    counter = 2
    while True:
        suffix = f"-{counter}"
        candidate = stem[: MAX_LENGTH - len(suffix)] + suffix
        if not is_taken(candidate):
            return candidate
        counter += 1
