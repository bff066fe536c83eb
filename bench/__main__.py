"""``python -m bench [--schedule|--autoreply|...]`` is ``python -m bot bench ...``.

``python -m bench spam-eval --train F [--eval F]`` is ``python -m bot spam-eval ...``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bench.cli import SPAM_EVAL
from bot.__main__ import main


def shell_arguments(argv: Sequence[str]) -> list[str]:
    """The same request in the words of ``python -m bot``."""
    if argv[:1] == [SPAM_EVAL.name]:
        return list(argv)
    return ["bench", *argv]


if __name__ == "__main__":
    sys.exit(main(shell_arguments(sys.argv[1:])))
