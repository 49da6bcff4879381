"""The subscription query language: Lucene syntax over event fields, meaning the same in the stream as in the index.

Shared by the API (validating subscriptions), the alerter (matching events), ``attache search`` and the
backtest::

    from services.common.query import QueryError, parse_query, Query, SubscriptionIndex, query_from_match

    q = parse_query("type:leader_meeting AND leaders:Putin")  # QueryError(position, reason, ...) if refused
    q.text        # 'type:leader_meeting AND leaders:"Vladimir Putin"': canonical, stored, sent to Elasticsearch
    q.matches(event)   # over schema-shaped event dicts
    q.fields      # {'type', 'leaders'}

The syntax is what Elasticsearch's ``query_string`` (``q=``) and Kibana's Lucene mode accept, with the
same meaning:

* **Default operator OR**, Elasticsearch's default: ``type:summit countries:FR`` is either. Mixed
  ``AND``/``OR`` without parentheses follow Lucene's rules, not precedence: ``a AND b OR c`` requires
  a and b. Use parentheses to say what you mean.
* **Fields and kinds come from the events index mapping** (catalogue.py): keyword fields (``type``,
  ``countries``, ``leaders``, ...) match exact, case-sensitive values; text fields (``article.title``,
  ``evidence.text``) match analysed tokens, a quoted phrase consecutive tokens; numbers and dates
  compare as values, with ranges (``confidence:>=0.7``, ``confidence:[0.5 TO 1]``,
  ``date:[2025-01-01 TO now]``, ``article.published:>now-7d``) and date math; wildcards
  (``type:leader_*``, ``leaders:*Putin*``); ``_exists_:date``; ``field:*``; ``*:*``; a bare term
  searches every field (Elasticsearch's default field ``*``).
* **Values are checked**: a field events do not have, a value a field can never hold (``type``,
  ``modality`` from the schema's enums, ``countries`` and ``leaders`` from the knowledge base), a word
  on a number field, a bad date: each is refused with its position and a suggestion. Leader names
  resolve from surnames and aliases (``leaders:Putin`` → ``leaders:"Vladimir Putin"``), country codes
  from any case and from country names (``countries:"North Korea"`` → ``countries:KP``); a two-letter
  value that is no code (``UK``) is refused with the code to use (``GB``).
* **Refused because the stream could not match them exactly as the index does**: fuzzy terms
  (``word~``), proximity phrases (``"a b"~3``), regular expressions (``/.../``), ``&&``/``||``/``!``
  (write AND/OR/NOT), and lowercase ``and``/``or``/``not`` as bare words (Lucene would search them as
  words; quote them to do that).

Send ``Query.text`` to Elasticsearch as ``q=`` (or a ``query_string`` query with default options) and
it matches the same events ``Query.matches`` does.
"""

from services.common.query.bench import bench_matching
from services.common.query.catalogue import Catalogue, FieldInfo, FieldKind, build_catalogue, load_catalogue
from services.common.query.document import Document
from services.common.query.errors import QueryError
from services.common.query.index import SubscriptionIndex
from services.common.query.legacy import query_from_match
from services.common.query.query import Query, parse_query
from services.common.query.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "Catalogue",
    "Document",
    "FieldInfo",
    "FieldKind",
    "Query",
    "QueryError",
    "SubscriptionIndex",
    "Vocabulary",
    "bench_matching",
    "build_catalogue",
    "load_catalogue",
    "load_vocabulary",
    "parse_query",
    "query_from_match",
]
