"""Markdown (GitHub-flavoured) for the wiki and the repository: writer, reader and their contract."""
