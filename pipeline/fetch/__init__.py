"""The fetch stage: ``articles.entries`` → article page → main text → ``articles.raw`` (group ``fetch``)."""
