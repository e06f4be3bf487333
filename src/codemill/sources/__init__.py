"""Where repositories come from: local paths, folders of repositories, and clone URLs."""
