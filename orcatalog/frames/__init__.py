"""JSON -> DataFrames, pure: model objects to the contract frame (:mod:`.models`), and recorded
body files and archives read from disk (:mod:`.bodies`, the only reader)."""
