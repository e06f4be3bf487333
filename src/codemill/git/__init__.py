"""Git, read safely: repository access through libgit2 (no hook, filter or driver of the repository runs), commit
messages and the references they make, trees, and clones of URL sources into a cache."""
