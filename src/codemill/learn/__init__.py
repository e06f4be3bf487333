"""Small numpy models fitted on hand-labelled data: the category classifier and the pair score.

Everything here runs with numpy alone, at mill time and at training time: `logistic` fits (binary and
multinomial) L2-regularised logistic regression, `metrics` measures ranking and accuracy with intervals, and
`folds` cuts leave-repositories-out folds so nothing fitted on a repository is ever scored on it.
"""
