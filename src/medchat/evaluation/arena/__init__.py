"""Arena ratings: models compared two at a time on the same questions, and rated from who won.

- ``battles``: the public Chatbot-Arena JSONL format (read streaming, write), and battles from the chat page's
  compare-mode preferences;
- ``counts``: battles coded as numbers and counted per pair of models (what every fit but online Elo reads);
- ``bt``: Bradley–Terry by maximum likelihood on the pair counts (FastChat's convention), with a weak prior only
  where the likelihood has no finite maximum;
- ``elo``: FastChat's online Elo, for comparison;
- ``bias``: whether the judge prefers the longer answer;
- ``ratings``: ``rate()``, the registry of methods (``@rating_method``) and the ``Leaderboard`` result;
- ``runner``: ``run_arena``, battles judged by a model over stored answers, stored as they complete, resumable;
- ``stored``: stored battles as ``Battle``s, battle files imported, people's preferences as battles.

``runner`` and ``stored`` open the database (SQLAlchemy), so they are imported from their modules, not here. numpy
is imported inside the functions that need it, so importing this package stays light.
"""

from medchat.evaluation.arena.battles import Battle, BattleError, from_preference, read_all, read_battles, write_battles
from medchat.evaluation.arena.bias import LengthBias, LengthBucket
from medchat.evaluation.arena.counts import BattleTable, PairCounts
from medchat.evaluation.arena.ratings import Leaderboard, Row, method_names, rate, rating_method

__all__ = ["Battle", "BattleError", "BattleTable", "Leaderboard", "LengthBias", "LengthBucket", "PairCounts", "Row",
           "from_preference", "method_names", "rate", "rating_method", "read_all", "read_battles", "write_battles"]
