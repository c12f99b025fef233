"""The answer engine: one way to turn a question into a grounded, cited answer, used by the
CLI, the web chat, Slack and the evaluations."""

from bot.answer.engine import AnswerEngine
from bot.answer.models import Answer, Citation, QuestionError

__all__ = ["Answer", "AnswerEngine", "Citation", "QuestionError"]
