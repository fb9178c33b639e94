"""HTTP -> JSON: the client and its four operations (:mod:`.client`), one GET with deadline,
retries and status -> error mapping (:mod:`.http`), the private HTTP cache (:mod:`.cache`, the only
requests-cache importer), list filters checked before any request (:mod:`.params`), providers and
endpoints (:mod:`.endpoints`) and your own usage, ``/activity`` and ``/generation`` (:mod:`.usage`)."""
