"""JSON -> DataFrames, pure: model objects to the contract frame (:mod:`.models`), endpoints and
providers (:mod:`.endpoints`, :mod:`.providers`), activity and generations (:mod:`.usage`), and recorded
body files and archives read from disk (:mod:`.bodies`, the only reader)."""
