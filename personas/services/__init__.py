"""Writes and workflows of the personas app, one module per object kind.

observations, mindscapes, narratives (+ embeddings, trait links), mappers, personas (+ feedback).
Everything that changes a row goes through a function here, under ``transaction.atomic``.
"""
