"""The review desk: people judge samples of a run's kept and dropped rows, and the labels measure the pipeline.

- `data`: read-only access to the run directory (funnels, rows by place or id, joins, commit links);
- `sampling`: seeded samples stratified by repository, category and score band;
- `labels`: the SQLite store of verdicts, `DIR/review/labels.sqlite` (WAL, one transaction per verdict);
- `stats`: precision of every decision with Wilson intervals, Cohen's kappa between reviewers;
- `calibrate`: refit `[select] weights` and `[select] min_score` on the labels, written as a config change;
- `highlight`, `views`: what an item page shows (Pygments-highlighted diffs and files);
- `app`, `serve`: the FastAPI app (Jinja2 templates, plain JavaScript, no build step) and `codemill review`.

Nothing here writes into a stage folder: the desk's only writes are under `DIR/review/`.
"""
