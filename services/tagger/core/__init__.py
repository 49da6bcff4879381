"""Pure-Python tagging core: no Kafka, faust or Elasticsearch here, so batch and stream share it."""

from services.tagger.core.model import Document, Evidence, TaggedEvent
from services.tagger.core.tagger import TAGGER_VERSION, Tagger, default_tagger

__all__ = ["TAGGER_VERSION", "Document", "Evidence", "TaggedEvent", "Tagger", "default_tagger"]
