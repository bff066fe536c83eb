"""What the spam classifier can tell admins and operators about itself: trained or not. No I/O.

An untrained model scores every message 0 and so flags nothing; saying so (in /modconfig and
in the start-up log), with how to teach it, is the difference between "no spam here" and "the
filter is not working yet".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.spam.model import SpamModel

# How to teach it, for the operator's log (admins get the translated sentence).
TEACH_HINT = (
    "name samples files in the config (moderation.spam_samples and moderation.ham_samples) "
    "or reply /spam to spam and /notspam to normal messages in a group"
)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """How many spam and ham samples the model has learned from."""

    spam: int
    ham: int

    @property
    def trained(self) -> bool:
        """Whether it scores at all: it needs examples of both kinds."""
        return self.spam > 0 and self.ham > 0

    @property
    def total(self) -> int:
        """All the samples it learned from."""
        return self.spam + self.ham


def status_of(model: SpamModel) -> ModelStatus:
    """The status of a model, as it is now (verdicts learned since start-up count)."""
    ham, spam = model.counts
    return ModelStatus(spam=spam, ham=ham)


def notice(status: ModelStatus) -> tuple[str, dict[str, int]]:
    """The catalog key and values of the sentence that tells admins the model's state."""
    values = {"spam": status.spam, "ham": status.ham, "total": status.total}
    if status.trained:
        return "spam.model_trained", values
    if status.total:
        return "spam.model_partial", values
    return "spam.model_untrained", values


def startup_log(status: ModelStatus) -> tuple[int, str]:
    """The level and text of the start-up log line about the model."""
    if status.trained:
        return logging.INFO, (
            f"spam classifier trained on {status.total} samples "
            f"({status.spam} spam, {status.ham} ham)"
        )
    learned = f" (it has {status.spam} spam and {status.ham} ham)" if status.total else ""
    return logging.WARNING, (
        f"spam classifier is untrained and flags nothing{learned}: it needs spam and ham "
        f"samples; {TEACH_HINT}"
    )
