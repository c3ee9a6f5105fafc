"""One search across a user's conversations, messages, artifacts and narratives.

* :mod:`chat.search.indexing` keeps the search columns filled: the row's ``language`` (which
  picks the text-search configuration of its generated ``search_vector``) and, after commit
  through the outbox, the embeddings of messages and artifacts.
* :mod:`chat.search.selectors` runs the hybrid search (full text + vectors, fused by RRF).
* :mod:`chat.search.services` validates a query, runs it and logs it (``SearchQuery``); recent
  searches and their deletion.
* :mod:`chat.search.api` and :mod:`chat.search.views`: ``/api/v1/search`` and ``/search/``.
"""
