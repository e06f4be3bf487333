"""Procedural bug synthesis (as in SWE-smith): mutate covered functions, keep the mutants the tests catch."""

from codemill.mutate.operators import KINDS, Mutation, function_names, mutations
from codemill.mutate.outcomes import Status, TestOutcome, pytest_outcomes, run_pytest
from codemill.mutate.synthesize import (
    Runner,
    Synthesis,
    SynthesizedBug,
    classify,
    covered_functions,
    problem_statement,
    synthesize,
)

__all__ = [
    "KINDS", "Mutation", "Runner", "Status", "Synthesis", "SynthesizedBug", "TestOutcome", "classify",
    "covered_functions", "function_names", "mutations", "problem_statement", "pytest_outcomes", "run_pytest",
    "synthesize",
]
