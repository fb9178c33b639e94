"""Pure DataFrame functions over catalog frames and snapshot history: what changed
(:mod:`.changes`). Nothing here fetches or touches files."""
