"""Pure text and coding analysis: plain data in, plain data out, no ORM.

Services and selectors adapt rows to the tuples these functions take; views, the
API and Celery tasks reach them only through those. Sentences and paragraphs
(``coding.textunits``) and alias matching (``coding.aliases``) are the core's, since
other apps use them too. Modules:

``words``         tokens, stop lists, Snowball stemming, word frequencies
``mentions``      actor mentions under all their aliases
``cooccurrence``  code co-occurrence by overlap or by speaker turn, with Jaccard
``matrix``        matrix coding queries (codes × attribute values / documents / coders)
``autocode``      text search for auto-coding, expanded to sentence or turn
"""

from analysis.text.autocode import (
    MAX_PATTERN_LENGTH,
    compile_search,
    find_matches,
    merge_spans,
    turns_of_speaker,
)
from analysis.text.cooccurrence import CooccurrenceMatrix, cooccurrence, pairs_behind
from analysis.text.matrix import MatrixItem, MatrixResult, matrix_counts, matrix_csv
from analysis.text.mentions import count_actor_mentions, find_mentions
from analysis.text.words import (
    WordCount,
    count_words,
    load_stop_words,
    token_spans,
    tokenize,
    word_frequencies,
    word_frequencies_by_group,
    word_frequencies_in_spans,
)
from coding.aliases import AliasMatcher, compile_aliases
from coding.textunits import line_spans, paragraph_spans, sentence_spans

__all__ = [
    "MAX_PATTERN_LENGTH",
    "AliasMatcher",
    "CooccurrenceMatrix",
    "MatrixItem",
    "MatrixResult",
    "WordCount",
    "compile_aliases",
    "compile_search",
    "cooccurrence",
    "count_actor_mentions",
    "count_words",
    "find_matches",
    "find_mentions",
    "line_spans",
    "load_stop_words",
    "matrix_counts",
    "matrix_csv",
    "merge_spans",
    "pairs_behind",
    "paragraph_spans",
    "sentence_spans",
    "token_spans",
    "tokenize",
    "turns_of_speaker",
    "word_frequencies",
    "word_frequencies_by_group",
    "word_frequencies_in_spans",
]
