"""GitHub history as training pairs: issues and the pull requests that closed them, review comments and the
changes that answered them. Read from GH Archive dumps (`archive`) or the REST API (`api`, with `cache`),
then linked to each other and to commits of a local clone (`links`); `events` holds the records."""
